"""A provider's own pages (registering, details, staff, the dashboard, bookings, money and
reviews) and the secretary's approvals, as the people using them see them; and that one
provider can never reach another's things through any page."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coop.marketplace import bookings
from coop.marketplace.models import (
    Booking,
    Closure,
    Concession,
    Listing,
    Provider,
    ProviderStaff,
    ProviderStatus,
    Review,
    ScheduleTime,
    Session,
)
from coop.marketplace.staff_models import StaffInvitation
from tests.marketplace.conftest import add_staff
from tests.marketplace.provider_pages import LISTING_FORM, as_, base, count
from tests.pages import error_summary, page, text

#: A session start a fortnight ahead, on the hour.
FUTURE = (datetime.now(UTC) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)


PROVIDER_FORM = {
    "name": "Riverside Gym",
    "kind": "community_venue",
    "description": "A friendly community gym.",
    "email": "hello@riverside.example",
    "phone": "01332 111222",
    "website": "https://riverside.example",
    "address_line_1": "2 River Lane",
    "address_line_2": "",
    "town": "Derby",
    "postcode": "de1 3aa",
    "premises_accessibility": "Step-free entrance and a lift.",
    "insurance_expires_on": ["31", "12", str(date.today().year + 1)],
    "dbs_checked_on": ["", "", ""],
}


@pytest.fixture
def rival(make_member, make_provider, make_listing, make_session):
    """Another provider, with a listing, a session and a booking of its own."""
    staff = make_member("provider", email="rival@example.org", name="Rob Rival")
    provider = make_provider(staff, name="Rival Fitness")
    listing = make_listing(provider, title="Rival spin class")
    session = make_session(listing, starts_at=FUTURE)
    return provider, listing, session


# --- Registering and the secretary's decision ----------------------------------------------


def test_a_provider_member_registers_and_waits_for_the_secretary(
    client, db, gym_staff, make_member, mailbox
):
    as_(client, gym_staff)
    assert "Register a provider" in text(client.get("/marketplace/provider"))
    response = client.post("/marketplace/provider/register", data=PROVIDER_FORM)
    assert response.status_code == 302
    provider = db.session.scalars(select(Provider)).one()
    assert response.location.endswith(base(provider))
    assert provider.postcode == "DE1 3AA" and provider.status is ProviderStatus.APPLIED
    assert [s.member_id for s in provider.staff] == [gym_staff.id]
    words = text(client.get(response.location))
    assert "Riverside Gym is registered" in words
    assert "The secretary has not yet approved Riverside Gym" in words
    # With one provider, the start page goes straight to its dashboard.
    assert client.get("/marketplace/provider").location.endswith(base(provider))

    secretary = make_member(secretary=True, email="sec@example.org")
    as_(client, secretary)
    words = text(client.get("/marketplace/secretary/providers"))
    assert "1 waiting for a decision" in words and "Riverside Gym" in words
    response = client.post(
        f"/marketplace/secretary/providers/{provider.id}", data={"decision": "approve"}
    )
    assert response.status_code == 302
    db.session.refresh(provider)
    assert provider.status is ProviderStatus.APPROVED
    assert {m["To"] for m in mailbox.messages} == {"hello@riverside.example", "gym@example.org"}
    message = mailbox.to("hello@riverside.example")[0]
    assert message["Subject"].startswith("Riverside Gym is approved")
    assert f"/marketplace/provider/{provider.id}" in mailbox.body(message)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Enter the name of the provider"),
        ("kind", "", "Choose what kind of provider it is"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("postcode", "ZZ99 9ZZZ", "Enter a real UK postcode"),
        ("website", "riverside", "Enter the full website address"),
        ("insurance_expires_on", ["", "", ""], "Enter the date your insurance runs out"),
        ("insurance_expires_on", ["31", "2", "2030"], "must be a real date"),
        ("insurance_expires_on", ["1", "1", "2020"], "must be today or in the future"),
    ],
)
def test_registration_mistakes_are_explained_and_what_was_typed_is_kept(
    client, db, gym_staff, field, value, message
):
    as_(client, gym_staff)
    response = client.post("/marketplace/provider/register", data=PROVIDER_FORM | {field: value})
    body = page(response)
    assert response.status_code == 200
    assert any(message in m for _target, m in error_summary(body)), error_summary(body)
    assert "<title>Error: Register a provider" in body
    for kept in ("name", "phone", "town", "address_line_1"):
        if kept != field:
            assert f'value="{html.escape(PROVIDER_FORM[kept])}"' in body, kept
    assert count(db, Provider) == 0


def test_only_approved_provider_members_can_register(client, db, make_member):
    as_(client, make_member("budget_holder"))
    assert client.get("/marketplace/provider/register").status_code == 403
    assert "Register a provider" not in text(client.get("/marketplace/provider"))
    as_(client, make_member("provider", "applied"))
    assert client.post("/marketplace/provider/register", data=PROVIDER_FORM).status_code == 403
    assert count(db, Provider) == 0
    client.post("/logout")
    assert "/login" in client.get("/marketplace/provider/register").location


def test_the_secretary_must_give_a_reason_to_reject(
    client, db, make_member, make_provider, gym_staff, mailbox
):
    provider = make_provider(gym_staff, status="applied", email="hello@riverside.example")
    as_(client, make_member(secretary=True))
    url = f"/marketplace/secretary/providers/{provider.id}"
    body = page(client.post(url, data={"decision": "reject", "reason": ""}))
    assert ("reason", "Enter the reason the provider is not accepted") in error_summary(body)
    assert mailbox.messages == []

    client.post(url, data={"decision": "reject", "reason": "Send your insurance certificate"})
    db.session.refresh(provider)
    assert provider.status is ProviderStatus.REJECTED
    body = mailbox.body(mailbox.to("hello@riverside.example")[0])
    assert "Send your insurance certificate" in body

    # The provider sees why, and can ask again.
    as_(client, gym_staff)
    assert "Send your insurance certificate" in text(client.get(base(provider)))
    client.post(f"{base(provider)}/apply-again")
    db.session.refresh(provider)
    assert provider.status is ProviderStatus.APPLIED


def test_only_the_secretary_sees_provider_approvals(client, db, make_member, gym, gym_staff):
    as_(client, gym_staff)
    assert client.get("/marketplace/secretary/providers").status_code == 403
    response = client.post(f"/marketplace/secretary/providers/{gym.id}", data={"decision": "x"})
    assert response.status_code == 403
    as_(client, make_member(secretary=True))
    assert "Riverside Gym" in text(client.get(f"/marketplace/secretary/providers/{gym.id}"))
    # The secretary may look, but the provider's own pages are not theirs to run.
    assert client.get(base(gym)).status_code == 404
    assert client.post(f"{base(gym)}/details", data=PROVIDER_FORM).status_code == 404


# --- Details and staff -------------------------------------------------------------------


def test_staff_change_the_details_and_add_staff(client, db, gym, gym_staff, make_member):
    as_(client, gym_staff)
    form = page(client.get(f"{base(gym)}/details"))
    assert 'value="Riverside Gym"' in form and 'value="DE1 3AA"' in form
    new_date = ["30", "6", str(date.today().year + 2)]
    response = client.post(
        f"{base(gym)}/details", data=PROVIDER_FORM | {"insurance_expires_on": new_date}
    )
    assert response.status_code == 302
    db.session.refresh(gym)
    assert gym.insurance_expires_on == date(date.today().year + 2, 6, 30)

    pat = make_member("pa", email="pat@example.org", name="Pat Assistant")
    body = page(client.post(f"{base(gym)}/staff", data={"email": "nobody@example.org"}))
    assert any("no approved member" in m for _t, m in error_summary(body))
    response = client.post(f"{base(gym)}/staff", data={"email": "pat@example.org"})
    words = text(client.get(response.location))
    assert "We have invited Pat Assistant to join Riverside Gym's staff" in words
    assert "Invitations waiting for an answer" in words and "pat@example.org" not in words
    assert count(db, ProviderStaff, provider_id=gym.id) == 1

    # Pat accepts on their account page, and only then manages the gym.
    as_(client, pat)
    assert "Riverside Gym" in text(client.get("/account"))
    invitation = db.session.scalars(select(StaffInvitation)).one()
    response = client.post(f"/marketplace/invitations/{invitation.id}/accept")
    assert response.location.endswith(base(gym))
    assert client.get(base(gym)).status_code == 200
    as_(client, gym_staff)
    assert "pat@example.org" in text(client.get(f"{base(gym)}/staff"))


def _remove_staff_url(provider, member) -> str:
    row = next(s for s in provider.staff if s.member_id == member.id)
    return f"{base(provider)}/staff/{row.id}/remove"


def test_staff_remove_someone_but_never_the_last(client, db, gym, gym_staff, make_member):
    pat = make_member("pa", email="pat@example.org", name="Pat Assistant")
    as_(client, gym_staff)
    words = text(client.get(f"{base(gym)}/staff"))
    assert "Remove" not in words
    assert "A provider needs at least one staff account" in words
    add_staff(gym, pat, gym_staff)
    db.session.commit()
    db.session.refresh(gym)
    pat_url, my_url = _remove_staff_url(gym, pat), _remove_staff_url(gym, gym_staff)

    response = client.get(f"{base(gym)}/staff")
    body, words = page(response), text(response)
    assert "Remove Pat Assistant from the staff" in words
    assert "Remove yourself from the staff" in words
    assert f'action="{pat_url}"' in body and f'action="{my_url}"' in body

    response = client.post(pat_url)
    assert response.status_code == 302 and response.location.endswith(f"{base(gym)}/staff")
    response = client.get(response.location)
    words = text(response)
    assert "Pat Assistant can no longer manage Riverside Gym." in words
    assert "pat@example.org" not in words and "Remove" not in words
    assert '/remove"' not in page(response)
    assert count(db, ProviderStaff, provider_id=gym.id) == 1

    # The last one left is refused, even by a hand-made request.
    response = client.post(my_url)
    assert response.status_code == 302
    words = text(client.get(response.location))
    assert (
        "A provider needs at least one staff account. Add someone else before removing "
        "yourself." in words
    )
    assert count(db, ProviderStaff, provider_id=gym.id, member_id=gym_staff.id) == 1
    assert client.get(base(gym)).status_code == 200


def test_staff_who_remove_themselves_lose_the_provider_pages(
    client, db, gym, gym_staff, make_member
):
    pat = make_member("pa", email="pat@example.org", name="Pat Assistant")
    as_(client, gym_staff)
    add_staff(gym, pat, gym_staff)
    db.session.commit()
    db.session.refresh(gym)

    response = client.post(_remove_staff_url(gym, gym_staff))
    assert response.status_code == 302 and response.location.endswith("/marketplace/provider")
    assert "You are no longer one of Riverside Gym's staff." in text(client.get(response.location))
    assert client.get(base(gym)).status_code == 404
    assert client.get(f"{base(gym)}/staff").status_code == 404
    staff = db.session.scalars(select(ProviderStaff).where(ProviderStaff.provider_id == gym.id))
    assert [s.member_id for s in staff] == [pat.id]


def test_another_providers_staff_cannot_be_removed(client, db, gym, gym_staff, rival):
    rival_provider, _listing, _session = rival
    their_row = rival_provider.staff[0].id
    as_(client, gym_staff)
    for url in (
        f"{base(rival_provider)}/staff/{their_row}/remove",
        # Their staff account through my own provider's address is no better.
        f"{base(gym)}/staff/{their_row}/remove",
        f"{base(gym)}/staff/999999/remove",
    ):
        assert client.post(url).status_code == 404, url
    assert count(db, ProviderStaff, provider_id=rival_provider.id) == 1


def test_removing_staff_needs_the_pages_csrf_token(app, client, db, gym, gym_staff, make_member):
    pat = make_member("pa", email="pat@example.org", name="Pat Assistant")
    as_(client, gym_staff)
    add_staff(gym, pat, gym_staff)
    db.session.commit()
    db.session.refresh(gym)
    url = f"{base(gym)}/staff/{gym.staff[1].id}/remove"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(url)
        form = page(client.get(f"{base(gym)}/staff")).split(f'action="{url}"', 1)[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
        removed = client.post(url, data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400
    assert removed.status_code == 302
    assert count(db, ProviderStaff, provider_id=gym.id) == 1


# --- The dashboard, bookings, money and reviews ------------------------------------------


def test_the_dashboard_bookings_page_and_csv_show_the_money(
    client, db, gym, gym_staff, booked, rival, holder
):
    session, booking = booked
    _provider, _listing, rival_session = rival
    bookings.book(holder, rival_session)  # the rival's booking is never the gym's
    db.session.commit()
    as_(client, gym_staff)

    words = text(client.get(base(gym)))
    assert "Gym session Published 1" in words
    assert "Paid by members £16.00 Co-op commission £1.28 Owed to you £14.72" in words
    assert "Rival" not in words

    words = text(client.get(f"{base(gym)}/bookings"))
    assert "Asha Holder" in words and booking.reference in words
    assert "£16.00 £1.28 £14.72" in words

    response = client.get(f"{base(gym)}/bookings.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(page(response))))
    assert [r["Reference"] for r in rows] == [booking.reference]
    assert rows[0]["Member name"] == "Asha Holder"
    assert (rows[0]["Gross"], rows[0]["Commission"], rows[0]["Net"]) == (
        "£16.00",
        "£1.28",
        "£14.72",
    )


def test_staff_reply_to_reviews(client, db, gym, gym_staff, make_listing, make_session, holder):
    listing = make_listing(gym, price_pence=0)
    started = datetime.now(UTC) - timedelta(hours=2)
    session = make_session(listing, starts_at=started)
    booking = bookings.book(holder, session, now=started - timedelta(days=1))
    bookings.mark_attendance(booking, True, gym_staff)
    review = bookings.review(booking, holder, 4, "Lovely and quiet")
    db.session.commit()

    as_(client, gym_staff)
    url = f"{base(gym)}/reviews"
    assert "Lovely and quiet" in text(client.get(url))
    body = page(client.post(f"{url}/{review.id}/reply", data={"reply": "  "}))
    assert ("reply", "Enter your reply") in error_summary(body)
    response = client.post(f"{url}/{review.id}/reply", data={"reply": "Thank you, Asha!"})
    assert response.status_code == 302
    words = text(client.get(url))
    assert "Your reply" in words and "Thank you, Asha!" in words
    assert "Send reply" not in words
    db.session.refresh(review)
    assert review.reply == "Thank you, Asha!"


# --- One provider can never reach another's things ----------------------------------------


def test_another_providers_pages_are_not_found(client, db, gym, gym_staff, rival, holder):
    rival_provider, _listing, rival_session = rival
    rival_booking = bookings.book(holder, rival_session)
    db.session.commit()
    as_(client, gym_staff)

    theirs = base(rival_provider)
    for url in (
        theirs,
        f"{theirs}/details",
        f"{theirs}/staff",
        f"{theirs}/bookings",
        f"{theirs}/bookings.csv",
        f"{theirs}/reviews",
        f"{theirs}/listings/new",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"{theirs}/staff", {"email": "gym@example.org"}),
        (f"{theirs}/details", PROVIDER_FORM),
        (f"{theirs}/apply-again", {}),
        (f"{theirs}/listings/new", LISTING_FORM),
    ):
        assert client.post(url, data=data).status_code == 404, url
    assert len(rival_provider.staff) == 1
    assert count(db, Listing, provider_id=rival_provider.id) == 1
    # My own CSV holds none of their bookings.
    assert rival_booking.reference not in page(client.get(f"{base(gym)}/bookings.csv"))


#: Every provider page that names one of the provider's things, by the kind of thing it
#: names last: the method, the address after the provider's (each thing by its model's name)
#: and what a POST sends.
OBJECT_PAGES = {
    "Listing": [
        ("get", "/listings/{Listing}", None),
        ("get", "/listings/{Listing}/edit", None),
        ("post", "/listings/{Listing}/edit", LISTING_FORM),
        ("post", "/listings/{Listing}/status", {"action": "archive"}),
        ("get", "/listings/{Listing}/schedule", None),
        ("post", "/listings/{Listing}/schedule", {"days": ["1"], "starts_at": "9:00"}),
        ("get", "/listings/{Listing}/closures", None),
        ("post", "/listings/{Listing}/closures", {"first_day": ["1", "1", "2099"]}),
        ("get", "/listings/{Listing}/pricing", None),
        (
            "post",
            "/listings/{Listing}/pricing",
            {"days": ["5"], "window_start": "10:00", "window_end": "12:00", "percent_off": "10"},
        ),
    ],
    "ScheduleTime": [("post", "/listings/{Listing}/schedule/{ScheduleTime}/remove", {})],
    "Closure": [("post", "/listings/{Listing}/closures/{Closure}/remove", {})],
    "Concession": [("post", "/listings/{Listing}/pricing/{Concession}/remove", {})],
    "Session": [
        ("get", "/sessions/{Session}", None),
        ("get", "/sessions/{Session}/cancel", None),
        ("post", "/sessions/{Session}/cancel", {"reason": "Mine now"}),
    ],
    "Booking": [("post", "/sessions/{Session}/bookings/{Booking}/attendance", {"attended": "no"})],
    "Review": [("post", "/reviews/{Review}/reply", {"reply": "Mine now"})],
    "ProviderStaff": [("post", "/staff/{ProviderStaff}/remove", {})],
    "StaffInvitation": [("post", "/staff/invitations/{StaffInvitation}/withdraw", {})],
}


def _everything(db) -> list:
    """Every row a provider owns, column by column, read afresh from the database."""
    db.session.expire_all()
    rows = []
    models = (ProviderStaff, StaffInvitation, Listing, ScheduleTime, Closure, Concession, Session)
    for model in (*models, Booking):
        for row in db.session.scalars(select(model).order_by(model.id)):
            rows.append([model.__name__] + [getattr(row, c.key) for c in model.__table__.c])
    rows += [[r.id, r.reply] for r in db.session.scalars(select(Review).order_by(Review.id))]
    return rows


@pytest.mark.parametrize("kind", OBJECT_PAGES)
def test_another_providers_things_are_not_found_through_any_page(
    client, db, gym, gym_staff, make_provider, one_of_each, kind
):
    rival = make_provider(name="Rival Fitness")
    mine, my_other, theirs = (
        {model.__name__: thing.id for model, thing in one_of_each(provider).items()}
        for provider in (gym, gym, rival)
    )
    before = _everything(db)
    as_(client, gym_staff)
    for method, path, data in OBJECT_PAGES[kind]:
        urls = [
            base(rival) + path.format(**theirs),  # their provider's own address
            base(gym) + path.format(**theirs),  # their things through my provider's address
            base(gym) + path.format(**(mine | {kind: 999999})),  # nothing has that id
        ]
        if path.count("{") > 1:  # my listing or session, but a closure, booking ... not of it
            for other in (theirs, my_other):
                urls.append(base(gym) + path.format(**(mine | {kind: other[kind]})))
        for url in urls:
            response = client.open(url, method=method.upper(), data=data)
            assert response.status_code == 404, f"{method} {url}"
    assert _everything(db) == before


def test_a_review_of_another_provider_cannot_be_replied_to(
    client, db, gym, gym_staff, rival, holder, make_session
):
    _provider, rival_listing, _session = rival
    started = datetime.now(UTC) - timedelta(hours=2)
    session = make_session(rival_listing, starts_at=started)
    booking = bookings.book(holder, session, now=started - timedelta(days=1))
    booking.attended = True
    review = bookings.review(booking, holder, 2, "Too loud")
    db.session.commit()
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/reviews/{review.id}/reply", data={"reply": "Ha"})
    assert response.status_code == 404
    assert db.session.get(Review, review.id).reply is None
    assert "Too loud" not in text(client.get(f"{base(gym)}/reviews"))


def test_signed_out_visitors_are_asked_to_sign_in(client, db, gym):
    response = client.get(base(gym))
    assert response.status_code == 302 and "/login" in response.location
