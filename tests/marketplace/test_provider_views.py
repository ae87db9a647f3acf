"""The provider's pages and the secretary's approvals, as the people using them see them."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.marketplace import bookings
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Closure,
    Concession,
    Listing,
    ListingStatus,
    Provider,
    ProviderStaff,
    ProviderStatus,
    Review,
    ScheduleTime,
    Session,
)
from coop.marketplace.schedule import MONDAY
from coop.payments import ledger
from tests.pages import error_summary

#: A session start a fortnight ahead, on the hour.
FUTURE = (datetime.now(UTC) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)


def page(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words, tags removed and spaces squeezed, for asserting sentences."""
    words = re.sub(r"<[^>]+>", " ", page(response))
    return re.sub(r"\s+", " ", html.unescape(words))


def count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


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

LISTING_FORM = {
    "title": "Off-peak gym",
    "description": "Use of the gym and its equipment.",
    "category": "gym_fitness",
    "price": "8",
    "duration_minutes": "60",
    "places": "10",
    "where": "venue",
    "venue_address": "2 River Lane, Derby DE1 3AA",
    "features": ["step_free", "hearing_loop"],
    "direct_payments_allowed": "yes",
    "cancellation_notice_hours": "24",
    "members_discount_percent": "",
}


@pytest.fixture
def rival(make_member, make_provider, make_listing, make_session):
    """Another provider, with a listing, a session and a booking of its own."""
    staff = make_member("provider", email="rival@example.org", name="Rob Rival")
    provider = make_provider(staff, name="Rival Fitness")
    listing = make_listing(provider, title="Rival spin class")
    session = make_session(listing, starts_at=FUTURE)
    return provider, listing, session


def as_(client, member):
    """Sign this client in as the member."""
    client.post("/logout")
    response = client.post("/login", data={"email": member.email, "password": _password()})
    assert response.status_code == 302, page(response)
    return client


def _password():
    from tests.conftest import PASSWORD

    return PASSWORD


def base(provider) -> str:
    return f"/marketplace/provider/{provider.id}"


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

    make_member("pa", email="pat@example.org", name="Pat Assistant")
    body = page(client.post(f"{base(gym)}/staff", data={"email": "nobody@example.org"}))
    assert any("no approved member" in m for _t, m in error_summary(body))
    response = client.post(f"{base(gym)}/staff", data={"email": "pat@example.org"})
    assert "Pat Assistant can now manage Riverside Gym" in text(client.get(response.location))
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
    client.post(f"{base(gym)}/staff", data={"email": "pat@example.org"})
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
    client.post(f"{base(gym)}/staff", data={"email": "pat@example.org"})
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
    make_member("pa", email="pat@example.org", name="Pat Assistant")
    as_(client, gym_staff)
    client.post(f"{base(gym)}/staff", data={"email": "pat@example.org"})
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


# --- Listings, schedule, closures and pricing through the pages ---------------------------


def test_a_listing_is_made_scheduled_priced_and_published(client, db, gym, gym_staff):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {"price": "7.50"})
    assert response.status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    assert (listing.price_pence, listing.status) == (750, ListingStatus.DRAFT)
    assert listing.step_free and listing.hearing_loop and not listing.bsl
    assert response.location.endswith(f"/listings/{listing.id}/schedule")

    listing_url = f"{base(gym)}/listings/{listing.id}"
    # Publishing with no schedule is refused, with a reason.
    response = client.post(f"{listing_url}/status", data={"action": "publish"})
    words = text(client.get(response.location))
    assert "Add at least one day and start time" in words
    assert listing.status is ListingStatus.DRAFT

    body = page(client.post(f"{listing_url}/schedule", data={"starts_at": "25:00"}))
    summary = error_summary(body)
    assert ("days", "Choose at least one day") in summary
    assert ("starts_at", "Enter the start time as a 24-hour time, like 10:00 or 17:30") in summary
    response = client.post(
        f"{listing_url}/schedule", data={"days": ["0", "2"], "starts_at": "10:00"}
    )
    assert response.status_code == 302
    assert "Mondays and Wednesdays at 10:00" in text(client.get(response.location))

    response = client.post(f"{listing_url}/status", data={"action": "publish"})
    assert "The listing is published" in text(client.get(response.location))
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED
    sessions = db.session.scalars(select(Session).where(Session.listing_id == listing.id)).all()
    assert 16 <= len(sessions) <= 17
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in sessions} == {time(10, 0)}

    # Off-peak price: mistakes are explained, then the rule is shown in words.
    body = page(
        client.post(
            f"{listing_url}/pricing",
            data={
                "days": ["0"],
                "window_start": "15:00",
                "window_end": "10:00",
                "percent_off": "50",
            },
        )
    )
    assert ("window_end", "The cheaper price must end after it starts") in error_summary(body)
    assert 'value="15:00"' in body
    client.post(
        f"{listing_url}/pricing",
        data={
            "days": ["0", "1", "2", "3", "4"],
            "window_start": "10:00",
            "window_end": "15:00",
            "percent_off": "50",
            "members_only": "y",
        },
    )
    assert count(db, Concession) == 1
    words = text(client.get(listing_url))
    assert "Half price off-peak for co-op members, weekdays 10:00 to 15:00" in words

    # Back to draft, and archived.
    client.post(f"{listing_url}/status", data={"action": "archive"})
    db.session.refresh(listing)
    assert listing.status is ListingStatus.ARCHIVED


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "", "Enter a title"),
        ("price", "", "Enter the price of one place, or 0 if it is free"),
        ("price", "eight", "Enter the price in pounds, like 8 or 7.50"),
        ("price", "-5", "Enter the price in pounds"),
        ("duration_minutes", "0", "Length of a session in minutes must be between 1 and 1,440"),
        ("places", "lots", "Places in each session must be a whole number"),
        ("venue_address", "", "Enter the address where the sessions happen"),
        ("members_discount_percent", "150", "must be between 1 and 100"),
        ("category", "", "Choose the type of service"),
    ],
)
def test_listing_mistakes_are_explained_and_what_was_typed_is_kept(
    client, db, gym, gym_staff, field, value, message
):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {field: value})
    body = page(response)
    assert response.status_code == 200
    assert any(message in m for _t, m in error_summary(body)), error_summary(body)
    for kept in ("title", "venue_address"):
        if kept != field:
            assert f'value="{html.escape(LISTING_FORM[kept])}"' in body
    assert count(db, Listing) == 0


def test_a_free_at_home_listing(client, db, gym, gym_staff):
    as_(client, gym_staff)
    data = LISTING_FORM | {"price": "0", "where": "home", "venue_address": ""}
    assert client.post(f"{base(gym)}/listings/new", data=data).status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    assert listing.price_pence == 0 and listing.at_home
    words = text(client.get(f"{base(gym)}/listings/{listing.id}"))
    assert "Free" in words and "At the person's home" in words


def test_a_waiting_provider_prepares_drafts_but_cannot_publish(
    client, db, make_provider, make_listing, gym_staff
):
    waiting = make_provider(gym_staff, status="applied")
    draft = make_listing(waiting, status="draft")
    as_(client, gym_staff)
    response = client.post(
        f"{base(waiting)}/listings/{draft.id}/status", data={"action": "publish"}
    )
    assert "once the secretary has approved your provider" in text(client.get(response.location))
    db.session.refresh(draft)
    assert draft.status is ListingStatus.DRAFT and count(db, Session) == 0


def test_editing_a_listing_keeps_its_values(client, db, gym, gym_staff, make_listing):
    listing = make_listing(gym, price_pence=1250, members_discount_percent=10)
    as_(client, gym_staff)
    form = page(client.get(f"{base(gym)}/listings/{listing.id}/edit"))
    assert 'value="12.50"' in form and 'value="10"' in form
    response = client.post(
        f"{base(gym)}/listings/{listing.id}/edit", data=LISTING_FORM | {"title": "Gym, renamed"}
    )
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.title == "Gym, renamed" and listing.price_pence == 800


def _monday_sessions(db, listing):
    return db.session.scalars(
        select(Session).where(Session.listing_id == listing.id).order_by(Session.starts_at)
    ).all()


def test_a_closure_removes_free_sessions_and_lists_booked_ones_to_cancel(
    client, db, gym, gym_staff, make_listing, holder
):
    from coop.marketplace import providers

    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    providers.generate_sessions(listing)
    db.session.commit()
    first, second = _monday_sessions(db, listing)[1:3]
    bookings.book(holder, second)
    db.session.commit()

    as_(client, gym_staff)
    day1 = first.starts_at.astimezone(clock.LONDON).date()
    day2 = second.starts_at.astimezone(clock.LONDON).date()
    url = f"{base(gym)}/listings/{listing.id}/closures"
    body = page(client.post(url, data={"first_day": ["1", "1", "2020"], "reason": "Oops"}))
    assert any("end today or later" in m for _t, m in error_summary(body))
    response = client.post(
        url,
        data={
            "first_day": [str(day1.day), str(day1.month), str(day1.year)],
            "last_day": [str(day2.day), str(day2.month), str(day2.year)],
            "reason": "Refurbishment",
        },
    )
    assert response.location.endswith(f"/listings/{listing.id}")
    words = text(client.get(response.location))
    assert "1 session that nobody had booked removed" in words
    assert "1 session on those days already has bookings" in words
    assert "Cancel the session on" in words
    assert db.session.get(Session, first.id) is None
    assert db.session.get(Session, second.id).cancelled_at is None
    assert count(db, Closure) == 1
    assert "Refurbishment" in text(client.get(url))


# --- Sessions: who is coming, attendance, cancelling --------------------------------------


@pytest.fixture
def booked(db, gym, make_listing, make_session, holder):
    """A gym session a fortnight ahead that Asha has booked 2 places in (£16)."""
    listing = make_listing(gym, title="Gym session", price_pence=800)
    session = make_session(listing, starts_at=FUTURE)
    booking = bookings.book(holder, session, places=2)
    db.session.commit()
    return session, booking


def test_the_session_page_shows_who_is_coming_and_cancelling_refunds_everyone(
    client, db, gym, gym_staff, booked, holder, mailbox
):
    session, booking = booked
    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}"
    words = text(client.get(url))
    assert "Asha Holder 2 " + booking.reference in words
    assert "You can mark who came once the session has started" in words
    assert "Places booked 2 of 10" in words

    words = text(client.get(f"{url}/cancel"))
    assert "1 booking will be cancelled and refunded in full" in words
    body = page(client.post(f"{url}/cancel", data={"reason": ""}))
    assert any("Say why the session is cancelled" in m for _t, m in error_summary(body))
    assert ledger.budget_balance(holder) == 3400

    response = client.post(f"{url}/cancel", data={"reason": "The instructor is ill"})
    assert response.status_code == 302
    assert "1 booking refunded in full" in text(client.get(response.location))
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED_BY_PROVIDER
    assert ledger.budget_balance(holder) == 5000
    message = mailbox.to("asha@example.org")[0]
    assert "The instructor is ill" in mailbox.body(message)
    # Cancelling again is not offered, and is refused.
    assert "Cancel this session" not in text(client.get(url))
    assert "This session is already cancelled" in text(client.get(f"{url}/cancel"))
    words = text(client.post(f"{url}/cancel", data={"reason": "Again"}))
    assert "This session is already cancelled" in words
    assert len(mailbox.to("asha@example.org")) == 1


def test_attendance_is_marked_once_the_session_has_started(
    client, db, gym, gym_staff, make_listing, make_session, holder
):
    listing = make_listing(gym, price_pence=0)
    started = datetime.now(UTC) - timedelta(minutes=30)
    session = make_session(listing, starts_at=started)
    booking = bookings.book(holder, session, now=started - timedelta(days=1))
    db.session.commit()

    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}"
    assert "Not marked" in text(client.get(url))
    response = client.post(f"{url}/bookings/{booking.id}/attendance", data={"attended": "yes"})
    words = text(client.get(response.location))
    assert f"Asha Holder ({booking.reference}) is marked as came" in words
    db.session.refresh(booking)
    assert booking.attended is True
    client.post(f"{url}/bookings/{booking.id}/attendance", data={"attended": "no"})
    db.session.refresh(booking)
    assert booking.attended is False


def test_attendance_cannot_be_marked_before_the_start(client, db, gym, gym_staff, booked):
    session, booking = booked
    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}/bookings/{booking.id}/attendance"
    response = client.post(url, data={"attended": "yes"})
    assert "once the session has started" in text(client.get(response.location))
    db.session.refresh(booking)
    assert booking.attended is None


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


def test_another_providers_pages_and_objects_are_not_found(
    client, db, gym, gym_staff, make_listing, make_session, rival, holder
):
    rival_provider, rival_listing, rival_session = rival
    rival_booking = bookings.book(holder, rival_session)
    db.session.commit()
    mine = make_listing(gym)
    my_session = make_session(mine, starts_at=FUTURE)
    before = (count(db, Listing), count(db, ScheduleTime), count(db, Booking))
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
        f"{theirs}/listings/{rival_listing.id}",
        f"{theirs}/sessions/{rival_session.id}",
        # Their objects through my own provider's address are no better.
        f"{base(gym)}/listings/{rival_listing.id}",
        f"{base(gym)}/listings/{rival_listing.id}/edit",
        f"{base(gym)}/listings/{rival_listing.id}/schedule",
        f"{base(gym)}/listings/{rival_listing.id}/closures",
        f"{base(gym)}/listings/{rival_listing.id}/pricing",
        f"{base(gym)}/sessions/{rival_session.id}",
        f"{base(gym)}/sessions/{rival_session.id}/cancel",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"{base(gym)}/listings/{rival_listing.id}/status", {"action": "archive"}),
        (f"{base(gym)}/listings/{rival_listing.id}/edit", LISTING_FORM),
        (f"{base(gym)}/listings/{rival_listing.id}/schedule", {"days": ["1"], "starts_at": "9:00"}),
        (f"{base(gym)}/sessions/{rival_session.id}/cancel", {"reason": "Mine now"}),
        (
            f"{base(gym)}/sessions/{rival_session.id}/bookings/{rival_booking.id}/attendance",
            {"attended": "no"},
        ),
        (f"{base(mine.provider)}/listings/{mine.id}/schedule/999999/remove", {}),
        (f"{theirs}/staff", {"email": "gym@example.org"}),
    ):
        assert client.post(url, data=data).status_code == 404, url
    # A booking of theirs cannot be reached through a session of mine either.
    url = f"{base(gym)}/sessions/{my_session.id}/bookings/{rival_booking.id}/attendance"
    assert client.post(url, data={"attended": "no"}).status_code == 404

    assert (count(db, Listing), count(db, ScheduleTime), count(db, Booking)) == before
    db.session.refresh(rival_listing)
    db.session.refresh(rival_session)
    assert rival_listing.status is ListingStatus.PUBLISHED
    assert rival_session.cancelled_at is None
    assert len(rival_provider.staff) == 1
    # My own CSV holds none of their bookings.
    assert rival_booking.reference not in page(client.get(f"{base(gym)}/bookings.csv"))


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
