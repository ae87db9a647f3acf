"""Pooled bookings: setting one up, agreeing, all shares charged together or none, cancelling."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.marketplace import bookings, pooled_bookings
from coop.marketplace.models import Booking, BookingStatus, Session
from coop.marketplace.pooled_models import PooledStatus, SplitKind
from coop.members import circles
from coop.members.circle_models import CircleAct, Permission
from coop.outbox import OutboxMessage
from coop.payments import ledger, pools
from coop.payments.models import LedgerEntry, LedgerTransaction


def _balances(pool_people):
    return {name: ledger.budget_balance(member) for name, member in pool_people.items()}


def _ledger_size():
    return (
        ledger.db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        ledger.db.session.scalar(select(func.count()).select_from(LedgerEntry)),
    )


def _sent(db, pool_people, pool_session, places=3, lines=("ben@example.org", "chloe@example.org")):
    pooled = pooled_bookings.propose(
        pool_people["Asha"], pool_session, list(lines), places, SplitKind.EQUAL
    )
    pooled_bookings.send(pooled, pool_people["Asha"])
    db.session.commit()
    return pooled


# --- Pure splitting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "people", "expected"),
    [
        (1000, 3, [334, 333, 333]),
        (1001, 3, [334, 334, 333]),
        (999, 3, [333, 333, 333]),
        (1, 3, [1, 0, 0]),
        (3000, 2, [1500, 1500]),
    ],
)
def test_an_equal_split_adds_up_with_the_odd_pennies_first(total, people, expected):
    shares = pools.split_equally(total, people)
    assert shares == expected
    assert sum(shares) == total


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [40, 40, 40], [34, 33, 33]),
        (100, [100, 300], [25, 75]),
        (10, [0, 5, 5], [0, 5, 5]),
        (7, [3, 3, 1], [3, 3, 1]),
        (2, [1, 1, 1], [1, 1, 0]),
    ],
)
def test_allocation_is_proportional_and_adds_up(amount, weights, expected):
    shares = pools.allocate(amount, weights)
    assert shares == expected
    assert sum(shares) == amount
    if amount <= sum(weights):  # nobody's part is more than they have in
        assert all(share <= weight for share, weight in zip(shares, weights, strict=True))


# --- Setting up --------------------------------------------------------------------------


def test_people_are_found_by_email_or_member_number(db, pool_people, pool_session):
    chloe_number = str(pool_people["Chloe"].member_number)
    pooled = pooled_bookings.propose(
        pool_people["Asha"],
        pool_session,
        ["BEN@example.org", f"#{chloe_number}"],
        3,
        SplitKind.EQUAL,
    )
    assert [share.member.name for share in pooled.shares] == [
        "Asha Holder",
        "Ben Holder",
        "Chloe Holder",
    ]
    assert [share.amount_pence for share in pooled.shares] == [1000, 1000, 1000]
    assert pooled.status is PooledStatus.DRAFT


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "Add at least one other budget holder"),
        (["nobody@example.org"], "We could not find a budget holder"),
        (["ben@example.org", "ben@example.org"], "is listed twice"),
        (["asha@example.org"], "You are in the booking already"),
    ],
)
def test_the_people_must_be_other_budget_holders(db, pool_people, pool_session, lines, message):
    with pytest.raises(pooled_bookings.PooledError, match=message):
        pooled_bookings.propose(pool_people["Asha"], pool_session, lines, 2, SplitKind.EQUAL)


def test_a_carer_cannot_be_in_a_pooled_booking(db, pool_people, pool_session, make_member):
    make_member("carer", email="dev@example.org", name="Dev Carer")
    with pytest.raises(pooled_bookings.PooledError, match="could not find a budget holder"):
        pooled_bookings.propose(
            pool_people["Asha"], pool_session, ["dev@example.org"], 2, SplitKind.EQUAL
        )


def test_set_shares_must_add_up_to_the_total(db, pool_people, pool_session):
    pooled = pooled_bookings.propose(
        pool_people["Asha"], pool_session, ["ben@example.org"], 3, SplitKind.EQUAL
    )
    asha, ben = pool_people["Asha"].id, pool_people["Ben"].id
    with pytest.raises(pooled_bookings.PooledError, match=r"£0.01 less than the total of £30.00"):
        pooled_bookings.set_shares(pooled, pool_people["Asha"], {asha: 2000, ben: 999})
    with pytest.raises(pooled_bookings.PooledError, match="at least 1p"):
        pooled_bookings.set_shares(pooled, pool_people["Asha"], {asha: 3000, ben: 0})
    with pytest.raises(pooled_bookings.PooledError, match="Only the person who set up"):
        pooled_bookings.set_shares(pooled, pool_people["Ben"], {asha: 2000, ben: 1000})
    pooled_bookings.set_shares(pooled, pool_people["Asha"], {asha: 2000, ben: 1000})
    assert [s.amount_pence for s in pooled.shares] == [2000, 1000]
    assert pooled.split is SplitKind.SHARES


def test_sending_asks_everyone_else_and_the_organiser_has_agreed(db, pool_people, pool_session):
    pooled = _sent(db, pool_people, pool_session)
    assert pooled.status is PooledStatus.WAITING
    assert [s.agreed_at is not None for s in pooled.shares] == [True, False, False]
    to = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert sorted(to) == ["ben@example.org", "chloe@example.org"]


# --- All or nothing ----------------------------------------------------------------------


def test_when_the_last_agrees_every_share_is_charged_and_the_places_taken(
    db, pool_people, pool_session, fund
):
    fund(pool_people["Chloe"], 500)  # Chloe now has £10
    pooled = _sent(db, pool_people, pool_session)
    assert pooled_bookings.agree(pooled, pool_people["Ben"], pool_people["Ben"]).booked is False
    outcome = pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])
    db.session.commit()
    assert outcome.booked
    assert pooled.status is PooledStatus.BOOKED
    assert pooled.booking.places == 3 and pooled.booking.total_pence == 3000
    assert db.session.get(Session, pool_session.id).booked == 3
    assert _balances(pool_people) == {"Asha": 4000, "Ben": 4000, "Chloe": 0}
    payments = pools.booking_payments(pooled.booking.id)
    assert len(payments) == 3
    assert {p.posted_by_id for p in payments} == {m.id for m in pool_people.values()}
    assert ledger.all_transactions_balance()


def test_one_short_budget_charges_nobody_and_takes_no_place(db, pool_people, pool_session, app):
    """The issue's test: Chloe has £5 towards a £10 share, so nobody is charged."""
    pooled = _sent(db, pool_people, pool_session)
    pooled_bookings.agree(pooled, pool_people["Ben"], pool_people["Ben"])
    db.session.commit()
    before_balances, before_ledger = _balances(pool_people), _ledger_size()
    db.session.query(OutboxMessage).delete()

    outcome = pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])
    db.session.commit()

    assert outcome.not_covered and not outcome.booked
    assert _balances(pool_people) == before_balances == {"Asha": 5000, "Ben": 5000, "Chloe": 500}
    assert _ledger_size() == before_ledger
    assert db.session.get(Session, pool_session.id).booked == 0
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0
    assert pooled.status is PooledStatus.WAITING and pooled.booking_id is None
    shares = {s.member.name: s.short_pence for s in pooled.shares}
    assert shares == {"Asha Holder": None, "Ben Holder": None, "Chloe Holder": 500}
    # Chloe is told how much more she needs; the others only that one share is not covered.
    mail = {m.recipient: m.body for m in db.session.scalars(select(OutboxMessage))}
    assert "needs £5.00 more" in mail["chloe@example.org"]
    for other in ("asha@example.org", "ben@example.org"):
        assert "one share is not covered" in mail[other]
        assert "Chloe" not in mail[other] and "£5.00" not in mail[other]
        assert "£50.00" not in mail[other]


def test_after_topping_up_the_organiser_tries_again_and_it_books(
    db, pool_people, pool_session, fund
):
    pooled = _sent(db, pool_people, pool_session)
    pooled_bookings.agree(pooled, pool_people["Ben"], pool_people["Ben"])
    pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])
    db.session.commit()
    with pytest.raises(pooled_bookings.PooledError, match="Only the person who set up"):
        pooled_bookings.try_again(pooled, pool_people["Ben"])
    fund(pool_people["Chloe"], 500)
    outcome = pooled_bookings.try_again(pooled, pool_people["Asha"])
    db.session.commit()
    assert outcome.booked
    assert _balances(pool_people) == {"Asha": 4000, "Ben": 4000, "Chloe": 0}
    assert all(s.short_pence is None for s in pooled.shares)


def test_a_full_session_calls_it_off_and_charges_nobody(db, pool_people, pool_session, fund):
    fund(pool_people["Chloe"], 500)
    pooled = _sent(db, pool_people, pool_session)
    pool_session.booked = 8  # only 2 places left for 3
    db.session.commit()
    pooled_bookings.agree(pooled, pool_people["Ben"], pool_people["Ben"])
    outcome = pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])
    db.session.commit()
    assert outcome.called_off and "Only 2 of the places" in outcome.called_off
    assert pooled.status is PooledStatus.CALLED_OFF
    assert _balances(pool_people) == {"Asha": 5000, "Ben": 5000, "Chloe": 1000}
    assert db.session.get(Session, pool_session.id).booked == 8


def test_saying_no_calls_it_off(db, pool_people, pool_session):
    pooled = _sent(db, pool_people, pool_session)
    pooled_bookings.decline(pooled, pool_people["Ben"], pool_people["Ben"])
    db.session.commit()
    assert pooled.status is PooledStatus.CALLED_OFF
    with pytest.raises(pooled_bookings.PooledError, match="called off"):
        pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])


# --- Someone in the circle agrees for them -----------------------------------------------


def test_a_helper_with_book_permission_agrees_within_the_limit_and_it_is_recorded(
    db, pool_people, pool_session, make_member
):
    dev = db.session.merge(make_member("carer", name="Dev Carer", email="dev@example.org"))
    circles.give(pool_people["Ben"], dev, circles.Choice(Permission.BOOK, 1000, None))
    db.session.commit()
    pooled = _sent(db, pool_people, pool_session)
    pooled_bookings.agree(pooled, pool_people["Ben"], dev)
    db.session.commit()
    share = pooled.share_of(pool_people["Ben"])
    assert share.agreed_at is not None and share.agreed_by_id == dev.id
    act = db.session.scalar(select(CircleAct))
    assert act.helper_id == dev.id and act.person_id == pool_people["Ben"].id
    assert "£10.00 of the shared booking" in act.description


@pytest.mark.parametrize("limit", [None, 999])
def test_a_helper_without_permission_or_over_the_limit_is_refused(
    db, pool_people, pool_session, make_member, limit
):
    dev = db.session.merge(make_member("carer", name="Dev Carer", email="dev@example.org"))
    if limit:
        circles.give(pool_people["Ben"], dev, circles.Choice(Permission.BOOK, limit, None))
        db.session.commit()
    pooled = _sent(db, pool_people, pool_session)
    with pytest.raises(circles.NotPermitted):
        pooled_bookings.agree(pooled, pool_people["Ben"], dev)
    db.session.rollback()
    assert pooled.share_of(pool_people["Ben"]).agreed_at is None
    assert db.session.scalar(select(func.count()).select_from(CircleAct)) == 0


# --- Cancelling --------------------------------------------------------------------------


def _booked(db, pool_people, pool_session, fund):
    fund(pool_people["Chloe"], 500)
    pooled = _sent(db, pool_people, pool_session)
    pooled_bookings.agree(pooled, pool_people["Ben"], pool_people["Ben"])
    pooled_bookings.agree(pooled, pool_people["Chloe"], pool_people["Chloe"])
    db.session.commit()
    return pooled


def test_cancelling_before_the_notice_refunds_each_share_to_its_budget(
    db, pool_people, pool_session, fund
):
    pooled = _booked(db, pool_people, pool_session, fund)
    pooled_bookings.cancel(pooled, pool_people["Asha"])
    db.session.commit()
    assert _balances(pool_people) == {"Asha": 5000, "Ben": 5000, "Chloe": 1000}
    assert pooled.status is PooledStatus.CANCELLED
    assert pooled.booking.status is BookingStatus.CANCELLED
    assert pooled.booking.refund_pence == 3000
    assert [s.refund_pence for s in pooled.shares] == [1000, 1000, 1000]
    assert db.session.get(Session, pool_session.id).booked == 0
    assert ledger.all_transactions_balance()


def test_cancelling_inside_the_notice_refunds_nothing(
    db, pool_people, pool_session, fund, monkeypatch
):
    pooled = _booked(db, pool_people, pool_session, fund)
    late = pool_session.starts_at - timedelta(hours=2)
    monkeypatch.setattr("coop.clock.now", lambda: late)
    pooled_bookings.cancel(pooled, pool_people["Asha"], late)
    db.session.commit()
    assert _balances(pool_people) == {"Asha": 4000, "Ben": 4000, "Chloe": 0}
    assert [s.refund_pence for s in pooled.shares] == [0, 0, 0]


def test_only_the_organiser_cancels_and_not_through_the_ordinary_page(
    db, pool_people, pool_session, fund
):
    pooled = _booked(db, pool_people, pool_session, fund)
    with pytest.raises(pooled_bookings.PooledError, match="Only the person who set up"):
        pooled_bookings.cancel(pooled, pool_people["Ben"])
    with pytest.raises(bookings.BookingError, match="shared with other budget holders"):
        bookings.cancel(pooled.booking, pool_people["Asha"])


def test_the_provider_cancelling_the_session_refunds_every_share(
    db, pool_people, pool_session, fund, gym_staff
):
    _booked(db, pool_people, pool_session, fund)
    bookings.cancel_session(pool_session, db.session.merge(gym_staff), "Burst pipe")
    db.session.commit()
    assert _balances(pool_people) == {"Asha": 5000, "Ben": 5000, "Chloe": 1000}


# --- Who sees it -------------------------------------------------------------------------


def test_only_the_people_in_it_and_their_helpers_see_it(db, pool_people, pool_session, make_member):
    pooled = _sent(db, pool_people, pool_session)
    stranger = db.session.merge(make_member(email="eve@example.org"))
    dev = db.session.merge(make_member("carer", email="dev@example.org"))
    assert pooled_bookings.pooled_of(pool_people["Ben"], pooled.id) is pooled
    assert pooled_bookings.pooled_of(stranger, pooled.id) is None
    assert pooled_bookings.pooled_of(dev, pooled.id) is None
    circles.give(pool_people["Ben"], dev, circles.Choice(Permission.BOOK, 5000, None))
    db.session.commit()
    assert pooled_bookings.pooled_of(dev, pooled.id) is pooled
    assert [p.id for p in pooled_bookings.pooled_for(dev)] == [pooled.id]
