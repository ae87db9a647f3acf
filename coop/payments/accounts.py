"""The co-op's own accounts: its costs, and each financial year's income, costs and surplus.

Income is the commission the ledger took on bookings (less commission given back by
refunds); costs are what the treasurer recorded; the surplus is the one less the other.
Every figure is summed from ledger entries, so the year page, the surplus ballot and an
auditor's CSV always agree.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member
from coop.money import format_pence
from coop.payments import ledger, postings, signals
from coop.payments.models import (
    CoopCost,
    CostCategory,
    Earmark,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from coop.payments.returns import Period

#: The co-op's own bank account, which pays its costs.
OPERATING_BANK = postings.bank_account("operating")

#: The most one cost may be (£100,000), to catch typing slips.
MAX_COST_PENCE = 10_000_000


class AccountsError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def can_record_costs(actor: Member | None) -> bool:
    """The treasurer (or, when there is none, the secretary) records the co-op's costs."""
    return roles.is_treasurer(actor)


def can_see_accounts(actor: Member | None) -> bool:
    """Every member sees the co-op's accounts: it is their co-op."""
    return roles.is_member(actor)


# --- Financial years ---------------------------------------------------------------------


def year_end_setting() -> tuple[int, int]:
    """The (month, day) the co-op's financial year ends on, from COOP_YEAR_END ("03-31")."""
    text = current_app.config.get("YEAR_END", "03-31")
    month, day = (int(part) for part in text.split("-"))
    date(2001, month, day)  # refuses a day that is not real (29 February has no every year)
    return month, day


def financial_year(ends_in: int, year_end: tuple[int, int]) -> Period:
    """The financial year ending in calendar year ``ends_in``."""
    month, day = year_end
    last = date(ends_in, month, day)
    return Period(date(ends_in - 1, month, day) + timedelta(days=1), last)


def year_holding(day: date, year_end: tuple[int, int]) -> Period:
    """The financial year a day falls in."""
    this = financial_year(day.year, year_end)
    return this if day <= this.last else financial_year(day.year + 1, year_end)


def last_closed_year(today: date, year_end: tuple[int, int]) -> Period:
    """The most recent financial year that has ended."""
    return year_holding(year_holding(today, year_end).first - timedelta(days=1), year_end)


def year_label(period: Period) -> str:
    """A financial year's name, e.g. "2025 to 2026"."""
    if period.first.year == period.last.year:
        return str(period.last.year)
    return f"{period.first.year} to {period.last.year}"


# --- Costs -------------------------------------------------------------------------------


def record_cost(
    spent_on: date,
    amount_pence: int,
    category: CostCategory,
    description: str,
    reference: str,
    by: Member,
    now: datetime | None = None,
) -> CoopCost:
    """The treasurer records one of the co-op's costs, posted to the ledger costs -> bank."""
    now = now or clock.now()
    if not can_record_costs(by):
        raise AccountsError("Only the treasurer or the secretary can record the co-op's costs.")
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise AccountsError("Enter an amount more than £0.", "amount")
    if amount_pence > MAX_COST_PENCE:
        raise AccountsError("Enter an amount of £100,000 or less.", "amount")
    if spent_on > clock.london_today(now):
        raise AccountsError("The date paid must be today or in the past.", "spent_on")
    description, reference = (description or "").strip(), (reference or "").strip()
    if not description:
        raise AccountsError("Say what the cost was for.", "description")
    if not reference:
        raise AccountsError("Enter the invoice or bank reference.", "reference")
    transaction = ledger.post(
        postings.pay_cost(
            category.value,
            amount_pence,
            bank=OPERATING_BANK,
            memo=f"{category.label}: {description}"[:200],
        ),
        TransactionKind.COST,
        posted_by=by,
        reference=reference[:60],
        received_on=spent_on,
        now=now,
    )
    cost = CoopCost(
        spent_on=spent_on,
        amount_pence=amount_pence,
        category=category,
        description=description[:200],
        reference=reference[:60],
        recorded_by_id=by.id,
        created_at=now,
        transaction_id=transaction.id,
    )
    db.session.add(cost)
    db.session.flush()
    return cost


def costs_in(period: Period) -> list[CoopCost]:
    return list(
        db.session.scalars(
            select(CoopCost)
            .where(CoopCost.spent_on >= period.first, CoopCost.spent_on <= period.last)
            .order_by(CoopCost.spent_on, CoopCost.id)
        )
    )


# --- A year's figures --------------------------------------------------------------------


@dataclass
class YearAccounts:
    period: Period
    #: The first day of each month of the year, in order.
    months: list[date]
    income_by_month: dict[date, int] = field(default_factory=dict)
    costs_by_month: dict[date, int] = field(default_factory=dict)
    income_by_category: dict[str, int] = field(default_factory=dict)
    costs_by_category: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return year_label(self.period)

    @property
    def income_pence(self) -> int:
        return sum(self.income_by_month.values())

    @property
    def costs_pence(self) -> int:
        return sum(self.costs_by_month.values())

    @property
    def surplus_pence(self) -> int:
        return postings.year_figures(self.income_pence, self.costs_pence)

    @property
    def largest_month_pence(self) -> int:
        return max([1, *self.income_by_month.values(), *self.costs_by_month.values()])


def _months(period: Period) -> list[date]:
    months, day = [], period.first.replace(day=1)
    while day <= period.last:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def year_accounts(period: Period) -> YearAccounts:
    """Income (commission on bookings, less commission refunded), costs and the surplus for
    a financial year, by month and by category."""
    months = _months(period)
    found = YearAccounts(period, months, {m: 0 for m in months}, {m: 0 for m in months})
    commission = ledger.account_key(postings.COMMISSION_INCOME_ACCOUNT)
    rows = db.session.execute(
        select(LedgerTransaction, LedgerEntry.amount_pence)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.key == commission,
            LedgerTransaction.kind.in_([TransactionKind.BOOKING_PAYMENT, TransactionKind.REFUND]),
            LedgerTransaction.posted_at >= period.starts_at,
            LedgerTransaction.posted_at < period.ends_before,
        )
    ).all()
    described = signals.describe([t for t, _ in rows])
    for transaction, raw in rows:
        pence = -raw  # commission income is a credit account
        month = clock.london_date(transaction.posted_at).replace(day=1)
        found.income_by_month[month] += pence
        about = described.get(transaction.id)
        category = about.category if about and about.category else "Other"
        found.income_by_category[category] = found.income_by_category.get(category, 0) + pence
    for cost in costs_in(period):
        found.costs_by_month[cost.spent_on.replace(day=1)] += cost.amount_pence
        label = cost.category.label
        found.costs_by_category[label] = found.costs_by_category.get(label, 0) + cost.amount_pence
    return found


def closed_year_accounts(today: date | None = None) -> YearAccounts:
    """The accounts of the last financial year that has ended: the surplus members share."""
    today = today or clock.london_today()
    return year_accounts(last_closed_year(today, year_end_setting()))


# --- Surplus set aside for what members voted ---------------------------------------------


def earmark_surplus(
    key: str, title: str, source: str, amount_pence: int, now: datetime | None = None
) -> Earmark | None:
    """Set surplus aside for a purpose members voted for, once per ``key``.

    Posted commission income -> the purpose's earmarked-surplus account. Returns None when
    that key was set aside before (the UNIQUE key decides, so a second run does nothing).
    """
    now = now or clock.now()
    if db.session.scalar(select(Earmark).where(Earmark.key == key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            transaction = ledger.post(
                postings.earmark_surplus(key, amount_pence, f"Surplus set aside: {title}"[:200]),
                TransactionKind.EARMARK,
                reference=key[:60],
                now=now,
            )
            earmark = Earmark(
                key=key,
                title=title[:200],
                source=source[:120],
                amount_pence=amount_pence,
                created_at=now,
                transaction_id=transaction.id,
            )
            db.session.add(earmark)
    except IntegrityError:
        return None
    return earmark


@dataclass(frozen=True)
class EarmarkSpend:
    spent_on: date
    description: str
    reference: str
    amount_pence: int


@dataclass(frozen=True)
class EarmarkBalance:
    earmark: Earmark
    spends: list[EarmarkSpend]

    @property
    def spent_pence(self) -> int:
        return sum(s.amount_pence for s in self.spends)

    @property
    def left_pence(self) -> int:
        return self.earmark.amount_pence - self.spent_pence


def _earmark_account(earmark: Earmark) -> LedgerAccount:
    """The earmark's ledger account (opened when the surplus was set aside; read only here)."""
    key = ledger.account_key(postings.earmarked_surplus_account(earmark.key))
    return db.session.scalars(select(LedgerAccount).where(LedgerAccount.key == key)).one()


def earmark_balance(earmark: Earmark) -> EarmarkBalance:
    """What was set aside for a purpose, and each spend against it, from its ledger account."""
    spends = [
        EarmarkSpend(
            line.transaction.received_on or clock.london_date(line.transaction.posted_at),
            line.transaction.memo,
            line.transaction.reference or "",
            -line.amount_pence,
        )
        for line in ledger.statement(_earmark_account(earmark))
        if line.transaction.kind is TransactionKind.EARMARK_SPENT
    ]
    return EarmarkBalance(earmark, spends)


def earmarks() -> list[EarmarkBalance]:
    """Every earmark, newest first, with what was spent against it."""
    found = db.session.scalars(select(Earmark).order_by(Earmark.created_at.desc(), Earmark.id))
    return [earmark_balance(e) for e in found]


def spend_from_earmark(
    earmark: Earmark,
    amount_pence: int,
    spent_on: date,
    description: str,
    reference: str,
    by: Member,
    now: datetime | None = None,
):
    """The treasurer records money spent on a purpose members voted for; never more than is
    left of what was set aside (the earmark's account is locked while it is checked)."""
    now = now or clock.now()
    if not can_record_costs(by):
        raise AccountsError("Only the treasurer or the secretary can record spending.")
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise AccountsError("Enter an amount more than £0.", "amount")
    if spent_on > clock.london_today(now):
        raise AccountsError("The date paid must be today or in the past.", "spent_on")
    description, reference = (description or "").strip(), (reference or "").strip()
    if not description or not reference:
        raise AccountsError("Say what was bought and give the invoice or bank reference.")
    locked = db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id == _earmark_account(earmark).id)
        .with_for_update()
    ).one()
    left = ledger.balance_of(locked)
    if amount_pence > left:
        raise AccountsError(
            f"Only {format_pence(left)} is left of the money set aside for {earmark.title}.",
            "amount",
        )
    return ledger.post(
        postings.spend_earmarked(
            earmark.key, amount_pence, bank=OPERATING_BANK, memo=description[:200]
        ),
        TransactionKind.EARMARK_SPENT,
        posted_by=by,
        reference=reference[:60],
        received_on=spent_on,
        now=now,
    )
