"""The ledger against the real database: money arriving, bookings paid and refunded, balances."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from itertools import count

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.marketplace.models import Booking
from coop.payments import ledger, postings
from coop.payments.models import (
    FundingKind,
    LedgerAccount,
    LedgerEntry,
    LedgerIsAppendOnly,
    LedgerTransaction,
    TransactionKind,
)
from coop.voting import service as voting
from tests.marketplace.conftest import fund, make_listing, make_provider, make_session

#: The marketplace's factories, used here as fixtures too (importing them registers them).
MARKETPLACE_FACTORIES = (fund, make_listing, make_provider, make_session)

_references = count(1)


@pytest.fixture
def make_booking(db, make_session):
    """A confirmed booking row, so a payment has a booking to belong to (its id is a key)."""

    def make(member, session=None, total_pence=1250):
        session = session or make_session()
        booking = Booking(
            reference=f"TEST{next(_references):04d}",
            session=session,
            member_id=member.id,
            places=1,
            price_each_pence=total_pence,
            base_price_each_pence=total_pence,
            total_pence=total_pence,
            cancellation_notice_hours=24,
            booked_at=datetime.now(UTC),
        )
        db.session.add(booking)
        db.session.commit()
        return booking

    return make


def transactions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerTransaction))


def balance(db, key) -> int:
    """An account's balance read the long way: the raw sum of its entries, shown naturally."""
    raw = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0))
        .join(LedgerAccount)
        .where(LedgerAccount.key == ledger.account_key(key))
    )
    return postings.natural_balance(key, raw)


def pay(holder, booking, gross=None, now=None):
    return ledger.pay_for_booking(
        holder,
        booking.session.listing.provider_id,
        booking.total_pence if gross is None else gross,
        booking.id,
        f"Booking {booking.reference}",
        voting.commission_rate(now),  # as the marketplace passes it
        now=now,
    )


# --- Money arriving ----------------------------------------------------------------------


def test_money_arriving_is_credited_to_the_budget_from_the_right_source(db, secretary, holder):
    received = clock.london_today() - timedelta(days=2)
    stored = ledger.record_funding(
        holder, 25_000, FundingKind.DIRECT_PAYMENT, received, "  DP-2026-03  ", by=secretary
    )
    ledger.record_funding(
        holder, 5_000, FundingKind.INDIVIDUAL_SERVICE_FUND, received, "ISF-7", by=secretary
    )
    db.session.commit()

    assert ledger.budget_balance(holder) == 30_000
    assert balance(db, postings.budget_account(holder.id)) == 30_000
    assert balance(db, ledger.CLIENT_BANK) == 25_000
    assert balance(db, ledger.COUNCIL_FUNDING) == 5_000
    stored = db.session.get(LedgerTransaction, stored.id)
    assert stored.kind is TransactionKind.FUNDING
    assert stored.funding_kind is FundingKind.DIRECT_PAYMENT
    assert stored.received_on == received
    assert stored.reference == "DP-2026-03"
    assert stored.posted_by_id == secretary.id
    assert stored.memo == "Direct payment received for Bea Budget"
    assert sorted(e.amount_pence for e in stored.entries) == [-25_000, 25_000]


def test_the_same_reference_for_the_same_budget_is_not_recorded_twice(
    db, secretary, holder, make_member
):
    received = clock.london_today() - timedelta(days=1)
    ledger.record_funding(holder, 5_000, FundingKind.DIRECT_PAYMENT, received, "DP-9", by=secretary)
    db.session.commit()
    with pytest.raises(ledger.LedgerError, match="reference DP-9 was already recorded for Bea"):
        ledger.record_funding(
            holder, 5_000, FundingKind.DIRECT_PAYMENT, received, "dp-9", by=secretary
        )
    db.session.rollback()
    assert ledger.budget_balance(holder) == 5_000
    other = make_member("budget_holder", email="other@example.org")
    ledger.record_funding(other, 5_000, FundingKind.DIRECT_PAYMENT, received, "DP-9", by=secretary)
    db.session.commit()
    assert ledger.budget_balance(other) == 5_000


def test_the_largest_amount_and_todays_date_are_accepted(db, secretary, holder):
    ledger.record_funding(
        holder,
        ledger.MAX_FUNDING_PENCE,
        FundingKind.DIRECT_PAYMENT,
        clock.london_today(),
        "R",
        secretary,
    )
    db.session.commit()
    assert ledger.budget_balance(holder) == 10_000_000


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"amount": 0}, "amount", "Enter an amount more than £0."),
        ({"amount": -500}, "amount", "Enter an amount more than £0."),
        ({"amount": 10_000_001}, "amount", "Enter an amount of £100,000 or less."),
        (
            {"received_on": 1},
            "received_on",
            "The date the money arrived must be today or in the past.",
        ),
        (
            {"reference": ""},
            "reference",
            "Enter the bank or remittance reference, so the money can be traced.",
        ),
        (
            {"reference": "   "},
            "reference",
            "Enter the bank or remittance reference, so the money can be traced.",
        ),
    ],
)
def test_bad_amounts_dates_and_references_are_refused_in_plain_english(
    db, secretary, holder, change, field, message
):
    amount = change.get("amount", 1000)
    received = clock.london_today() + timedelta(days=change.get("received_on", 0))
    reference = change.get("reference", "DP-1")
    with pytest.raises(ledger.LedgerError) as refused:
        ledger.record_funding(
            holder, amount, FundingKind.DIRECT_PAYMENT, received, reference, by=secretary
        )
    assert refused.value.message == message
    assert refused.value.field == field
    db.session.rollback()
    assert transactions(db) == 0
    assert ledger.budget_balance(holder) == 0


@pytest.mark.parametrize("who", ["the budget holder", "a carer", "an applicant"])
def test_only_the_secretary_can_record_money_arriving(db, make_member, holder, who):
    by = {
        "the budget holder": lambda: holder,
        "a carer": lambda: make_member("carer"),
        "an applicant": lambda: make_member("budget_holder", status="applied"),
    }[who]()
    with pytest.raises(ledger.LedgerError) as refused:
        ledger.record_funding(
            holder, 1000, FundingKind.DIRECT_PAYMENT, clock.london_today(), "R", by
        )
    assert str(refused.value) == "Only the secretary can record money arriving in a budget."
    db.session.rollback()
    assert transactions(db) == 0


@pytest.mark.parametrize(
    "member_class, status",
    [
        ("carer", "approved"),
        ("pa", "approved"),
        ("budget_holder", "applied"),
        ("budget_holder", "left"),
        ("budget_holder", "rejected"),
    ],
)
def test_money_only_goes_into_an_approved_budget_holders_budget(
    db, make_member, secretary, member_class, status
):
    member = make_member(member_class, status=status)
    with pytest.raises(ledger.LedgerError) as refused:
        ledger.record_funding(
            member, 1000, FundingKind.DIRECT_PAYMENT, clock.london_today(), "R", by=secretary
        )
    assert str(refused.value) == "Money can only be paid into an approved budget holder's budget."
    db.session.rollback()
    assert transactions(db) == 0


# --- Balances and statements -------------------------------------------------------------


def test_a_budget_with_no_money_yet_holds_nothing_and_has_an_empty_statement(db, holder):
    assert ledger.budget_balance(holder) == 0
    assert ledger.budget_statement(holder) == []
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 0


def test_the_statement_lists_every_movement_oldest_first_with_a_running_balance(
    db, secretary, holder, make_booking
):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ledger.record_funding(
        holder, 5000, FundingKind.DIRECT_PAYMENT, date(2026, 3, 1), "DP-1", secretary, now=start
    )
    booking = make_booking(holder, total_pence=1200)
    payment = pay(holder, booking, now=start + timedelta(hours=1))
    ledger.refund(payment, "Refund", by=holder, now=start + timedelta(hours=2))
    second = make_booking(holder, total_pence=700)
    pay(holder, second, now=start + timedelta(hours=3))
    ledger.record_funding(
        holder,
        300,
        FundingKind.INDIVIDUAL_SERVICE_FUND,
        date(2026, 3, 2),
        "ISF-1",
        secretary,
        now=start + timedelta(hours=4),
    )
    db.session.commit()

    lines = ledger.budget_statement(holder)
    assert [(line.transaction.kind, line.amount_pence, line.balance_pence) for line in lines] == [
        (TransactionKind.FUNDING, 5000, 5000),
        (TransactionKind.BOOKING_PAYMENT, -1200, 3800),
        (TransactionKind.REFUND, 1200, 5000),
        (TransactionKind.BOOKING_PAYMENT, -700, 4300),
        (TransactionKind.FUNDING, 300, 4600),
    ]
    assert lines[-1].balance_pence == ledger.budget_balance(holder) == 4600
    # The provider's payable account has a statement of its own, in the same shape.
    provider_account = db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.key
            == ledger.account_key(
                postings.provider_payable_account(second.session.listing.provider_id)
            )
        )
    )
    assert [line.balance_pence for line in ledger.statement(provider_account)] == [644]


def test_balances_are_derived_from_entries_and_every_transaction_balances(
    db, secretary, holder, make_booking
):
    ledger.record_funding(
        holder, 4000, FundingKind.DIRECT_PAYMENT, clock.london_today(), "A", secretary
    )
    booking = make_booking(holder, total_pence=2500)
    pay(holder, booking)
    db.session.commit()
    assert ledger.budget_balance(holder) == balance(db, postings.budget_account(holder.id)) == 1500
    assert ledger.all_transactions_balance() is True
    raw_total = db.session.scalar(select(func.sum(LedgerEntry.amount_pence)))
    assert raw_total == 0


def test_an_unbalanced_transaction_slipped_in_by_hand_is_caught(db, secretary, holder):
    stored = ledger.record_funding(
        holder, 4000, FundingKind.DIRECT_PAYMENT, clock.london_today(), "A", secretary
    )
    account_id = stored.entries[0].account_id
    db.session.commit()
    db.session.execute(
        insert(LedgerEntry).values(transaction_id=stored.id, account_id=account_id, amount_pence=1)
    )
    assert ledger.all_transactions_balance() is False
    db.session.rollback()
    assert ledger.all_transactions_balance() is True


# --- Paying for bookings -----------------------------------------------------------------


def test_a_booking_is_paid_from_the_budget_with_8_percent_commission_by_default(
    db, fund, holder, make_booking
):
    fund(holder, 5000)
    booking = make_booking(holder, total_pence=1299)
    provider_id = booking.session.listing.provider_id
    assert voting.commission_rate() == Fraction(8, 100)

    payment = pay(holder, booking)
    db.session.commit()

    # 8% of £12.99 is 103.92p: the co-op takes 103p (rounded down), the provider the rest.
    assert ledger.budget_balance(holder) == 5000 - 1299
    assert balance(db, postings.provider_payable_account(provider_id)) == 1196
    assert balance(db, postings.COMMISSION_INCOME_ACCOUNT) == 103
    stored = db.session.get(LedgerTransaction, payment.id)
    assert stored.kind is TransactionKind.BOOKING_PAYMENT
    assert stored.booking_id == booking.id
    assert stored.posted_by_id == holder.id
    assert sum(e.amount_pence for e in stored.entries) == 0
    assert ledger.payment_for(booking.id).id == payment.id


def test_the_commission_rate_comes_from_the_rules_in_force_when_booked(
    db, fund, holder, secretary, make_booking
):
    fund(holder, 10_000)
    changed_at = datetime.now(UTC) - timedelta(days=1)
    voting.change_rules(
        secretary,
        shares={"budget_holder": 50, "carer": 25, "pa": 25, "provider": 0},
        quorum_percent=10,
        max_proxies=3,
        seconder_required=True,
        commission_basis_points=750,
        now=changed_at,
    )
    db.session.commit()
    assert voting.commission_rate() == Fraction(3, 40)
    assert voting.commission_rate(changed_at - timedelta(days=1)) == Fraction(8, 100)

    booking = make_booking(holder, total_pence=1299)
    pay(holder, booking)
    db.session.commit()
    # 7.5% of £12.99 is 97.425p: 97p commission.
    assert balance(db, postings.COMMISSION_INCOME_ACCOUNT) == 97
    assert balance(db, postings.provider_payable_account(booking.session.listing.provider_id)) == (
        1202
    )


def test_with_no_commission_the_provider_gets_it_all(db, fund, holder, secretary, make_booking):
    fund(holder, 1000)
    voting.change_rules(
        secretary,
        shares={"budget_holder": 50, "carer": 25, "pa": 25, "provider": 0},
        quorum_percent=10,
        max_proxies=3,
        seconder_required=True,
        commission_basis_points=0,
        now=datetime.now(UTC) - timedelta(minutes=1),
    )
    booking = make_booking(holder, total_pence=1000)
    payment = pay(holder, booking)
    db.session.commit()
    assert len(db.session.get(LedgerTransaction, payment.id).entries) == 2
    assert balance(db, postings.COMMISSION_INCOME_ACCOUNT) == 0
    assert ledger.budget_balance(holder) == 0


def test_a_budget_that_cannot_cover_a_booking_is_refused_and_nothing_is_posted(
    db, fund, holder, make_booking
):
    fund(holder, 1000)
    booking = make_booking(holder, total_pence=1001)
    before = transactions(db)
    with pytest.raises(postings.InsufficientFunds) as refused:
        pay(holder, booking)
    assert refused.value.available_pence == 1000
    assert refused.value.shortfall_pence == 1
    assert str(refused.value) == (
        "The budget holds £10.00 but this costs £10.01, so it is £0.01 short."
    )
    db.session.rollback()
    assert transactions(db) == before
    assert ledger.budget_balance(holder) == 1000
    assert ledger.payment_for(booking.id) is None


def test_an_empty_budget_is_refused_and_leaves_no_account_behind(db, holder, make_booking):
    booking = make_booking(holder, total_pence=500)
    with pytest.raises(postings.InsufficientFunds):
        pay(holder, booking)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 0
    assert transactions(db) == 0


def test_a_budget_can_be_spent_to_exactly_nothing(db, fund, holder, make_booking):
    fund(holder, 1000)
    pay(holder, make_booking(holder, total_pence=1000))
    db.session.commit()
    assert ledger.budget_balance(holder) == 0
    with pytest.raises(postings.InsufficientFunds):
        pay(holder, make_booking(holder, total_pence=1))
    db.session.rollback()


# --- Refunds -----------------------------------------------------------------------------


def test_a_refund_is_the_exact_reversal_of_the_payment(db, fund, holder, make_booking):
    fund(holder, 5000)
    booking = make_booking(holder, total_pence=1299)
    provider_key = postings.provider_payable_account(booking.session.listing.provider_id)
    payment = pay(holder, booking)
    db.session.commit()

    refund = ledger.refund(payment, f"Refund {booking.reference}", by=holder)
    db.session.commit()

    stored = db.session.get(LedgerTransaction, refund.id)
    assert stored.kind is TransactionKind.REFUND
    assert stored.reverses_id == payment.id
    assert stored.booking_id == booking.id
    paid = {(e.account_id, e.amount_pence) for e in payment.entries}
    assert {(e.account_id, -e.amount_pence) for e in stored.entries} == paid
    assert ledger.budget_balance(holder) == 5000
    assert balance(db, provider_key) == 0
    assert balance(db, postings.COMMISSION_INCOME_ACCOUNT) == 0
    assert ledger.all_transactions_balance()


def test_a_payment_cannot_be_refunded_twice(db, fund, holder, make_booking):
    fund(holder, 5000)
    booking = make_booking(holder, total_pence=1000)
    payment = pay(holder, booking)
    ledger.refund(payment, "Refund", by=holder)
    db.session.commit()

    with pytest.raises(IntegrityError):
        ledger.refund(db.session.get(LedgerTransaction, payment.id), "Refund again", by=holder)
    db.session.rollback()
    refunds = db.session.scalar(
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.kind == TransactionKind.REFUND)
    )
    assert refunds == 1
    assert ledger.budget_balance(holder) == 5000


def test_only_a_booking_payment_can_be_refunded(db, fund, holder):
    funding = fund(holder, 5000)
    with pytest.raises(postings.LedgerError, match="Only a booking payment can be refunded"):
        ledger.refund(funding, "Refund", by=holder)
    db.session.rollback()
    assert transactions(db) == 1


# --- Nothing recorded is ever changed ----------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        "change an entry's amount",
        "move an entry to another account",
        "change a transaction's memo",
        "change a transaction's reference",
        "delete an entry",
        "delete a transaction",
    ],
)
def test_recorded_transactions_and_entries_cannot_be_changed_or_deleted(
    db, secretary, holder, tamper
):
    stored = ledger.record_funding(
        holder, 4000, FundingKind.DIRECT_PAYMENT, clock.london_today(), "DP-1", secretary
    )
    db.session.commit()
    entry = stored.entries[0]
    other = stored.entries[1]
    change = {
        "change an entry's amount": lambda: setattr(entry, "amount_pence", 1),
        "move an entry to another account": lambda: setattr(entry, "account_id", other.account_id),
        "change a transaction's memo": lambda: setattr(stored, "memo", "Something else"),
        "change a transaction's reference": lambda: setattr(stored, "reference", "X"),
        "delete an entry": lambda: db.session.delete(entry),
        "delete a transaction": lambda: db.session.delete(stored),
    }[tamper]
    change()
    with pytest.raises(LedgerIsAppendOnly, match="post a reversing transaction instead"):
        db.session.flush()
    db.session.rollback()
    assert ledger.budget_balance(holder) == 4000
    assert db.session.get(LedgerTransaction, stored.id).memo.startswith("Direct payment")
    assert ledger.all_transactions_balance()
