"""Random top-ups, bookings and cancellations against the real database: money adds up.

Hypothesis runs sequences of what budget holders and the secretary do, through the same
services the pages call, and after every step checks that each transaction balances, no
budget is below zero, every budget holds what the steps say it should, and no session has
more places taken than it has.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from coop.marketplace import bookings
from coop.marketplace.models import Booking, BookingStatus, Session
from coop.payments import ledger
from coop.payments.models import LedgerEntry

START = datetime(2027, 3, 3, 18, 0, tzinfo=UTC)  # a Wednesday evening: no concession
NOW = START - timedelta(days=3)
#: How long before its own session a late cancellation comes: inside the 24-hour notice.
LATE_BY = timedelta(hours=1)


def test_random_money_movements_always_balance(db, make_member, fund, make_listing, make_session):
    class Money(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.members = [db.session.merge(make_member("budget_holder")) for _ in range(3)]
            listing = make_listing(price_pence=750, places=3)
            self.sessions = [
                make_session(listing, starts_at=START + timedelta(days=n), places=2)
                for n in range(3)
            ]
            self.expected = {m.id: 0 for m in self.members}
            self.price = 750

        @rule(who=st.integers(0, 2), pence=st.integers(1, 3000))
        def top_up(self, who, pence):
            fund(self.members[who], pence)
            self.expected[self.members[who].id] += pence

        @rule(who=st.integers(0, 2), which=st.integers(0, 2), places=st.integers(1, 3))
        def book(self, who, which, places):
            member, session = self.members[who], self.sessions[which]
            try:
                bookings.book(
                    member, session, places=places, expected_price_pence=self.price, now=NOW
                )
            except bookings.BookingError:
                db.session.rollback()
                return
            db.session.commit()
            self.expected[member.id] -= self.price * places

        @rule(who=st.integers(0, 2), late=st.booleans(), pick=st.integers(0, 10))
        def cancel(self, who, late, pick):
            member = self.members[who]
            live = db.session.scalars(
                select(Booking)
                .where(Booking.member_id == member.id, Booking.status == BookingStatus.CONFIRMED)
                .order_by(Booking.id)
            ).all()
            if not live:
                return
            booking = live[pick % len(live)]
            when = booking.session.starts_at - LATE_BY if late else NOW
            result = bookings.cancel(booking, member, now=when)
            db.session.commit()
            assert result.refund_pence == (0 if late else booking.total_pence)
            self.expected[member.id] += result.refund_pence

        @invariant()
        def every_transaction_balances(self):
            assert ledger.all_transactions_balance()
            total = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)))
            assert total == 0

        @invariant()
        def budgets_hold_what_the_steps_say_and_never_go_below_zero(self):
            for member in self.members:
                balance = ledger.budget_balance(member)
                assert balance >= 0
                assert balance == self.expected[member.id]

        @invariant()
        def sessions_are_never_overbooked(self):
            for session in self.sessions:
                fresh = db.session.get(Session, session.id)
                db.session.refresh(fresh)
                taken = db.session.scalar(
                    select(func.coalesce(func.sum(Booking.places), 0)).where(
                        Booking.session_id == session.id,
                        Booking.status == BookingStatus.CONFIRMED,
                    )
                )
                assert fresh.booked == taken <= fresh.places

    run_state_machine_as_test(
        Money,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
