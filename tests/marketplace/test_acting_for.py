"""Someone in a member's circle of support booking, cancelling and looking for them: what they
may do, and every boundary (never chosen, another permission, over the limit, after the end
date, withdrawn between opening the page and sending it) refused with a 403 that changes
nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.marketplace.models import Booking, BookingStatus, Session
from coop.members import circles
from coop.members.circle_models import CircleAct, CircleGrant, Permission
from coop.payments import ledger
from coop.payments.models import LedgerTransaction
from tests.marketplace.test_booking_views import _off_peak

FUTURE = (datetime.now(UTC) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def gym_session(make_listing, make_session):
    """The off-peak gym: £8.00, half price (£4.00) for members."""
    gym = make_listing(title="Off-peak gym", price_pence=800, places=5, off_peak=True)
    return make_session(gym, starts_at=_off_peak(FUTURE))


@pytest.fixture
def dev(db, make_member, auth):
    """Dev Carer, a carer (no budget of his own), signed in."""
    member = make_member("carer", email="dev@example.org", name="Dev Carer")
    auth.login(member.email)
    return db.session.merge(member)


def _give(db, person, helper, permission, limit_pence=None, until=None):
    grant = circles.give(
        db.session.merge(person),
        db.session.merge(helper),
        circles.Choice(permission, limit_pence, until),
    )
    db.session.commit()
    return grant


def _state(db, session_id):
    """Everything a refused action must leave as it was."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Booking)),
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        db.session.get(Session, session_id).booked,
        db.session.scalar(select(func.count()).select_from(CircleAct)),
        [(b.id, b.status) for b in db.session.scalars(select(Booking).order_by(Booking.id))],
    )


def _book_for(client, session_id, person, price="400", places="1"):
    return client.post(
        f"/marketplace/sessions/{session_id}/book",
        data={"places": places, "price_pence": price, "book_for": str(person.id)},
    )


# --- Booking for someone -----------------------------------------------------------------


def test_the_book_page_offers_to_book_for_the_person(client, db, holder, dev, gym_session):
    _give(db, holder, dev, Permission.BOOK, 2000)
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book").get_data(as_text=True)
    assert "Who are you booking for?" in page and "Asha Holder" in page
    assert "Myself" not in page  # Dev has no budget of his own
    assert "up to <strong>£20.00</strong> on one booking" in page
    assert "Book and pay from Asha Holder&#39;s budget" in page
    # Dev may book but not see the budget, so its balance is not shown.
    assert "£50.00" not in page and "has not chosen you to see their budget" in page


def test_a_helper_books_within_the_limit_from_the_persons_budget(
    client, db, holder, dev, gym_session, mailbox
):
    _give(db, holder, dev, Permission.BOOK, 2000)
    reply = _book_for(client, gym_session.id, holder)
    assert reply.status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.member_id, booking.booked_by_id) == (holder.id, dev.id)
    assert ledger.budget_balance(holder) == 4600
    payment = ledger.payment_for(booking.id)
    assert payment.posted_by_id == dev.id
    assert payment.memo.endswith("by Dev Carer for Asha Holder")
    act = db.session.scalars(select(CircleAct)).one()
    assert (act.person_id, act.helper_id, act.permission) == (holder.id, dev.id, Permission.BOOK)
    assert "Off-peak gym" in act.description and "£4.00" in act.description
    page = client.get(reply.location).get_data(as_text=True)
    assert "Booking confirmed" in page and "by Dev Carer for Asha Holder" in page
    assert mailbox.to("asha@example.org")  # Asha is told, as for any booking


def test_the_person_sees_the_booking_and_the_statement_line(
    client, db, holder, dev, gym_session, auth
):
    _give(db, holder, dev, Permission.BOOK, 2000)
    _book_for(client, gym_session.id, holder)
    auth.logout()
    auth.login(holder.email)
    mine = client.get("/marketplace/bookings").get_data(as_text=True)
    assert "booked by Dev Carer for Asha Holder" in mine
    statement = client.get("/payments/budget").get_data(as_text=True)
    assert "by Dev Carer for Asha Holder" in statement
    circle = client.get("/account/circle").get_data(as_text=True)
    assert "by Dev Carer for Asha Holder" in circle and "Booked Off-peak gym" in circle


def test_see_only_cannot_book(client, db, holder, dev, gym_session):
    _give(db, holder, dev, Permission.SEE)
    before = _state(db, gym_session.id)
    reply = _book_for(client, gym_session.id, holder)
    assert reply.status_code == 403
    assert "has not chosen you to book and pay from their budget" in reply.get_data(as_text=True)
    assert _state(db, gym_session.id) == before


def test_above_the_limit_is_refused_with_the_reason(client, db, holder, dev, gym_session):
    _give(db, holder, dev, Permission.BOOK, 300)
    before = _state(db, gym_session.id)
    reply = _book_for(client, gym_session.id, holder)
    assert reply.status_code == 403
    text = reply.get_data(as_text=True)
    assert "This costs £4.00" in text and "up to £3.00 on one booking" in text
    assert _state(db, gym_session.id) == before
    # Two places at £4.00 are over a £5.00 limit, though one is not.
    _give(db, holder, dev, Permission.BOOK, 500)
    reply = _book_for(client, gym_session.id, holder, places="2")
    assert reply.status_code == 403 and "This costs £8.00" in reply.get_data(as_text=True)
    assert _state(db, gym_session.id) == before


def test_after_the_end_date_is_refused(client, db, holder, dev, gym_session):
    grant = _give(db, holder, dev, Permission.BOOK, 2000, until=clock.london_today())
    grant = db.session.get(CircleGrant, grant.id)
    grant.until = clock.london_today() - timedelta(days=1)  # as if the last day has passed
    db.session.commit()
    before = _state(db, gym_session.id)
    reply = _book_for(client, gym_session.id, holder)
    assert reply.status_code == 403
    assert _state(db, gym_session.id) == before


def test_withdrawn_between_opening_the_page_and_sending_it(client, db, holder, dev, gym_session):
    grant = _give(db, holder, dev, Permission.BOOK, 2000)
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book")
    assert page.status_code == 200 and "Asha Holder" in page.get_data(as_text=True)
    circles.withdraw(db.session.get(CircleGrant, grant.id), db.session.merge(holder))
    db.session.commit()
    before = _state(db, gym_session.id)
    reply = _book_for(client, gym_session.id, holder)  # from the page already open
    assert reply.status_code == 403
    assert "or has withdrawn it" in reply.get_data(as_text=True)
    assert _state(db, gym_session.id) == before
    # And with nobody left to book for, the page itself is refused.
    assert client.get(f"/marketplace/sessions/{gym_session.id}/book").status_code == 403


def test_someone_who_never_chose_the_helper(client, db, holder, dev, gym_session, make_member):
    ben = make_member(name="Ben Budget")
    _give(db, holder, dev, Permission.BOOK, 2000)  # Asha chose Dev; Ben did not
    before = _state(db, gym_session.id)
    reply = _book_for(client, gym_session.id, ben)
    assert reply.status_code == 403 and "Ben Budget has not chosen you" in reply.get_data(
        as_text=True
    )
    assert _state(db, gym_session.id) == before
    # A made-up member id is refused the same way.
    reply = client.post(
        f"/marketplace/sessions/{gym_session.id}/book",
        data={"places": "1", "price_pence": "400", "book_for": "99999"},
    )
    assert reply.status_code == 403
    assert _state(db, gym_session.id) == before


# --- Cancelling and looking ----------------------------------------------------------------


@pytest.fixture
def booked_for_asha(client, db, holder, dev, gym_session):
    """Dev booked the gym for Asha with her permission to book up to £20."""
    grant = _give(db, holder, dev, Permission.BOOK, 2000)
    assert _book_for(client, gym_session.id, holder).status_code == 302
    return grant, db.session.scalars(select(Booking)).one()


def test_a_helper_cancels_a_booking_they_made(client, db, holder, booked_for_asha):
    _grant, booking = booked_for_asha
    page = client.get(f"/marketplace/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Asha Holder will get <strong>£4.00</strong> back in their budget" in page
    reply = client.post(f"/marketplace/bookings/{booking.id}/cancel")
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED
    assert ledger.budget_balance(holder) == 5000
    refund = db.session.scalars(
        select(LedgerTransaction).order_by(LedgerTransaction.id.desc())
    ).first()
    assert refund.posted_by_id != holder.id and "by Dev Carer for Asha Holder" in refund.memo
    acts = [a.description for a in circles.acts_for(db.session.merge(holder))]
    assert acts[0].startswith("Cancelled Off-peak gym") and acts[1].startswith("Booked")


def test_after_withdrawal_the_helper_can_neither_see_nor_cancel(
    client, db, holder, dev, booked_for_asha
):
    grant, booking = booked_for_asha
    cancel_page = client.get(f"/marketplace/bookings/{booking.id}/cancel")
    assert cancel_page.status_code == 200
    circles.withdraw(db.session.get(CircleGrant, grant.id), db.session.merge(holder))
    db.session.commit()
    before = _state(db, booking.session_id)
    assert client.post(f"/marketplace/bookings/{booking.id}/cancel").status_code == 403
    assert _state(db, booking.session_id) == before
    assert client.get(f"/marketplace/bookings/{booking.id}").status_code == 403
    assert client.get(f"/marketplace/bookings/for/{holder.id}").status_code == 403


def test_see_permission_shows_bookings_and_budget_but_cannot_cancel(
    client, db, holder, dev, gym_session, auth, make_member
):
    from coop.marketplace import bookings

    booking = bookings.book(db.session.merge(holder), db.session.get(Session, gym_session.id))
    db.session.commit()
    assert client.get(f"/marketplace/bookings/{booking.id}").status_code == 404
    assert client.get(f"/payments/budget/{holder.id}").status_code == 403
    _give(db, holder, dev, Permission.SEE)
    page = client.get(f"/marketplace/bookings/for/{holder.id}").get_data(as_text=True)
    assert "Off-peak gym" in page and "lets you see all their bookings" in page
    assert client.get(f"/marketplace/bookings/{booking.id}").status_code == 200
    budget = client.get(f"/payments/budget/{holder.id}").get_data(as_text=True)
    assert "Asha Holder's budget" in budget and "£46.00" in budget
    before = _state(db, gym_session.id)
    assert client.post(f"/marketplace/bookings/{booking.id}/cancel").status_code == 403
    assert _state(db, gym_session.id) == before
    # Someone else's budget and bookings stay closed.
    ben = make_member(name="Ben Budget")
    assert client.get(f"/payments/budget/{ben.id}").status_code == 403
    assert client.get(f"/marketplace/bookings/for/{ben.id}").status_code == 403
    assert client.get("/marketplace/bookings/for/99999").status_code == 404


def test_book_only_shows_just_the_bookings_the_helper_made(
    client, db, holder, booked_for_asha, make_session, gym_session
):
    from coop.marketplace import bookings

    _grant, mine = booked_for_asha
    other = make_session(db.session.get(Session, gym_session.id).listing, starts_at=FUTURE)
    hers = bookings.book(db.session.merge(holder), other, expected_price_pence=None)
    db.session.commit()
    page = client.get(f"/marketplace/bookings/for/{holder.id}").get_data(as_text=True)
    assert mine.reference in page and hers.reference not in page
    assert client.get(f"/marketplace/bookings/{hers.id}").status_code == 404
