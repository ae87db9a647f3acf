"""Tests for ledger postings: balanced transactions, commission, refunds and balances."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    precondition,
    rule,
)

from coop.payments.postings import (
    COMMISSION_INCOME_ACCOUNT,
    Entry,
    FundingKind,
    InsufficientFunds,
    InvalidTransaction,
    LedgerError,
    Transaction,
    balances,
    bank_account,
    basis_points,
    budget_account,
    budget_available_pence,
    commission_split,
    funding_account,
    is_booking_payment,
    natural_balance,
    overdrawn_budgets,
    pay_for_booking,
    provider_payable_account,
    receive_funding,
    refund_booking,
    reverse,
)

EIGHT_PERCENT = basis_points(800)
CLIENT_BANK = bank_account("client")
BUDGET_7 = budget_account(7)
GYM = provider_payable_account("gym")


def test_a_balanced_transaction_is_accepted():
    txn = Transaction([Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -500)], "Paid in")
    assert txn.entries == (Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -500))
    assert txn.entries[0].is_debit and not txn.entries[1].is_debit


def test_transactions_and_entries_cannot_be_changed():
    txn = Transaction((Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -500)), "Paid in")
    with pytest.raises(dataclasses.FrozenInstanceError):
        txn.memo = "Something else"
    with pytest.raises(dataclasses.FrozenInstanceError):
        txn.entries[0].amount_pence = 1


@pytest.mark.parametrize(
    ("entries", "memo", "problem"),
    [
        (
            (Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -495)),
            "Paid in",
            "The debits and credits differ by 5p; they must be equal.",
        ),
        ((Entry(CLIENT_BANK, 500),), "Paid in", "The debits and credits differ by 500p"),
        ((), "Nothing", "A transaction needs at least one entry."),
        (
            (Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -500), Entry(GYM, 0)),
            "Paid in",
            "Entry 3: an entry of 0p moves no money.",
        ),
        (
            (Entry(CLIENT_BANK, 12.5), Entry(BUDGET_7, -12.5)),
            "Paid in",
            "Entry 1: the amount must be a whole number of pence, not 12.5.",
        ),
        (
            (Entry(CLIENT_BANK, Decimal(5)), Entry(BUDGET_7, -5)),
            "Paid in",
            "Entry 1: the amount must be a whole number of pence, not Decimal('5').",
        ),
        (
            (Entry(CLIENT_BANK, True), Entry(BUDGET_7, -1)),
            "Paid in",
            "Entry 1: the amount must be a whole number of pence, not True.",
        ),
        (
            (Entry("bank", 500), Entry(BUDGET_7, -500)),
            "Paid in",
            "Entry 1: the account must be a key such as ('budget', 42), not 'bank'.",
        ),
        (
            ((CLIENT_BANK, 500), Entry(BUDGET_7, -500)),
            "Paid in",
            "Entry 1 is not an Entry.",
        ),
        (
            (Entry(CLIENT_BANK, 500), Entry(BUDGET_7, -500)),
            "  ",
            "A transaction needs a memo saying what it is for.",
        ),
    ],
)
def test_invalid_transactions_are_refused(entries, memo, problem):
    with pytest.raises(InvalidTransaction) as raised:
        Transaction(entries, memo)
    assert any(found.startswith(problem) for found in raised.value.problems), raised.value.problems


@pytest.mark.parametrize(
    ("kind", "source", "memo"),
    [
        (FundingKind.DIRECT_PAYMENT, CLIENT_BANK, "Direct payment received"),
        (FundingKind.INDIVIDUAL_SERVICE_FUND, funding_account("council"), None),
    ],
)
def test_receive_funding(kind, source, memo):
    txn = receive_funding(7, 25_000, kind, source=source)
    assert txn.entries == (Entry(source, 25_000), Entry(BUDGET_7, -25_000))
    assert txn.memo == (memo or "Individual service fund received")
    assert budget_available_pence(balances([txn]), 7) == 25_000


@pytest.mark.parametrize("amount", [0, -100, 10.5, True])
def test_receive_funding_needs_a_positive_whole_amount(amount):
    with pytest.raises(LedgerError, match="whole number of pence, more than 0"):
        receive_funding(7, amount, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK)


@pytest.mark.parametrize("source", [budget_account(8), GYM, (), "bank"])
def test_receive_funding_needs_a_bank_or_funding_source(source):
    with pytest.raises(LedgerError, match="bank or funding account"):
        receive_funding(7, 100, FundingKind.DIRECT_PAYMENT, source=source)


@pytest.mark.parametrize(
    ("gross", "rate", "commission", "net"),
    [
        (1000, EIGHT_PERCENT, 80, 920),
        (1256, EIGHT_PERCENT, 100, 1156),  # 100.48p rounds down
        (1299, EIGHT_PERCENT, 103, 1196),  # 103.92p rounds down: never more than 8%
        (1005, Fraction(1, 10), 100, 905),  # 100.5p
        (12, EIGHT_PERCENT, 0, 12),
        (1, EIGHT_PERCENT, 0, 1),
        (1000, Decimal("0.075"), 75, 925),
        (100, Fraction(1, 3), 33, 67),
        (5000, 0, 0, 5000),
        (9999, basis_points(1250), 1249, 8750),
    ],
)
def test_commission_split(gross, rate, commission, net):
    assert commission_split(gross, rate) == (commission, net)


def test_basis_points():
    assert basis_points(800) == Fraction(8, 100)
    with pytest.raises(LedgerError):
        basis_points(8.5)


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (0.08, "must be exact"),
        ("8%", "must be exact"),
        (True, "must be exact"),
        (Fraction(1), "less than 100%"),
        (Fraction(-1, 100), "at least 0%"),
    ],
)
def test_commission_rate_must_be_exact_and_sensible(rate, message):
    with pytest.raises(LedgerError, match=message):
        commission_split(1000, rate)


@given(
    gross=st.integers(0, 10**9),
    rate=st.fractions(min_value=0, max_value=1).filter(lambda rate: rate < 1),
)
def test_commission_and_net_add_up_and_never_exceed_the_rate(gross, rate):
    commission, net = commission_split(gross, rate)
    assert commission + net == gross
    assert commission <= gross * rate < commission + 1
    assert net >= 0


def test_pay_for_booking():
    txn = pay_for_booking(7, "gym", 1299, EIGHT_PERCENT, available_pence=5000, memo="Swim, 3 June")
    assert txn.entries == (
        Entry(BUDGET_7, 1299),
        Entry(GYM, -1196),
        Entry(COMMISSION_INCOME_ACCOUNT, -103),
    )
    assert txn.memo == "Swim, 3 June"
    assert is_booking_payment(txn)


def test_pay_for_booking_with_no_commission_leaves_out_the_zero_entry():
    txn = pay_for_booking(7, "gym", 10, EIGHT_PERCENT, available_pence=10)
    assert txn.entries == (Entry(BUDGET_7, 10), Entry(GYM, -10))
    assert txn.memo == "Booking paid from budget"


def test_a_booking_the_budget_cannot_cover_is_refused():
    with pytest.raises(InsufficientFunds) as raised:
        pay_for_booking(7, "gym", 1500, EIGHT_PERCENT, available_pence=1000)
    error = raised.value
    assert (error.account, error.available_pence, error.needed_pence, error.shortfall_pence) == (
        BUDGET_7,
        1000,
        1500,
        500,
    )
    assert str(error) == "The budget holds £10.00 but this costs £15.00, so it is £5.00 short."


@pytest.mark.parametrize("gross", [0, -1, 10.0])
def test_a_booking_must_cost_a_positive_whole_amount(gross):
    with pytest.raises(LedgerError, match="more than 0"):
        pay_for_booking(7, "gym", gross, EIGHT_PERCENT, available_pence=1000)


def test_a_refund_is_the_exact_reversal_of_the_payment():
    funding = receive_funding(7, 5000, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK)
    payment = pay_for_booking(7, "gym", 1299, EIGHT_PERCENT, available_pence=5000)
    refund = refund_booking(payment)
    assert refund.entries == tuple(Entry(e.account, -e.amount_pence) for e in payment.entries)
    assert refund.memo == "Refund: Booking paid from budget"
    assert balances([funding, payment, refund]) == {
        CLIENT_BANK: 5000,
        BUDGET_7: -5000,
        GYM: 0,
        COMMISSION_INCOME_ACCOUNT: 0,
    }


def test_only_a_booking_payment_can_be_refunded():
    funding = receive_funding(7, 5000, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK)
    assert not is_booking_payment(funding)
    with pytest.raises(LedgerError, match="Only a booking payment"):
        refund_booking(funding)
    payment = pay_for_booking(7, "gym", 1299, EIGHT_PERCENT, available_pence=5000)
    assert not is_booking_payment(refund_booking(payment))


def test_reverse_undoes_any_transaction():
    funding = receive_funding(7, 5000, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK)
    reversal = reverse(funding)
    assert reversal.memo == "Reversal: Direct payment received"
    assert all(total == 0 for total in balances([funding, reversal]).values())
    assert reverse(reversal, memo=funding.memo) == funding


def test_balances_and_how_they_are_shown():
    txns = [
        receive_funding(7, 5000, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK),
        pay_for_booking(7, "gym", 1000, EIGHT_PERCENT, available_pence=5000),
    ]
    totals = balances(txns)
    assert totals == {CLIENT_BANK: 5000, BUDGET_7: -4000, GYM: -920, COMMISSION_INCOME_ACCOUNT: -80}
    assert sum(totals.values()) == 0
    assert budget_available_pence(totals, 7) == 4000
    assert budget_available_pence(totals, 8) == 0
    assert natural_balance(GYM, totals[GYM]) == 920
    assert natural_balance(COMMISSION_INCOME_ACCOUNT, -80) == 80
    assert natural_balance(CLIENT_BANK, 5000) == 5000
    assert overdrawn_budgets(totals) == {}


def test_overdrawn_budgets_finds_a_budget_below_zero():
    funding = receive_funding(7, 5000, FundingKind.DIRECT_PAYMENT, source=CLIENT_BANK)
    payment = pay_for_booking(7, "gym", 3000, EIGHT_PERCENT, available_pence=5000)
    # Taking back money already spent would leave the budget 30.00 short.
    assert overdrawn_budgets(balances([funding, payment, reverse(funding)])) == {BUDGET_7: 3000}


MEMBERS = (1, 2, 3)
PROVIDERS = ("gym", "coach")
RATES = (EIGHT_PERCENT, Fraction(0), basis_points(1250), Fraction(1, 3), Decimal("0.075"))


class LedgerMachine(RuleBasedStateMachine):
    """Random top-ups, bookings, cancellations and reversals against a simple model."""

    payments = Bundle("payments")

    def __init__(self):
        super().__init__()
        self.transactions: list[Transaction] = []
        self.held = dict.fromkeys(MEMBERS, 0)
        self.received = 0
        self.booked = 0
        self.fundings: list[Transaction] = []

    def record(self, txn: Transaction) -> None:
        assert sum(entry.amount_pence for entry in txn.entries) == 0
        self.transactions.append(txn)

    @rule(
        member=st.sampled_from(MEMBERS),
        amount=st.integers(1, 50_000),
        kind=st.sampled_from(FundingKind),
        source=st.sampled_from([CLIENT_BANK, funding_account("council")]),
    )
    def top_up(self, member, amount, kind, source):
        txn = receive_funding(member, amount, kind, source=source)
        self.record(txn)
        self.fundings.append(txn)
        self.held[member] += amount
        self.received += amount

    @rule(
        target=payments,
        member=st.sampled_from(MEMBERS),
        provider=st.sampled_from(PROVIDERS),
        gross=st.integers(1, 30_000),
        rate=st.sampled_from(RATES),
    )
    def book(self, member, provider, gross, rate):
        available = budget_available_pence(balances(self.transactions), member)
        assert available == self.held[member]
        if gross > available:
            with pytest.raises(InsufficientFunds) as raised:
                pay_for_booking(member, provider, gross, rate, available_pence=available)
            assert raised.value.shortfall_pence == gross - available
            return multiple()
        txn = pay_for_booking(member, provider, gross, rate, available_pence=available)
        self.record(txn)
        self.held[member] -= gross
        self.booked += gross
        return (member, gross, txn)

    @rule(payment=consumes(payments))
    def cancel(self, payment):
        member, gross, txn = payment
        self.record(refund_booking(txn))
        self.held[member] += gross
        self.booked -= gross

    @precondition(lambda self: self.fundings)
    @rule(data=st.data())
    def reverse_a_top_up(self, data):
        funding = data.draw(st.sampled_from(self.fundings))
        reversal = reverse(funding)
        after = balances([*self.transactions, reversal])
        member = funding.entries[1].account[1]
        amount = funding.entries[0].amount_pence
        if amount > self.held[member]:
            # The check catches what a reversal alone would allow, so it is not recorded.
            assert overdrawn_budgets(after) == {budget_account(member): amount - self.held[member]}
            return
        assert overdrawn_budgets(after) == {}
        self.record(reversal)
        self.fundings.remove(funding)
        self.held[member] -= amount
        self.received -= amount

    @invariant()
    def every_transaction_balances(self):
        for txn in self.transactions:
            assert sum(entry.amount_pence for entry in txn.entries) == 0

    @invariant()
    def money_is_conserved(self):
        totals = balances(self.transactions)
        assert sum(totals.values()) == 0
        came_in = sum(raw for account, raw in totals.items() if account[0] in {"bank", "funding"})
        assert came_in == self.received
        held = sum(budget_available_pence(totals, member) for member in MEMBERS)
        owed_and_earned = sum(
            natural_balance(account, raw)
            for account, raw in totals.items()
            if account[0] in {"provider_payable", "commission_income"}
        )
        assert held == sum(self.held.values())
        assert owed_and_earned == self.booked
        assert held + owed_and_earned == came_in

    @invariant()
    def no_budget_goes_below_zero(self):
        totals = balances(self.transactions)
        assert overdrawn_budgets(totals) == {}
        for member in MEMBERS:
            assert budget_available_pence(totals, member) == self.held[member] >= 0


TestLedger = LedgerMachine.TestCase
