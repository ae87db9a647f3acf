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
#: What the co-op owes a Shared Lives carer household, keyed by the household's id.
CARER_PAYABLE = "carer_payable"

#: Income to the co-op from commission on bookings.
COMMISSION_INCOME_ACCOUNT: Account = (COMMISSION_INCOME,)

#: Kinds of account whose natural balance is a credit: money the co-op holds for a budget
#: holder or owes a provider (liabilities), and its income. Bank and funding accounts are
#: assets, whose natural balance is a debit.
CREDIT_NORMAL = frozenset({BUDGET, PROVIDER_PAYABLE, COMMISSION_INCOME, CARER_PAYABLE})

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

    That is one budget debited, at least one provider's payable credited, and otherwise
    only commission income credited.
    """
    budgets = providers = 0
    for entry in transaction.entries:
        kind = entry.account[0]
        if kind == BUDGET and entry.amount_pence > 0:
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
