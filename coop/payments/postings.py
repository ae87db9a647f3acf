"""The pure part of the double-entry ledger: entries, balanced transactions and balances."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from coop.money import format_pence

#: An account is a plain key: its kind first, then whatever identifies it,
#: e.g. ("budget", member_id), ("provider_payable", provider_id), ("commission_income",).
Account = tuple[Hashable, ...]

BUDGET = "budget"
PROVIDER_PAYABLE = "provider_payable"
COMMISSION_INCOME = "commission_income"
BANK = "bank"
FUNDING = "funding"
COSTS = "costs"
EARMARKED_SURPLUS = "earmarked_surplus"
#: What the co-op owes a Shared Lives carer household, keyed by the household's id.
CARER_PAYABLE = "carer_payable"
#: What a budget holder's budget owes a personal assistant for approved hours, keyed by the
#: PA's member id (coop.payments.pa_pay).
PA_PAYABLE = "pa_payable"

#: Money a group of budget holders pooled together, keyed by the pool's id (see pools.py).
POOL = "pool"

#: Income to the co-op from commission on bookings.
COMMISSION_INCOME_ACCOUNT: Account = (COMMISSION_INCOME,)

#: Kinds of account whose natural balance is a credit: money the co-op holds for a budget
#: holder or owes a provider (liabilities), and its income. Bank and funding accounts are
#: assets, whose natural balance is a debit.
CREDIT_NORMAL = frozenset(
    {
        BUDGET,
        PROVIDER_PAYABLE,
        COMMISSION_INCOME,
        EARMARKED_SURPLUS,
        CARER_PAYABLE,
        PA_PAYABLE,
        POOL,
    }
)

#: Where money arriving for a budget may come from.
SOURCE_KINDS = frozenset({BANK, FUNDING})


def budget_account(member_id: Hashable) -> Account:
    """The account holding a budget holder's money (direct payment or individual service fund)."""
    return (BUDGET, member_id)


def provider_payable_account(provider_id: Hashable) -> Account:
    """The account of what the co-op owes a provider for bookings."""
    return (PROVIDER_PAYABLE, provider_id)


def carer_payable_account(household_id: Hashable) -> Account:
    """The account of what the co-op owes a Shared Lives carer household."""
    return (CARER_PAYABLE, household_id)


def pa_payable_account(pa_member_id: Hashable) -> Account:
    """The account of what is owed to a personal assistant for approved hours."""
    return (PA_PAYABLE, pa_member_id)


def bank_account(name: Hashable) -> Account:
    """A bank account of the co-op's, e.g. bank_account('client') for budget holders' money."""
    return (BANK, name)


def funding_account(source: Hashable) -> Account:
    """Money due from a funder, e.g. funding_account('council') for an individual service fund."""
    return (FUNDING, source)


class LedgerError(ValueError):
    """Something the ledger refuses to record."""


class InvalidTransaction(LedgerError):
    """A transaction that is not a valid double entry; ``problems`` says why."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


class InsufficientFunds(LedgerError):
    """A budget that cannot cover a payment; carries what it holds, needs and lacks in pence."""

    def __init__(self, account: Account, available_pence: int, needed_pence: int):
        self.account = account
        self.available_pence = available_pence
        self.needed_pence = needed_pence
        self.shortfall_pence = needed_pence - available_pence
        super().__init__(
            f"The budget holds {format_pence(available_pence)} but this costs "
            f"{format_pence(needed_pence)}, so it is {format_pence(self.shortfall_pence)} short."
        )


@dataclass(frozen=True)
class Entry:
    """One line of a transaction: an amount in pence posted to an account.

    The sign says the side: a debit is positive and a credit is negative, so the entries of
    every transaction add up to zero. Money arriving in a budget is a credit to the budget
    (the co-op holds more for its holder) and a debit to the bank or funding account it came
    in through; spending from a budget is a debit to it.
    """

    account: Account
    amount_pence: int

    @property
    def is_debit(self) -> bool:
        """Say whether this entry is a debit (positive) rather than a credit (negative)."""
        return self.amount_pence > 0


def _is_pence(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_account(value: object) -> bool:
    return isinstance(value, tuple) and bool(value) and isinstance(value[0], str)


def validate_transaction(entries: Iterable[Entry], memo: str) -> None:
    """Refuse anything that is not a balanced double entry, raising InvalidTransaction.

    A transaction needs a memo and at least one entry; every entry needs an account key and
    a whole, non-zero number of pence; and debits must equal credits, so money is neither
    made nor lost. :class:`Transaction` calls this, so an invalid one cannot be built.
    """
    entries = tuple(entries)
    problems = []
    if not (isinstance(memo, str) and memo.strip()):
        problems.append("A transaction needs a memo saying what it is for.")
    if not entries:
        problems.append("A transaction needs at least one entry.")
    amounts_ok = True
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Entry):
            problems.append(f"Entry {number} is not an Entry.")
            amounts_ok = False
            continue
        if not _is_account(entry.account):
            problems.append(
                f"Entry {number}: the account must be a key such as ('budget', 42), "
                f"not {entry.account!r}."
            )
        if not _is_pence(entry.amount_pence):
            problems.append(
                f"Entry {number}: the amount must be a whole number of pence, "
                f"not {entry.amount_pence!r}."
            )
            amounts_ok = False
        elif entry.amount_pence == 0:
            problems.append(f"Entry {number}: an entry of 0p moves no money.")
    if amounts_ok and entries:
        difference = sum(entry.amount_pence for entry in entries)
        if difference:
            problems.append(
                f"The debits and credits differ by {abs(difference)}p; they must be equal."
            )
    if problems:
        raise InvalidTransaction(problems)


@dataclass(frozen=True)
class Transaction:
    """A balanced set of entries recorded together, with a memo saying what it is for."""

    entries: tuple[Entry, ...]
    memo: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))
        validate_transaction(self.entries, self.memo)


def _require_positive_pence(amount_pence: object, what: str) -> None:
    if not _is_pence(amount_pence) or amount_pence <= 0:
        raise LedgerError(f"{what} must be a whole number of pence, more than 0.")


class FundingKind(enum.Enum):
    """How a budget holder's money reaches the co-op."""

    DIRECT_PAYMENT = "direct payment"
    INDIVIDUAL_SERVICE_FUND = "individual service fund"


def receive_funding(
    member_id: Hashable,
    amount_pence: int,
    kind: FundingKind,
    *,
    source: Account,
    memo: str | None = None,
) -> Transaction:
    """Record money arriving in a budget holder's budget, through a bank or funding account.

    The source (a bank account for a direct payment paid in, a funding account for an
    individual service fund due from a funder) is debited and the budget credited.
    """
    _require_positive_pence(amount_pence, "The amount received")
    if not isinstance(kind, FundingKind):
        raise LedgerError(
            "Say whether the money is a direct payment or an individual service fund."
        )
    if not (_is_account(source) and source[0] in SOURCE_KINDS):
        raise LedgerError("Money for a budget must come in through a bank or funding account.")
    entries = (Entry(source, amount_pence), Entry(budget_account(member_id), -amount_pence))
    return Transaction(entries, memo or kind.value.capitalize() + " received")


def basis_points(points: int) -> Fraction:
    """Turn a rate in basis points into an exact fraction: 800 basis points is 8%."""
    if not _is_pence(points):
        raise LedgerError("A rate in basis points must be a whole number.")
    return Fraction(points, 10_000)


def _exact_rate(rate: object) -> Fraction:
    if isinstance(rate, bool) or not isinstance(rate, Fraction | Decimal | int):
        raise LedgerError(
            "The commission rate must be exact (a Fraction, a Decimal or basis_points()), "
            f"not {rate!r}."
        )
    exact = Fraction(rate)
    if not 0 <= exact < 1:
        raise LedgerError("The commission rate must be at least 0% and less than 100%.")
    return exact


def commission_split(gross_pence: int, rate: Fraction | Decimal | int) -> tuple[int, int]:
    """Split a booking's gross into (commission, provider's net), which add up to the gross.

    Commission is the gross times the co-op's rate, rounded down to a whole penny, so the
    co-op never takes more than its stated rate; the provider gets all the rest.
    """
    exact = _exact_rate(rate)
    commission = gross_pence * exact.numerator // exact.denominator
    return commission, gross_pence - commission


def pay_for_booking(
    member_id: Hashable,
    provider_id: Hashable,
    gross_pence: int,
    commission_rate: Fraction | Decimal | int,
    *,
    available_pence: int,
    memo: str | None = None,
) -> Transaction:
    """Record paying for a booking from a budget holder's budget.

    The gross goes out of the budget (a debit); the commission goes to commission income and
    the rest to the provider's payable (credits), as :func:`commission_split` rounds it.
    ``available_pence`` is what the budget holds now: a booking it cannot cover is refused
    with :class:`InsufficientFunds`, so a budget never goes below zero. A free booking moves
    no money and needs no transaction, so a gross of 0 is refused too.
    """
    _require_positive_pence(gross_pence, "The price of a booking paid from a budget")
    if not _is_pence(available_pence):
        raise LedgerError("The money in the budget must be a whole number of pence.")
    account = budget_account(member_id)
    if gross_pence > available_pence:
        raise InsufficientFunds(account, available_pence, gross_pence)
    commission, net = commission_split(gross_pence, commission_rate)
    entries = [Entry(account, gross_pence), Entry(provider_payable_account(provider_id), -net)]
    if commission:
        entries.append(Entry(COMMISSION_INCOME_ACCOUNT, -commission))
    return Transaction(tuple(entries), memo or "Booking paid from budget")


def pay_by_card(
    clearing: Account,
    provider_id: Hashable,
    gross_pence: int,
    commission_rate: Fraction | Decimal | int,
    *,
    memo: str | None = None,
) -> Transaction:
    """Record a booking paid by card: the gross arrives in the card clearing account (a
    debit to a bank account), split between commission income and the provider's payable as
    :func:`commission_split` rounds it."""
    _require_positive_pence(gross_pence, "The price of a booking paid by card")
    if not clearing or clearing[0] != BANK:
        raise LedgerError("Card money arrives in a bank (clearing) account.")
    commission, net = commission_split(gross_pence, commission_rate)
    entries = [Entry(clearing, gross_pence), Entry(provider_payable_account(provider_id), -net)]
    if commission:
        entries.append(Entry(COMMISSION_INCOME_ACCOUNT, -commission))
    return Transaction(tuple(entries), memo or "Booking paid by card")


def reverse(transaction: Transaction, memo: str | None = None) -> Transaction:
    """Undo a transaction exactly: the same accounts, every amount with its sign flipped.

    Ledgers are never edited, so a mistake or a cancellation is put right by a reversal.
    Reversing money received can take a budget below zero: check the result with
    :func:`overdrawn_budgets` before recording it.
    """
    entries = tuple(Entry(entry.account, -entry.amount_pence) for entry in transaction.entries)
    return Transaction(entries, memo or f"Reversal: {transaction.memo}")


def is_booking_payment(transaction: Transaction) -> bool:
    """Say whether a transaction has the shape :func:`pay_for_booking` gives.

    That is one budget (or, paid by card, one bank clearing account) debited, at least one
    provider's payable credited, and otherwise only commission income credited.
    """
    budgets = providers = 0
    for entry in transaction.entries:
        kind = entry.account[0]
        if kind in (BUDGET, BANK) and entry.amount_pence > 0:
            budgets += 1
        elif kind == PROVIDER_PAYABLE and entry.amount_pence < 0:
            providers += 1
        elif not (kind == COMMISSION_INCOME and entry.amount_pence < 0):
            return False
    return budgets == 1 and providers >= 1


def refund_booking(payment: Transaction, memo: str | None = None) -> Transaction:
    """Refund a booking in full: the exact reversal of its payment.

    The whole gross returns to the budget, and the provider's share and the commission are
    both taken back, so a cancelled booking leaves every balance as it was before it.
    """
    if not is_booking_payment(payment):
        raise LedgerError(
            "Only a booking payment can be refunded; use reverse() for other transactions."
        )
    return reverse(payment, memo or f"Refund: {payment.memo}")


def balances(transactions: Iterable[Transaction]) -> dict[Account, int]:
    """Add up every account touched by the transactions, as raw signed pence.

    Debits are positive and credits negative, as in :class:`Entry`, so the balances of any
    set of transactions add up to zero. Use :func:`natural_balance` or
    :func:`budget_available_pence` for figures to show people.
    """
    totals: dict[Account, int] = {}
    for transaction in transactions:
        for entry in transaction.entries:
            totals[entry.account] = totals.get(entry.account, 0) + entry.amount_pence
    return totals


def natural_balance(account: Account, raw_pence: int) -> int:
    """Give a balance the way round people expect: money held, owed or earned is positive.

    Budgets, provider payables and commission income are credit accounts, so their raw
    balance is negated; bank and funding accounts are shown as they are.
    """
    return -raw_pence if account[0] in CREDIT_NORMAL else raw_pence


def budget_available_pence(totals: Mapping[Account, int], member_id: Hashable) -> int:
    """Give how much a budget holder's budget holds, from :func:`balances`."""
    account = budget_account(member_id)
    return natural_balance(account, totals.get(account, 0))


def overdrawn_budgets(totals: Mapping[Account, int]) -> dict[Account, int]:
    """Find budgets below zero in :func:`balances`, each with how many pence it is short.

    An empty result means no budget holder has spent more than they hold; the service checks
    this before it records anything that takes money out of a budget.
    """
    return {
        account: -natural_balance(account, raw)
        for account, raw in totals.items()
        if account[0] == BUDGET and natural_balance(account, raw) < 0
    }


# --- Paying providers --------------------------------------------------------------------

PAYMENT = "payment"
REFUND = "refund"


def pay_provider(
    provider_id: Hashable, amount_pence: int, *, bank: Account, memo: str
) -> Transaction:
    """Record paying a provider what it is owed: its payable is debited, the bank credited."""
    _require_positive_pence(amount_pence, "A payout")
    if not (_is_account(bank) and bank[0] == BANK):
        raise LedgerError("A provider is paid from one of the co-op's bank accounts.")
    return Transaction(
        (Entry(provider_payable_account(provider_id), amount_pence), Entry(bank, -amount_pence)),
        memo,
    )


@dataclass(frozen=True)
class BookingMoney:
    """A booking's money for its provider, as the ledger and earlier payouts show it."""

    booking_id: int
    #: The provider's share credited when the booking was paid for.
    paid_pence: int
    #: The provider's share taken back by a refund (a positive number; 0 if none).
    refunded_pence: int = 0
    payment_paid_out: bool = False
    refund_paid_out: bool = False
    #: Attended, or past its cancellation deadline, so the money is the provider's to keep.
    releasable: bool = False


@dataclass(frozen=True)
class PayoutPlan:
    """What a payout would settle: lines of (booking id, "payment" or "refund", pence) and the
    bookings whose money is held back to a later payout."""

    lines: tuple[tuple[int, str, int], ...]
    held_back: tuple[tuple[int, int], ...]

    @property
    def total_pence(self) -> int:
        return sum(amount for _, _, amount in self.lines)

    @property
    def held_back_pence(self) -> int:
        return sum(amount for _, amount in self.held_back)

    @property
    def carried_pence(self) -> int:
        """Refunds of bookings paid out before, taken back now (a positive number)."""
        return -sum(amount for _, kind, amount in self.lines if kind == REFUND and amount < 0)


def plan_payout(money: Iterable[BookingMoney]) -> PayoutPlan:
    """Decide what a provider's next payout settles, booking by booking.

    A payment not yet paid out is settled once its booking is releasable or has been refunded
    (the two then net off); otherwise it is held back. A refund of a booking already paid
    out is taken back from this payout, so a provider that was paid for a booking later
    refunded owes the co-op that money on its next payout.
    """
    lines: list[tuple[int, str, int]] = []
    held: list[tuple[int, int]] = []
    for booking in sorted(money, key=lambda m: m.booking_id):
        refund_due = booking.refunded_pence > 0 and not booking.refund_paid_out
        if booking.paid_pence > 0 and not booking.payment_paid_out:
            if refund_due:
                lines.append((booking.booking_id, PAYMENT, booking.paid_pence))
                lines.append((booking.booking_id, REFUND, -booking.refunded_pence))
            elif booking.releasable:
                lines.append((booking.booking_id, PAYMENT, booking.paid_pence))
            else:
                held.append((booking.booking_id, booking.paid_pence))
        elif booking.payment_paid_out and refund_due:
            lines.append((booking.booking_id, REFUND, -booking.refunded_pence))
    return PayoutPlan(tuple(lines), tuple(held))


# --- The co-op's own money ---------------------------------------------------------------


def costs_account(category: Hashable) -> Account:
    """What the co-op spent on one category of its own costs, e.g. ('costs', 'insurance')."""
    return (COSTS, category)


def earmarked_surplus_account(name: Hashable) -> Account:
    """Surplus members voted to spend on one funded proposal, set aside until it is spent."""
    return (EARMARKED_SURPLUS, name)


def pay_cost(category: Hashable, amount_pence: int, *, bank: Account, memo: str) -> Transaction:
    """Record one of the co-op's own costs paid from its bank: the cost debited, the bank
    credited."""
    _require_positive_pence(amount_pence, "A cost")
    return Transaction(
        (Entry(costs_account(category), amount_pence), Entry(bank, -amount_pence)), memo
    )


def earmark_surplus(name: Hashable, amount_pence: int, memo: str) -> Transaction:
    """Set part of the surplus aside for a funded proposal: commission income (the surplus
    members share out) is debited and the proposal's earmarked account credited."""
    _require_positive_pence(amount_pence, "An amount earmarked")
    return Transaction(
        (Entry(COMMISSION_INCOME_ACCOUNT, amount_pence),
         Entry(earmarked_surplus_account(name), -amount_pence)),
        memo,
    )  # fmt: skip


def year_figures(income_pence: int, costs_pence: int) -> int:
    """The surplus of a year: commission income less the co-op's own costs."""
    return income_pence - costs_pence


def spend_earmarked(name: Hashable, amount_pence: int, *, bank: Account, memo: str) -> Transaction:
    """Record money spent on an earmarked purpose: its account debited, the bank credited."""
    _require_positive_pence(amount_pence, "An amount spent")
    return Transaction(
        (Entry(earmarked_surplus_account(name), amount_pence), Entry(bank, -amount_pence)), memo
    )


def pay_from_budget(
    member_id: Hashable, amount_pence: int, *, bank: Account, memo: str
) -> Transaction:
    """Record a payment out of a budget to someone outside the marketplace (a PA's wages, a
    bill, an allowance): the budget debited, the bank the money leaves credited."""
    _require_positive_pence(amount_pence, "A payment")
    return Transaction(
        (Entry(budget_account(member_id), amount_pence), Entry(bank, -amount_pence)), memo[:200]
    )
