"""The ledger in the database: accounts, balanced transactions posted once, balances from entries.

The arithmetic and the shape of each transaction come from the pure ``postings`` module; this
module stores them, locks a budget while money leaves it, and reads balances back.
"""

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member
from coop.payments import postings
from coop.payments.models import (
    AccountKind,
    FundingKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)

#: Where a direct payment paid to the co-op arrives, and where an individual service fund is
#: owed from (the council that commissions it).
CLIENT_BANK = postings.bank_account("client")
COUNCIL_FUNDING = postings.funding_account("council")

#: The most a secretary may record as arriving in one go (£100,000), to catch typing slips.
MAX_FUNDING_PENCE = 10_000_000


class LedgerError(Exception):
    """Something the ledger refuses; the message says why in plain English."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def account_key(key: postings.Account) -> str:
    """Write a postings account key as text, e.g. ('budget', 42) as 'budget:42'."""
    return ":".join(str(part) for part in key)


def account(key: postings.Account, now: datetime | None = None) -> LedgerAccount:
    """The stored account for a postings key, opened the first time it is needed.

    Two requests may open the same account at once; the UNIQUE key lets one win and the
    other read what it made.
    """
    text = account_key(key)
    found = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == text))
    if found is not None:
        return found
    kind = AccountKind(key[0])
    opened = LedgerAccount(
        key=text,
        kind=kind,
        member_id=key[1] if kind is AccountKind.BUDGET else None,
        provider_id=key[1] if kind is AccountKind.PROVIDER_PAYABLE else None,
        opened_at=now or clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(opened)
    except IntegrityError:
        return db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == text))
    return opened


def balance_of(ledger_account: LedgerAccount) -> int:
    """The account's balance the way people read it (money held, owed or earned is positive)."""
    raw = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
            LedgerEntry.account_id == ledger_account.id
        )
    )
    return postings.natural_balance((ledger_account.kind.value,), int(raw))


def budget_balance(member: Member) -> int:
    """How much a budget holder's budget holds now, in pence."""
    found = db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.key == account_key(postings.budget_account(member.id))
        )
    )
    return 0 if found is None else balance_of(found)


def lock_budget(member: Member) -> LedgerAccount:
    """Lock a budget holder's budget account until the transaction ends, and return it.

    Everything that takes money out of a budget locks it first, so two bookings at once
    are decided one after the other (SQLite's BEGIN IMMEDIATE does the same there).
    """
    opened = account(postings.budget_account(member.id))
    return db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id == opened.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def post(
    transaction: postings.Transaction,
    kind: TransactionKind,
    *,
    posted_by: Member | None = None,
    booking_id: int | None = None,
    reverses: LedgerTransaction | None = None,
    funding_kind: FundingKind | None = None,
    received_on: date | None = None,
    reference: str | None = None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Store a balanced transaction (``postings`` has already refused an unbalanced one)."""
    now = now or clock.now()
    accounts = [account(entry.account, now) for entry in transaction.entries]
    stored = LedgerTransaction(
        kind=kind,
        memo=transaction.memo[:200],
        posted_at=now,
        posted_by=posted_by,
        booking_id=booking_id,
        reverses=reverses,
        funding_kind=funding_kind,
        received_on=received_on,
        reference=reference,
        entries=[
            LedgerEntry(account=opened, amount_pence=entry.amount_pence)
            for opened, entry in zip(accounts, transaction.entries, strict=True)
        ],
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def as_posting(stored: LedgerTransaction) -> postings.Transaction:
    """Read a stored transaction back as the pure type, e.g. to refund or reverse it."""
    entries = tuple(
        postings.Entry(_key_of(entry.account), entry.amount_pence) for entry in stored.entries
    )
    return postings.Transaction(entries, stored.memo)


def _key_of(ledger_account: LedgerAccount) -> postings.Account:
    kind, _, rest = ledger_account.key.partition(":")
    if not rest:
        return (kind,)
    return (kind, int(rest)) if rest.isdigit() else (kind, rest)


# --- Money arriving ----------------------------------------------------------------------


def record_funding(
    member: Member,
    amount_pence: int,
    funding_kind: FundingKind,
    received_on: date,
    reference: str,
    by: Member,
    now: datetime | None = None,
) -> LedgerTransaction:
    """The secretary records money arriving in a budget holder's budget."""

    if not roles.is_secretary(by):
        raise LedgerError("Only the secretary can record money arriving in a budget.")
    if not roles.is_budget_holder(member):
        raise LedgerError("Money can only be paid into an approved budget holder's budget.")
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise LedgerError("Enter an amount more than £0.", field="amount")
    if amount_pence > MAX_FUNDING_PENCE:
        raise LedgerError("Enter an amount of £100,000 or less.", field="amount")
    if received_on > clock.london_today(now):
        raise LedgerError("The date the money arrived must be today or in the past.", "received_on")
    reference = (reference or "").strip()
    if not reference:
        raise LedgerError(
            "Enter the bank or remittance reference, so the money can be traced.", "reference"
        )
    budget = lock_budget(member)  # so a double-clicked form cannot record the money twice
    earlier = db.session.scalar(
        select(LedgerTransaction)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerEntry.account_id == budget.id,
            LedgerTransaction.kind == TransactionKind.FUNDING,
            func.lower(LedgerTransaction.reference) == reference[:60].lower(),
        )
        .limit(1)
    )
    if earlier is not None:
        raise LedgerError(
            f"Money with the reference {earlier.reference} was already recorded for "
            f"{member.name} (received {earlier.received_on:%d/%m/%Y}). If this is different "
            "money, enter its own reference.",
            "reference",
        )
    source = CLIENT_BANK if funding_kind is FundingKind.DIRECT_PAYMENT else COUNCIL_FUNDING
    transaction = postings.receive_funding(
        member.id,
        amount_pence,
        funding_kind.posting_kind,
        source=source,
        memo=f"{funding_kind.label} received for {member.name}",
    )
    return post(
        transaction,
        TransactionKind.FUNDING,
        posted_by=by,
        funding_kind=funding_kind,
        received_on=received_on,
        reference=reference[:60],
        now=now,
    )


# --- Paying for bookings -----------------------------------------------------------------


def pay_for_booking(
    member: Member,
    provider_id: int,
    gross_pence: int,
    booking_id: int,
    memo: str,
    commission_rate: Fraction,
    now: datetime | None = None,
    by: Member | None = None,
) -> LedgerTransaction:
    """Take a booking's price from the budget, split between the provider and commission.

    The caller says what the booking is (its id and memo) and the commission rate in force;
    the ledger knows only accounts and amounts. ``by`` is whoever made the booking when it
    is not the budget holder (someone acting for them), so a council's return can say so.
    Raises ``postings.InsufficientFunds`` when the budget cannot cover it; the caller rolls
    the whole booking back.
    """
    locked = lock_budget(member)
    transaction = postings.pay_for_booking(
        member.id,
        provider_id,
        gross_pence,
        commission_rate,
        available_pence=balance_of(locked),
        memo=memo,
    )
    return post(
        transaction,
        TransactionKind.BOOKING_PAYMENT,
        posted_by=by or member,
        booking_id=booking_id,
        now=now,
    )


def payment_for(booking_id: int) -> LedgerTransaction | None:
    """The payment transaction of a booking, if it was paid for."""
    return db.session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.booking_id == booking_id,
            LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT,
        )
    )


def refund(
    payment: LedgerTransaction, memo: str, by: Member | None, now: datetime | None = None
) -> LedgerTransaction:
    """Refund a booking's payment in full: its exact reversal. UNIQUE stops a second refund."""
    transaction = postings.refund_booking(as_posting(payment), memo)
    return post(
        transaction,
        TransactionKind.REFUND,
        posted_by=by,
        booking_id=payment.booking_id,
        reverses=payment,
        now=now,
    )


# --- Reading the ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    transaction: LedgerTransaction
    #: Money into the account is positive, money out negative.
    amount_pence: int
    balance_pence: int


def statement(ledger_account: LedgerAccount) -> list[StatementLine]:
    """Every movement on an account, oldest first, with the balance after each."""
    rows = db.session.execute(
        select(LedgerTransaction, LedgerEntry.amount_pence)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account_id == ledger_account.id)
        .order_by(LedgerTransaction.posted_at, LedgerTransaction.id)
    ).all()
    lines, running = [], 0
    for transaction, raw in rows:
        amount = postings.natural_balance((ledger_account.kind.value,), raw)
        running += amount
        lines.append(StatementLine(transaction, amount, running))
    return lines


def budget_statement(member: Member) -> list[StatementLine]:
    """A budget holder's budget statement; empty until money first arrives."""
    found = db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.key == account_key(postings.budget_account(member.id))
        )
    )
    return [] if found is None else statement(found)


@dataclass(frozen=True)
class Earnings:
    """A provider's money from bookings: what was paid, the co-op's commission, what it gets."""

    gross_pence: int = 0
    commission_pence: int = 0
    net_pence: int = 0

    def __add__(self, other: "Earnings") -> "Earnings":
        return Earnings(
            self.gross_pence + other.gross_pence,
            self.commission_pence + other.commission_pence,
            self.net_pence + other.net_pence,
        )


def earnings_by_booking(provider_id: int) -> dict[int, Earnings]:
    """Each booking's money for this provider, from the ledger alone: payments less refunds.

    Keyed by the booking id the paying domain gave each transaction. The net is what the
    provider's payable account was credited, the commission what commission income took, and
    the gross their sum, whichever way the money came in.
    """
    payable = account_key(postings.provider_payable_account(provider_id))
    commission = account_key(postings.COMMISSION_INCOME_ACCOUNT)
    of_this_provider = (
        select(LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.key == payable)
    )
    rows = db.session.execute(
        select(LedgerTransaction.booking_id, LedgerAccount.key, func.sum(LedgerEntry.amount_pence))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerTransaction.booking_id.is_not(None),
            LedgerTransaction.kind.in_([TransactionKind.BOOKING_PAYMENT, TransactionKind.REFUND]),
            LedgerTransaction.id.in_(of_this_provider),
            LedgerAccount.key.in_([payable, commission]),
        )
        .group_by(LedgerTransaction.booking_id, LedgerAccount.key)
    ).all()
    money: dict[int, Earnings] = {}
    for booking_id, key, total in rows:
        credited = -int(total or 0)  # both are credit accounts: money in is negative
        part = (
            Earnings(gross_pence=credited, net_pence=credited)
            if key == payable
            else Earnings(gross_pence=credited, commission_pence=credited)
        )
        money[booking_id] = money.get(booking_id, Earnings()) + part
    return money


def all_transactions_balance() -> bool:
    """Whether every stored transaction's entries add up to zero (an auditor's check)."""
    unbalanced = db.session.scalar(
        select(func.count()).select_from(
            select(LedgerEntry.transaction_id)
            .group_by(LedgerEntry.transaction_id)
            .having(func.sum(LedgerEntry.amount_pence) != 0)
            .subquery()
        )
    )
    return unbalanced == 0
