"""Booking and paying from a budget, cancelling, the waiting list and reviews (the service)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coop.marketplace import bookings, emails
from coop.marketplace.models import BookingStatus, Session, WaitlistStatus
from coop.payments import ledger
from coop.payments.models import LedgerEntry, LedgerTransaction, TransactionKind

#: A Wednesday at 11:00 in London (winter, so UTC too): inside the gym's off-peak window.
OFF_PEAK = datetime(2027, 1, 13, 11, 0, tzinfo=UTC)
#: The same Wednesday at 18:00: outside it.
PEAK = datetime(2027, 1, 13, 18, 0, tzinfo=UTC)
BEFORE = OFF_PEAK - timedelta(days=7)


def _counts(db):
    return (
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        db.session.scalar(select(func.count()).select_from(LedgerEntry)),
    )


@pytest.fixture
def gym(make_listing):
    return make_listing(title="Off-peak gym", price_pence=800, places=2, off_peak=True)


def test_booking_off_peak_charges_half_price_and_splits_commission(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    booking = bookings.book(holder, session, expected_price_pence=400, now=BEFORE)
    db.session.commit()

    assert (booking.price_each_pence, booking.base_price_each_pence) == (400, 800)
    assert booking.discount_label.startswith("Half price off-peak for co-op members")
    assert ledger.budget_balance(holder) == 4600
    payment = ledger.payment_for(booking.id)
    amounts = sorted(entry.amount_pence for entry in payment.entries)
    assert amounts == [-368, -32, 400]  # provider's net, 8% commission, out of the budget
    assert db.session.get(Session, session.id).booked == 1


def test_peak_session_costs_the_full_price(db, holder, gym, make_session):
    session = make_session(gym, starts_at=PEAK)
    booking = bookings.book(holder, session, expected_price_pence=800, now=BEFORE)
    assert booking.total_pence == 800 and booking.discount_label is None


def test_several_places_cost_several_times_the_price(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    booking = bookings.book(holder, session, places=2, expected_price_pence=400, now=BEFORE)
    db.session.commit()
    assert booking.total_pence == 800
    assert ledger.budget_balance(holder) == 4200


def test_free_session_books_without_moving_money(db, holder, make_listing, make_session):
    drop_in = make_listing(title="Peer support drop-in", price_pence=0)
    session = make_session(drop_in, starts_at=OFF_PEAK)
    before = _counts(db)
    booking = bookings.book(holder, session, expected_price_pence=0, now=BEFORE)
    db.session.commit()
    assert booking.total_pence == 0
    assert _counts(db) == before


def _refused(db, holder, session, expected_message, **kwargs):
    """Booking is refused with the message, and no places or money change."""
    balance, counts = ledger.budget_balance(holder), _counts(db)
    booked = db.session.get(Session, session.id).booked
    with pytest.raises(bookings.BookingError, match=expected_message):
        bookings.book(holder, session, **kwargs)
    db.session.rollback()
    assert ledger.budget_balance(holder) == balance
    assert _counts(db) == counts
    assert db.session.get(Session, session.id).booked == booked


def test_a_past_session_cannot_be_booked(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    _refused(db, holder, session, "already started", expected_price_pence=400, now=OFF_PEAK)


def test_a_full_session_cannot_be_booked(db, holder, gym, make_session, make_member, fund):
    session = make_session(gym, starts_at=OFF_PEAK, places=1)
    other = make_member("budget_holder")
    fund(other, 1000)
    bookings.book(db.session.merge(other), session, expected_price_pence=400, now=BEFORE)
    db.session.commit()
    _refused(db, holder, session, "This session is full", expected_price_pence=400, now=BEFORE)


def test_too_little_budget_books_nothing(db, make_member, fund, gym, make_session):
    poor = make_member("budget_holder")
    fund(poor, 300)
    poor = db.session.merge(poor)
    session = make_session(gym, starts_at=OFF_PEAK)
    _refused(
        db,
        poor,
        session,
        "holds £3.00 but this booking costs £4.00, so it is £1.00 short",
        expected_price_pence=400,
        now=BEFORE,
    )


def test_a_tampered_price_is_never_charged(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    _refused(db, holder, session, "is £4.00, not the £0.01", expected_price_pence=1, now=BEFORE)


def test_a_cancelled_session_cannot_be_booked(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK, cancelled_at=BEFORE, cancel_reason="Flood")
    _refused(db, holder, session, "cancelled", expected_price_pence=400, now=BEFORE)


def test_an_unapproved_provider_cannot_be_booked(
    db, holder, make_provider, make_listing, make_session
):
    listing = make_listing(make_provider(status="applied"))
    session = make_session(listing, starts_at=OFF_PEAK)
    _refused(db, holder, session, "not available", expected_price_pence=1000, now=BEFORE)


def test_lapsed_insurance_stops_bookings(db, holder, make_provider, make_listing, make_session):
    provider = make_provider(insurance_expires_on=BEFORE.date() - timedelta(days=1))
    session = make_session(make_listing(provider), starts_at=OFF_PEAK)
    _refused(db, holder, session, "not available", expected_price_pence=1000, now=BEFORE)


def test_only_approved_budget_holders_book(db, make_member, gym, make_session):
    carer = db.session.merge(make_member("carer"))
    session = make_session(gym, starts_at=OFF_PEAK)
    with pytest.raises(bookings.BookingError, match="Only approved budget holders"):
        bookings.book(carer, session, expected_price_pence=400, now=BEFORE)


def test_booking_the_same_session_twice_is_refused(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    bookings.book(holder, session, expected_price_pence=400, now=BEFORE)
    db.session.commit()
    _refused(db, holder, session, "already booked", expected_price_pence=400, now=BEFORE)


def test_listing_that_direct_payments_cannot_pay_for_is_refused(
    db, holder, make_listing, make_session
):
    listing = make_listing(direct_payments_allowed=False)
    session = make_session(listing, starts_at=OFF_PEAK)
    _refused(
        db, holder, session, "direct payments may not pay", expected_price_pence=1000, now=BEFORE
    )


# --- Cancelling ------------------------------------------------------------------------


def _booked(db, holder, session):
    booking = bookings.book(holder, session, expected_price_pence=400, now=BEFORE)
    db.session.commit()
    return booking


def test_cancelling_in_good_time_refunds_in_full(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    booking = _booked(db, holder, session)
    result = bookings.cancel(booking, holder, now=OFF_PEAK - timedelta(hours=24))
    db.session.commit()

    assert result.refund_pence == 400 and booking.status is BookingStatus.CANCELLED
    assert ledger.budget_balance(holder) == 5000
    assert db.session.get(Session, session.id).booked == 0
    refund = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.kind == TransactionKind.REFUND)
    )
    assert refund.reverses_id == ledger.payment_for(booking.id).id
    assert ledger.all_transactions_balance()


def test_cancelling_late_refunds_nothing(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    booking = _booked(db, holder, session)
    result = bookings.cancel(booking, holder, now=OFF_PEAK - timedelta(hours=23, minutes=59))
    db.session.commit()
    assert result.refund_pence == 0 and booking.refund_pence == 0
    assert ledger.budget_balance(holder) == 4600
    assert db.session.get(Session, session.id).booked == 0


def test_a_booking_is_cancelled_once(db, holder, gym, make_session):
    booking = _booked(db, holder, make_session(gym, starts_at=OFF_PEAK))
    bookings.cancel(booking, holder, now=BEFORE)
    db.session.commit()
    with pytest.raises(bookings.BookingError, match="already been cancelled"):
        bookings.cancel(booking, holder, now=BEFORE)
    db.session.rollback()
    assert ledger.budget_balance(holder) == 5000


def test_nobody_cancels_someone_elses_booking(db, holder, gym, make_session, make_member):
    booking = _booked(db, holder, make_session(gym, starts_at=OFF_PEAK))
    other = db.session.merge(make_member("budget_holder"))
    with pytest.raises(bookings.BookingError, match="your own"):
        bookings.cancel(booking, other, now=BEFORE)


def test_provider_cancelling_a_session_refunds_everyone(
    db, holder, gym, make_session, make_member, fund, mailbox
):
    session = make_session(gym, starts_at=OFF_PEAK)
    other = make_member("budget_holder", email="ben@example.org")
    fund(other, 1000)
    other = db.session.merge(other)
    _booked(db, holder, session)
    _booked(db, other, session)
    staff = gym.provider.staff[0].member

    cancelled = bookings.cancel_session(
        session, staff, "The hall is flooded", now=OFF_PEAK - timedelta(hours=1)
    )
    db.session.commit()
    bookings.send_session_cancelled(session, cancelled)

    assert {b.status for b in cancelled} == {BookingStatus.CANCELLED_BY_PROVIDER}
    assert ledger.budget_balance(holder) == 5000 and ledger.budget_balance(other) == 1000
    assert session.booked == 0 and session.cancelled_at is not None
    assert {m["To"] for m in mailbox.messages} == {"asha@example.org", "ben@example.org"}
    assert "The hall is flooded" in mailbox.body(mailbox.messages[0])


def test_only_the_providers_staff_cancel_its_sessions(db, gym, make_session, make_provider):
    session = make_session(gym, starts_at=OFF_PEAK)
    outsider = make_provider().staff[0].member
    with pytest.raises(bookings.BookingError, match="Only the provider's staff"):
        bookings.cancel_session(session, outsider, "No reason", now=BEFORE)


# --- The waiting list ------------------------------------------------------------------


@pytest.fixture
def full_session(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK, places=1)
    booking = _booked(db, holder, session)
    return session, booking


def _member_with_money(make_member, fund, db, email):
    member = make_member("budget_holder", email=email)
    fund(member, 2000)
    return db.session.merge(member)


def test_a_cancelled_place_is_offered_and_held_for_the_first_waiting(
    db, holder, full_session, make_member, fund
):
    session, booking = full_session
    first = _member_with_money(make_member, fund, db, "first@example.org")
    second = _member_with_money(make_member, fund, db, "second@example.org")
    bookings.join_waitlist(first, session, now=BEFORE)
    bookings.join_waitlist(second, session, now=BEFORE + timedelta(minutes=1))
    db.session.commit()

    result = bookings.cancel(booking, holder, now=BEFORE + timedelta(hours=1))
    db.session.commit()

    assert [o.member_id for o in result.offers] == [first.id]
    assert session.held == 1 and session.places_left == 0
    with pytest.raises(bookings.SessionFull):  # held for the first, not open to others
        bookings.book(second, session, expected_price_pence=400, now=BEFORE + timedelta(hours=2))
    db.session.rollback()
    taken = bookings.book(first, session, expected_price_pence=400, now=BEFORE + timedelta(hours=2))
    db.session.commit()
    assert taken.status is BookingStatus.CONFIRMED
    assert (session.booked, session.held) == (1, 0)
    assert bookings.waitlist_entry(session, first) is None


def test_an_offer_not_taken_in_time_goes_to_the_next_person(
    app, db, holder, full_session, make_member, fund
):
    session, booking = full_session
    first = _member_with_money(make_member, fund, db, "first@example.org")
    second = _member_with_money(make_member, fund, db, "second@example.org")
    bookings.join_waitlist(first, session, now=BEFORE)
    bookings.join_waitlist(second, session, now=BEFORE + timedelta(minutes=1))
    db.session.commit()
    cancelled_at = BEFORE + timedelta(hours=1)
    bookings.cancel(booking, holder, now=cancelled_at)
    db.session.commit()

    later = cancelled_at + bookings.DEFAULT_OFFER_HOLD + timedelta(seconds=1)
    offers = bookings.expire_offers(now=later)
    db.session.commit()

    assert [o.member_id for o in offers] == [second.id]
    first_entry = db.session.scalars(
        select(bookings.WaitlistEntry).where(bookings.WaitlistEntry.member_id == first.id)
    ).one()
    assert first_entry.status is WaitlistStatus.EXPIRED
    assert session.held == 1
    with pytest.raises(bookings.SessionFull):
        bookings.book(first, session, expected_price_pence=400, now=later)
    db.session.rollback()


def test_leaving_with_an_offer_passes_the_place_on(db, holder, full_session, make_member, fund):
    session, booking = full_session
    first = _member_with_money(make_member, fund, db, "first@example.org")
    second = _member_with_money(make_member, fund, db, "second@example.org")
    entry = bookings.join_waitlist(first, session, now=BEFORE)
    bookings.join_waitlist(second, session, now=BEFORE + timedelta(minutes=1))
    bookings.cancel(booking, holder, now=BEFORE + timedelta(hours=1))
    db.session.commit()

    offers = bookings.leave_waitlist(entry, first, now=BEFORE + timedelta(hours=2))
    assert [o.member_id for o in offers] == [second.id]
    assert session.held == 1


def test_waiting_list_is_only_for_full_sessions_and_once(
    db, holder, gym, make_session, make_member, fund
):
    session = make_session(gym, starts_at=OFF_PEAK, places=1)
    other = _member_with_money(make_member, fund, db, "other@example.org")
    with pytest.raises(bookings.BookingError, match="places left"):
        bookings.join_waitlist(other, session, now=BEFORE)
    _booked(db, holder, session)
    bookings.join_waitlist(other, session, now=BEFORE)
    db.session.commit()
    with pytest.raises(bookings.BookingError, match="already on the waiting list"):
        bookings.join_waitlist(other, session, now=BEFORE)
    db.session.rollback()
    with pytest.raises(bookings.BookingError, match="already booked"):
        bookings.join_waitlist(holder, session, now=BEFORE)


def test_waitlist_offer_email_says_until_when(db, holder, full_session, make_member, fund, mailbox):
    session, booking = full_session
    first = _member_with_money(make_member, fund, db, "first@example.org")
    bookings.join_waitlist(first, session, now=BEFORE)
    result = bookings.cancel(booking, holder, now=BEFORE)
    db.session.commit()
    assert emails.send_offers(result.offers) == 1
    message = mailbox.to("first@example.org")[0]
    assert "holding it for you until" in mailbox.body(message)
    assert f"/marketplace/sessions/{session.id}/book" in mailbox.body(message)


# --- Attendance and reviews ------------------------------------------------------------


def test_attendance_then_one_review_then_a_reply(db, holder, gym, make_session):
    session = make_session(gym, starts_at=OFF_PEAK)
    booking = _booked(db, holder, session)
    staff = gym.provider.staff[0].member
    assert not bookings.can_review(booking, holder)
    with pytest.raises(bookings.BookingError, match="once the session has started"):
        bookings.mark_attendance(booking, True, staff, now=BEFORE)
    with pytest.raises(bookings.BookingError, match="once the provider has marked you"):
        bookings.review(booking, holder, 5, "Great", now=BEFORE)

    bookings.mark_attendance(booking, True, staff, now=OFF_PEAK + timedelta(hours=1))
    assert bookings.can_review(booking, holder)
    made = bookings.review(booking, holder, 4, "Friendly staff", now=OFF_PEAK + timedelta(hours=2))
    db.session.commit()
    assert not bookings.can_review(booking, holder)
    with pytest.raises(bookings.BookingError, match="already reviewed"):
        bookings.review(booking, holder, 5, "Again", now=OFF_PEAK + timedelta(hours=3))

    bookings.reply_to_review(
        made, "Thank you, see you soon", staff, now=OFF_PEAK + timedelta(days=1)
    )
    db.session.commit()
    assert made.reply == "Thank you, see you soon"


@pytest.mark.parametrize("rating", [0, 6, "5", True])
def test_ratings_are_whole_numbers_from_one_to_five(db, holder, gym, make_session, rating):
    booking = _booked(db, holder, make_session(gym, starts_at=OFF_PEAK))
    bookings.mark_attendance(booking, True, gym.provider.staff[0].member, now=OFF_PEAK)
    with pytest.raises(bookings.BookingError, match="from 1 to 5"):
        bookings.review(booking, holder, rating, "", now=OFF_PEAK)


def test_other_providers_cannot_mark_attendance_or_reply(
    db, holder, gym, make_session, make_provider
):
    booking = _booked(db, holder, make_session(gym, starts_at=OFF_PEAK))
    outsider = make_provider().staff[0].member
    with pytest.raises(bookings.BookingError, match="Only the provider's staff"):
        bookings.mark_attendance(booking, True, outsider, now=OFF_PEAK)


@pytest.mark.parametrize(
    ("from_status", "to_status", "allowed"),
    [
        (BookingStatus.CONFIRMED, BookingStatus.CANCELLED, True),
        (BookingStatus.CONFIRMED, BookingStatus.CANCELLED_BY_PROVIDER, True),
        (BookingStatus.CANCELLED, BookingStatus.CONFIRMED, False),
        (BookingStatus.CANCELLED, BookingStatus.CANCELLED_BY_PROVIDER, False),
        (BookingStatus.CANCELLED_BY_PROVIDER, BookingStatus.CONFIRMED, False),
        (BookingStatus.CANCELLED_BY_PROVIDER, BookingStatus.CANCELLED, False),
    ],
)
def test_allowed_moves_between_booking_states(from_status, to_status, allowed):
    assert bookings.can_move(from_status, to_status) is allowed


def test_calendar_file_has_the_session_in_utc(app, db, holder, gym, make_session):
    import icalendar

    booking = _booked(
        db, holder, make_session(gym, starts_at=datetime(2027, 6, 9, 9, 0, tzinfo=UTC))
    )
    with app.test_request_context():
        data = emails.calendar_file(booking)
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2027, 6, 9, 9, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2027, 6, 9, 10, 0, tzinfo=UTC)
    assert booking.reference in str(event.get("description"))
    assert str(event.get("summary")).startswith("Off-peak gym")


def test_the_waitlist_job_passes_on_offers_that_ran_out(
    app, db, holder, full_session, make_member, fund, runner, mailbox, monkeypatch
):
    session, booking = full_session
    first = _member_with_money(make_member, fund, db, "first@example.org")
    second = _member_with_money(make_member, fund, db, "second@example.org")
    bookings.join_waitlist(first, session, now=BEFORE)
    bookings.join_waitlist(second, session, now=BEFORE + timedelta(minutes=1))
    bookings.cancel(booking, holder, now=BEFORE + timedelta(hours=1))
    db.session.commit()
    later = BEFORE + timedelta(hours=1) + bookings.DEFAULT_OFFER_HOLD + timedelta(minutes=1)
    monkeypatch.setattr("coop.clock.now", lambda: later)

    result = runner.invoke(args=["marketplace", "process-waitlist"])

    assert "Offered 1 place; emailed 1." in result.output
    assert [m["To"] for m in mailbox.messages] == ["second@example.org"]
    assert runner.invoke(args=["marketplace", "process-waitlist"]).output.startswith("Offered 0")
