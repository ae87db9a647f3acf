"""The booking pages: what a budget holder sees, and that bad input changes nothing."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coop.marketplace import bookings
from coop.marketplace.models import Booking, BookingStatus, Session, WaitlistEntry
from coop.payments import ledger
from coop.payments.models import LedgerTransaction

FUTURE = (datetime.now(UTC) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)


def _off_peak(start: datetime) -> datetime:
    """The next weekday at 11:00 London time (UTC or BST) on or after `start`."""
    from coop.marketplace.schedule import wall_clock_to_utc

    day = start.date()
    while day.weekday() > 4:
        day += timedelta(days=1)
    return wall_clock_to_utc(day, datetime.min.time().replace(hour=11))


OFF_PEAK = _off_peak(FUTURE)


@pytest.fixture
def holder(holder, auth):
    """The marketplace's Asha (tests/marketplace/conftest.py), signed in."""
    auth.login(holder.email)
    return holder


@pytest.fixture
def gym_session(make_listing, make_session):
    gym = make_listing(title="Off-peak gym", price_pence=800, places=2, off_peak=True)
    return make_session(gym, starts_at=OFF_PEAK)


def _state(db, session_id):
    return (
        db.session.scalar(select(func.count()).select_from(Booking)),
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        db.session.get(Session, session_id).booked,
    )


def _post(client, session_id, **form):
    data = {"places": "1", "price_pence": "400"} | form
    return client.post(f"/marketplace/sessions/{session_id}/book", data=data)


def test_book_page_shows_the_half_price_the_policy_and_the_budget(client, holder, gym_session):
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book").get_data(as_text=True)
    assert "£4.00" in page and "Half price off-peak for co-op members" in page
    assert "The full price is £8.00" in page
    assert "Cancel at least 24 hours before the start for a full refund" in page
    assert "£50.00" in page  # the budget
    assert 'name="price_pence" type="hidden" value="400"' in page


def test_booking_confirms_emails_a_calendar_file_and_takes_the_money(
    client, db, holder, gym_session, mailbox
):
    reply = _post(client, gym_session.id)
    assert reply.status_code == 302
    page = client.get(reply.location).get_data(as_text=True)
    assert "Booking confirmed" in page and "Your reference is" in page
    booking = db.session.scalars(select(Booking)).one()
    assert booking.reference in page and "£46.00" in page  # the budget now
    message = mailbox.to("asha@example.org")[0]
    assert booking.reference in mailbox.body(message)
    attachments = [part for part in message.walk() if part.get_filename()]
    assert [a.get_filename() for a in attachments] == [f"{booking.reference}.ics"]
    assert b"BEGIN:VEVENT" in attachments[0].get_payload(decode=True)
    # Refreshing the confirmation page does not show the panel again.
    assert "Booking confirmed" not in client.get(reply.location).get_data(as_text=True)


def test_a_tampered_price_gets_a_clear_message_and_changes_nothing(client, db, holder, gym_session):
    before = _state(db, gym_session.id)
    reply = _post(client, gym_session.id, price_pence="1")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "There is a problem" in page and "not the £0.01 on the page you sent" in page
    assert 'name="price_pence" type="hidden" value="400"' in page  # the true price, to retry
    assert _state(db, gym_session.id) == before
    assert ledger.budget_balance(holder) == 5000


@pytest.mark.parametrize("price", ["", "abc", "-400"])
def test_a_missing_or_garbled_price_books_nothing(client, db, holder, gym_session, price):
    before = _state(db, gym_session.id)
    reply = _post(client, gym_session.id, price_pence=price)
    assert reply.status_code == 400
    assert _state(db, gym_session.id) == before


@pytest.mark.parametrize(
    ("places", "message"),
    [
        ("0", "from 1 to 10"),
        ("11", "from 1 to 10"),
        ("two", "Enter how many places"),
        ("", "Enter how many places"),
    ],
)
def test_bad_numbers_of_places_keep_what_was_typed(
    client, db, holder, gym_session, places, message
):
    before = _state(db, gym_session.id)
    reply = _post(client, gym_session.id, places=places)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400 and message in page
    assert f'value="{places}"' in page or places == ""
    assert _state(db, gym_session.id) == before


def test_a_full_session_says_so_and_offers_the_waiting_list(
    client, db, holder, make_listing, make_session, make_member, fund
):
    listing = make_listing(price_pence=800, places=1)
    session = make_session(listing, starts_at=FUTURE)
    other = make_member("budget_holder")
    fund(other, 1000)
    bookings.book(db.session.merge(other), session, expected_price_pence=800)
    db.session.commit()
    before = _state(db, session.id)

    reply = _post(client, session.id, price_pence="800")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "This session is full. Nothing has been booked." in page
    assert "Join the waiting list" in page
    assert _state(db, session.id) == before

    joined = client.post(f"/marketplace/sessions/{session.id}/waitlist")
    assert "You are on the waiting list" in client.get(joined.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 1
    assert "waiting for a place" in client.get("/marketplace/bookings").get_data(as_text=True)


def test_too_little_budget_says_how_short_and_changes_nothing(
    client, db, make_member, fund, auth, make_listing, make_session
):
    poor = make_member("budget_holder", email="poor@example.org")
    fund(poor, 500)
    auth.login("poor@example.org")
    session = make_session(make_listing(price_pence=800), starts_at=FUTURE)
    before = _state(db, session.id)
    reply = _post(client, session.id, price_pence="800")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "Your budget holds £5.00 but this booking costs £8.00, so it is £3.00 short" in page
    assert _state(db, session.id) == before


def test_a_past_session_cannot_be_booked(client, db, holder, make_listing, make_session):
    session = make_session(make_listing(), starts_at=datetime.now(UTC) - timedelta(hours=2))
    page = client.get(f"/marketplace/sessions/{session.id}/book").get_data(as_text=True)
    assert "already started or finished, so it cannot be booked" in page
    assert "Book and pay" not in page
    before = _state(db, session.id)
    reply = _post(client, session.id, price_pence="1000")
    assert reply.status_code == 400
    assert "already started or finished" in reply.get_data(as_text=True)
    assert _state(db, session.id) == before


def test_only_budget_holders_may_book(client, db, make_member, auth, gym_session):
    make_member("carer", email="carer@example.org")
    auth.login("carer@example.org")
    assert client.get(f"/marketplace/sessions/{gym_session.id}/book").status_code == 403
    assert _post(client, gym_session.id).status_code == 403


#: Each kind of person who cannot book: (member class, status), what the page says is the
#: reason, and what it says they can do instead.
CANNOT_BOOK = {
    "carer": (
        ("carer", "approved"),
        "Booking is for budget holders paying from their own personal budget for now. "
        "Card payments are coming",
        "The budget holder you support can book from their own account",
    ),
    "PA": (
        ("pa", "approved"),
        "Booking is for budget holders paying from their own personal budget for now. "
        "Card payments are coming",
        "The budget holder you support can book from their own account",
    ),
    "provider": (
        ("provider", "approved"),
        "Provider accounts cannot book",
        "You can offer your own sessions from your provider pages.",
    ),
    "budget holder applicant": (
        ("budget_holder", "applied"),
        "Your application to join is waiting for the secretary to approve it",
        "Once you are approved you can book and pay from your budget.",
    ),
    "carer applicant": (
        ("carer", "applied"),
        "Your application to join is waiting for the secretary to approve it",
        "Card payments are coming",
    ),
    "applicant not accepted": (
        ("budget_holder", "rejected"),
        "Your application to join was not accepted, so you cannot book.",
        "contact the co-op's secretary",
    ),
    "member who left": (
        ("budget_holder", "left"),
        "You have left the co-op, so you cannot book.",
        "contact the co-op's secretary",
    ),
}


@pytest.mark.parametrize("who", CANNOT_BOOK)
def test_why_cannot_book_says_why_and_what_to_do_for_each_kind_of_person(db, make_member, who):
    (member_class, status), reason, instead = CANNOT_BOOK[who]
    cannot = bookings.why_cannot_book(make_member(member_class, status))
    assert reason in cannot.reason
    assert instead in cannot.instead


def test_only_approved_budget_holders_can_book(db, make_member):
    from flask_login import AnonymousUserMixin

    assert bookings.why_cannot_book(make_member("budget_holder")) is None
    # Holding an office changes nothing: a secretary books only as a budget holder.
    assert bookings.why_cannot_book(make_member("budget_holder", secretary=True)) is None
    assert bookings.why_cannot_book(make_member("carer", secretary=True)).who == "carer"
    for nobody in (None, AnonymousUserMixin()):
        cannot = bookings.why_cannot_book(nobody)
        assert cannot.who == "signed_out"
        assert "member of the co-op, and signed in, to book" in cannot.reason


@pytest.mark.parametrize("who", CANNOT_BOOK)
def test_a_direct_visit_to_the_booking_page_explains_instead_of_a_bare_refusal(
    client, db, make_member, auth, gym_session, make_listing, make_session, who
):
    (member_class, status), reason, instead = CANNOT_BOOK[who]
    make_member(member_class, status, email="someone@example.org")
    auth.login("someone@example.org")
    full = make_session(make_listing(title="Full class", places=1), starts_at=FUTURE, booked=1)
    before = _state(db, gym_session.id)
    replies = {
        "the booking page": client.get(f"/marketplace/sessions/{gym_session.id}/book"),
        "sending the booking form": _post(client, gym_session.id),
        "joining a waiting list": client.post(f"/marketplace/sessions/{full.id}/waitlist"),
    }
    for what, reply in replies.items():
        page = " ".join(html.unescape(reply.get_data(as_text=True)).split())
        assert reply.status_code == 403, what
        assert "You cannot book" in page, what
        assert reason in page and instead in page, what
        assert "You do not have permission" not in page, what
        assert "Book and pay from my budget" not in page, what
        assert not re.search(r'href="[^"]*/(book|waitlist)"', page), what
    assert _state(db, gym_session.id) == before
    assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0


def test_the_explaining_page_is_404_for_a_session_that_does_not_exist(
    client, db, make_member, auth
):
    make_member("carer", email="carer@example.org")
    auth.login("carer@example.org")
    assert client.get("/marketplace/sessions/999999/book").status_code == 404


def test_signed_out_people_are_asked_to_sign_in(client, gym_session):
    reply = client.get(f"/marketplace/sessions/{gym_session.id}/book")
    assert reply.status_code == 302 and "/login" in reply.location


def test_unknown_session_is_404(client, holder):
    assert client.get("/marketplace/sessions/999999/book").status_code == 404


def test_someone_elses_booking_is_404_on_every_page(
    client, db, auth, make_member, fund, gym_session
):
    owner = make_member("budget_holder", email="owner@example.org")
    fund(owner, 1000)
    booking = bookings.book(db.session.merge(owner), gym_session, expected_price_pence=400)
    db.session.commit()
    make_member("budget_holder", email="nosy@example.org")
    auth.login("nosy@example.org")
    for path in ("", "/calendar.ics", "/cancel", "/review"):
        assert client.get(f"/marketplace/bookings/{booking.id}{path}").status_code == 404, path
    assert client.post(f"/marketplace/bookings/{booking.id}/cancel").status_code == 404
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED
    assert ledger.budget_balance(db.session.merge(owner)) == 600


def test_cancel_shows_the_refund_then_refunds_it(client, db, holder, gym_session, mailbox):
    _post(client, gym_session.id)
    booking = db.session.scalars(select(Booking)).one()
    page = client.get(f"/marketplace/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "You will get <strong>£4.00</strong> back in your budget" in page

    reply = client.post(f"/marketplace/bookings/{booking.id}/cancel")
    page = client.get(reply.location).get_data(as_text=True)
    assert "Booking cancelled" in page and "£4.00 has been returned to your budget" in page
    assert ledger.budget_balance(holder) == 5000
    assert "£4.00 has been returned" in mailbox.body(mailbox.to("asha@example.org")[-1])
    again = client.post(f"/marketplace/bookings/{booking.id}/cancel")
    assert "already been cancelled" in client.get(again.location).get_data(as_text=True)
    assert ledger.budget_balance(holder) == 5000


def test_late_cancellation_warns_there_is_no_refund(client, db, holder, make_listing, make_session):
    soon = make_session(
        make_listing(price_pence=800), starts_at=datetime.now(UTC) + timedelta(hours=3)
    )
    _post(client, soon.id, price_pence="800")
    booking = db.session.scalars(select(Booking)).one()
    page = client.get(f"/marketplace/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "It is too late for a refund. You will not get the £8.00 back." in page


def test_my_bookings_shows_coming_up_and_past(client, db, holder, gym_session, make_session):
    _post(client, gym_session.id)
    page = client.get("/marketplace/bookings").get_data(as_text=True)
    assert "Coming up" in page and "Off-peak gym" in page and "£46.00" in page
    assert "Past and cancelled" in page and "Nothing yet." in page


def test_calendar_download(client, db, holder, gym_session):
    _post(client, gym_session.id)
    booking = db.session.scalars(select(Booking)).one()
    reply = client.get(f"/marketplace/bookings/{booking.id}/calendar.ics")
    assert reply.mimetype == "text/calendar"
    assert booking.reference in reply.get_data(as_text=True)


def test_review_after_attendance_through_the_pages(client, db, holder, gym_session, app):
    _post(client, gym_session.id)
    booking = db.session.scalars(select(Booking)).one()
    assert client.get(f"/marketplace/bookings/{booking.id}/review").status_code == 302
    staff = gym_session.listing.provider.staff[0].member
    bookings.mark_attendance(booking, True, staff, now=gym_session.starts_at)
    db.session.commit()

    empty = client.post(f"/marketplace/bookings/{booking.id}/review", data={"comment": "Good"})
    assert "Choose a rating from 1 to 5 stars" in empty.get_data(as_text=True)
    assert "Good" in empty.get_data(as_text=True)  # what was typed is kept
    reply = client.post(
        f"/marketplace/bookings/{booking.id}/review", data={"rating": "5", "comment": "Lovely"}
    )
    page = client.get(reply.location).get_data(as_text=True)
    assert "Your review" in page and "5 out of 5" in page and "Lovely" in page


def test_leaving_a_waiting_list_and_nobody_elses(
    client, db, holder, make_listing, make_session, make_member, fund, auth
):
    session = make_session(make_listing(price_pence=800, places=1), starts_at=FUTURE)
    other = make_member("budget_holder", email="other@example.org")
    fund(other, 1000)
    bookings.book(db.session.merge(other), session, expected_price_pence=800)
    db.session.commit()
    client.post(f"/marketplace/sessions/{session.id}/waitlist")
    entry = db.session.scalars(select(WaitlistEntry)).one()

    auth.logout()
    auth.login("other@example.org")
    assert client.post(f"/marketplace/waitlist/{entry.id}/leave").status_code == 404
    auth.logout()
    auth.login("asha@example.org")
    reply = client.post(f"/marketplace/waitlist/{entry.id}/leave")
    assert "You have left the waiting list." in client.get(reply.location).get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status.value == "left"


def test_pages_treat_a_lapsed_offer_as_lapsed_without_writing_and_booking_passes_it_on(
    client, db, holder, make_listing, make_session, make_member, fund, mailbox, monkeypatch
):
    """Reading a page never writes: an offer that ran out shows as gone, the database and the
    outbox are left alone, and the next booking request passes the place on itself."""
    listing = make_listing(price_pence=800, places=1)
    session = make_session(listing, starts_at=FUTURE)
    other = make_member("budget_holder")
    fund(other, 1000)
    booked = bookings.book(db.session.merge(other), session, expected_price_pence=800)
    asha = db.session.merge(holder)
    bookings.join_waitlist(asha, session)
    offers = bookings.cancel(booked, db.session.merge(other)).offers
    db.session.commit()
    assert [entry.member_id for entry in offers] == [asha.id]
    expires = offers[0].offer_expires_at
    monkeypatch.setattr("coop.clock.now", lambda: expires + timedelta(minutes=1))
    mailbox.messages.clear()

    mine = client.get("/marketplace/bookings").get_data(as_text=True)
    page = client.get(f"/marketplace/sessions/{session.id}/book").get_data(as_text=True)

    assert "was not booked in time" in mine and "a place is held for you" not in mine
    assert "was not booked in time, so it is no longer held for you" in page
    assert "Book and pay from my budget" in page  # the lapsed hold does not count as taken
    db.session.expire_all()
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.member_id == asha.id))
    assert entry.status.value == "offered" and db.session.get(Session, session.id).held == 1
    assert mailbox.messages == []

    reply = _post(client, session.id, price_pence="800")
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 1
    assert db.session.get(Session, session.id).held == 0
    assert entry.status.value == "expired"
