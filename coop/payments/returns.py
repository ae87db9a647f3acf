"""Quarterly audit returns for councils: a budget's money over a period, from the ledger alone.

Every figure is read from the budget's ledger entries: the opening balance is the sum of the
entries before the period, the closing balance the sum up to its end, and the lines between
them are grouped as money received, payments and refunds, so that the return proves
opening + received - paid + refunded (+ corrections) = closing.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, render_template
from sqlalchemy import func, select

from coop import clock
from coop.extensions import db
from coop.members.models import Member
from coop.money import format_pence
from coop.payments import postings, signals
from coop.payments.ledger import account_key
from coop.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from coop.payments.service import pounds
from coop.spreadsheet import safe_cell

#: A budget holding more than this many weeks of its usual funding is flagged (councils
#: claw back surpluses beyond about 4 to 8 weeks); COOP_OVERFUNDED_WEEKS changes it.
DEFAULT_OVERFUNDED_WEEKS = 8


class ReturnError(ValueError):
    """A period that cannot be reported on; the message says why."""


# --- Periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A run of whole London days, first and last included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReturnError("The end of the period must be on or after its start.")

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period (London midnight), in UTC for the database."""
        return clock.at_london(self.first, time(0)).astimezone(UTC)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period."""
        return clock.at_london(self.last + timedelta(days=1), time(0)).astimezone(UTC)

    @property
    def label(self) -> str:
        return f"{clock.format_date(self.first)} to {clock.format_date(self.last)}"

    @property
    def slug(self) -> str:
        return f"{self.first.isoformat()}_to_{self.last.isoformat()}"

    @property
    def weeks(self) -> float:
        return ((self.last - self.first).days + 1) / 7


def quarter_of(day: date) -> Period:
    """The calendar quarter holding ``day``: January to March, April to June, and so on."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    first = date(day.year, first_month, 1)
    next_first = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return Period(first, next_first - timedelta(days=1))


def recent_quarters(today: date, count: int = 4) -> list[Period]:
    """The quarter holding today and the ``count - 1`` before it, newest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.append(quarter_of(quarters[-1].first - timedelta(days=1)))
    return quarters


# --- The return --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLine:
    """One movement of the budget in the period, as a council reads it."""

    transaction_id: int
    posted_on: date
    #: Positive: money into the budget; negative: money out.
    amount_pence: int
    kind: str
    description: str
    reference: str = ""
    provider: str = ""
    item: str = ""
    made_by: str = ""
    received_on: date | None = None


@dataclass
class AuditReturn:
    member: Member
    period: Period
    opening_pence: int
    closing_pence: int
    received: list[ReturnLine] = field(default_factory=list)
    paid: list[ReturnLine] = field(default_factory=list)
    refunds: list[ReturnLine] = field(default_factory=list)
    corrections: list[ReturnLine] = field(default_factory=list)
    #: Weeks of usual funding the closing balance holds (None: no funding to compare with).
    weeks_held: float | None = None
    overfunded: bool = False

    @property
    def received_pence(self) -> int:
        return sum(line.amount_pence for line in self.received)

    def received_by_kind(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for line in self.received:
            totals[line.kind] = totals.get(line.kind, 0) + line.amount_pence
        return totals

    @property
    def paid_pence(self) -> int:
        return -sum(line.amount_pence for line in self.paid)

    @property
    def refunded_pence(self) -> int:
        return sum(line.amount_pence for line in self.refunds)

    @property
    def corrections_pence(self) -> int:
        return sum(line.amount_pence for line in self.corrections)

    @property
    def reconciles(self) -> bool:
        """Whether opening + received - paid + refunded + corrections equals closing."""
        return self.closing_pence == self.computed_closing_pence

    @property
    def computed_closing_pence(self) -> int:
        return (
            self.opening_pence
            + self.received_pence
            - self.paid_pence
            + self.refunded_pence
            + self.corrections_pence
        )

    @property
    def reconciliation(self) -> str:
        """The reconciliation line, in words and figures."""
        text = (
            f"Opening balance {format_pence(self.opening_pence)} + received "
            f"{format_pence(self.received_pence)} - paid {format_pence(self.paid_pence)} + "
            f"refunded {format_pence(self.refunded_pence)}"
        )
        if self.corrections:
            text += f" + corrections {format_pence(self.corrections_pence)}"
        text += f" = closing balance {format_pence(self.computed_closing_pence)}"
        return text


def _budget_account(member: Member) -> LedgerAccount | None:
    return db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.key == account_key(postings.budget_account(member.id))
        )
    )


def _balance_before(account: LedgerAccount | None, moment: datetime) -> int:
    if account is None:
        return 0
    raw = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0))
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account_id == account.id, LedgerTransaction.posted_at < moment)
    )
    return postings.natural_balance((postings.BUDGET,), int(raw))


def _made_by(transaction: LedgerTransaction, member: Member) -> str:
    """Who made a payment: the person, or someone acting for them."""
    who = transaction.posted_by
    if who is None or who.id == member.id:
        return member.name
    return f"{who.name}, acting for {member.name}"


def _weekly_funding_pence(account: LedgerAccount | None, period: Period) -> float | None:
    """The budget's usual weekly funding: what arrived in the year to the period's end."""
    if account is None:
        return None
    since = period.ends_before - timedelta(days=364)
    rows = db.session.execute(
        select(LedgerEntry.amount_pence, LedgerTransaction.posted_at)
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerEntry.account_id == account.id,
            LedgerTransaction.kind == TransactionKind.FUNDING,
            LedgerTransaction.posted_at >= since,
            LedgerTransaction.posted_at < period.ends_before,
        )
    ).all()
    if not rows:
        return None
    total = -sum(amount for amount, _ in rows)
    first = min(clock.london_date(posted) for _, posted in rows)
    weeks = max(1.0, ((period.last - first).days + 1) / 7)
    return total / min(weeks, 52.0)


def overfunded_weeks() -> int:
    return int(current_app.config.get("OVERFUNDED_WEEKS", DEFAULT_OVERFUNDED_WEEKS))


def weeks_of_funding(balance_pence: int, weekly_pence: float | None) -> float | None:
    """How many weeks of usual funding a balance is (None when there is no usual funding)."""
    if not weekly_pence or weekly_pence <= 0:
        return None
    return max(0, balance_pence) / weekly_pence


def audit_return(member: Member, period: Period) -> AuditReturn:
    """A budget holder's return for a period, every figure read from the ledger."""
    account = _budget_account(member)
    opening = _balance_before(account, period.starts_at)
    closing = _balance_before(account, period.ends_before)
    found = AuditReturn(member, period, opening, closing)
    if account is not None:
        rows = db.session.execute(
            select(LedgerTransaction, LedgerEntry.amount_pence)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(
                LedgerEntry.account_id == account.id,
                LedgerTransaction.posted_at >= period.starts_at,
                LedgerTransaction.posted_at < period.ends_before,
            )
            .order_by(LedgerTransaction.posted_at, LedgerTransaction.id)
        ).all()
        described = signals.describe([t for t, _ in rows])
        for transaction, raw in rows:
            amount = postings.natural_balance((postings.BUDGET,), raw)
            about = described.get(transaction.id)
            line = ReturnLine(
                transaction_id=transaction.id,
                posted_on=clock.london_date(transaction.posted_at),
                amount_pence=amount,
                kind=(
                    transaction.funding_kind.label
                    if transaction.kind is TransactionKind.FUNDING
                    else (about.what.capitalize() if about else transaction.kind.label)
                ),
                description=about.text if about else transaction.memo,
                reference=transaction.reference or (about.reference if about else ""),
                provider=about.provider if about else "",
                item=(about.item or about.text) if about else transaction.memo,
                made_by=(
                    about.made_by if about and about.made_by else _made_by(transaction, member)
                ),
                received_on=transaction.received_on,
            )
            if transaction.kind is TransactionKind.FUNDING:
                found.received.append(line)
            elif transaction.kind is TransactionKind.REFUND:
                found.refunds.append(line)
            elif transaction.kind is TransactionKind.REVERSAL or amount > 0:
                found.corrections.append(line)
            else:
                found.paid.append(line)
    found.weeks_held = weeks_of_funding(closing, _weekly_funding_pence(account, period))
    found.overfunded = found.weeks_held is not None and found.weeks_held > overfunded_weeks()
    return found


# --- Downloads ---------------------------------------------------------------------------

RETURN_COLUMNS = [
    "Section",
    "Date",
    "Kind",
    "Provider or payee",
    "What was bought",
    "Reference",
    "Made by",
    "Amount (pounds)",
]


def return_csv(found: AuditReturn, site_name: str) -> str:
    """The return as a spreadsheet: the heading figures, every line, and the reconciliation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    member = found.member
    writer.writerow(["Quarterly return", safe_cell(site_name)])
    writer.writerow(["Budget holder", safe_cell(member.name)])
    writer.writerow(["Member number", member.member_number or ""])
    writer.writerow(["Period", found.period.first.isoformat(), found.period.last.isoformat()])
    writer.writerow([])
    writer.writerow(RETURN_COLUMNS)
    writer.writerow(["Opening balance", found.period.first.isoformat(), "", "", "", "", "",
                     pounds(found.opening_pence)])  # fmt: skip
    sections = (
        ("Received", found.received),
        ("Paid", found.paid),
        ("Refund", found.refunds),
        ("Correction", found.corrections),
    )
    for section, lines in sections:
        for line in lines:
            writer.writerow(
                [
                    section,
                    (line.received_on or line.posted_on).isoformat(),
                    safe_cell(line.kind),
                    safe_cell(line.provider),
                    safe_cell(line.item),
                    safe_cell(line.reference),
                    safe_cell(line.made_by),
                    pounds(line.amount_pence),
                ]
            )
    writer.writerow(["Closing balance", found.period.last.isoformat(), "", "", "", "", "",
                     pounds(found.closing_pence)])  # fmt: skip
    writer.writerow([])
    writer.writerow(["Total received", pounds(found.received_pence)])
    for kind, pence in found.received_by_kind().items():
        writer.writerow([f"Received as {kind.lower()}", pounds(pence)])
    writer.writerow(["Total paid", pounds(found.paid_pence)])
    writer.writerow(["Total refunded", pounds(found.refunded_pence)])
    if found.corrections:
        writer.writerow(["Total corrections", pounds(found.corrections_pence)])
    writer.writerow(["Reconciliation", safe_cell(found.reconciliation),
                     "Reconciles" if found.reconciles else "DOES NOT RECONCILE"])  # fmt: skip
    return out.getvalue()


def return_pdf(found: AuditReturn, site_name: str) -> bytes:
    """The return laid out for a council, as a PDF made with WeasyPrint."""
    from weasyprint import HTML  # imported here: it is slow to load and only PDFs need it

    page = render_template("payments/return_pdf.html", r=found, site_name=site_name)
    return HTML(string=page).write_pdf()


def filename(found: AuditReturn, extension: str) -> str:
    number = found.member.member_number or f"id{found.member.id}"
    return f"return_{number}_{found.period.slug}.{extension}"


def quarter_zip(returns: list[AuditReturn], site_name: str) -> bytes:
    """Every budget holder's return for a period, CSV and PDF each, in one zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for found in returns:
            archive.writestr(filename(found, "csv"), return_csv(found, site_name))
            archive.writestr(filename(found, "pdf"), return_pdf(found, site_name))
    return out.getvalue()
