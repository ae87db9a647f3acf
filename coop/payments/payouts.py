"""Paying providers what they are owed: a payout per provider, its lines, and its statement.

Payments knows accounts, amounts and booking ids, never what a booking is: which bookings'
money may be released is asked of the marketplace through ``signals.releasable``, and what
each booking was through ``signals.describe``. The UNIQUE key on payout items means no
booking's money is ever paid out twice, whatever two treasurers do at once.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member
from coop.money import format_pence
from coop.payments import ledger, postings, signals
from coop.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutItem,
    PayoutItemKind,
    TransactionKind,
)
from coop.payments.service import pounds
from coop.spreadsheet import safe_cell


class PayoutError(Exception):
    """A payout that cannot be recorded; the message says why and what to do."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def can_run_payouts(actor: Member | None) -> bool:
    """The treasurer (or, when there is none, the secretary) pays providers."""
    return roles.is_treasurer(actor)


def end_of(day: date) -> datetime:
    """The first moment after a London day, in UTC."""
    return clock.at_london(day + timedelta(days=1), time(0)).astimezone(UTC)


# --- What is owed ------------------------------------------------------------------------


def booking_money(provider_id: int, up_to: date) -> list[postings.BookingMoney]:
    """Each booking's money for this provider posted up to the end of ``up_to``, with what
    earlier payouts settled and whether the marketplace says it may be released by then."""
    payable = ledger.account_key(postings.provider_payable_account(provider_id))
    total = func.sum(LedgerEntry.amount_pence)
    rows = db.session.execute(
        select(LedgerTransaction.booking_id, LedgerTransaction.kind, total)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.key == payable,
            LedgerTransaction.booking_id.is_not(None),
            LedgerTransaction.kind.in_([TransactionKind.BOOKING_PAYMENT, TransactionKind.REFUND]),
            LedgerTransaction.posted_at < end_of(up_to),
        )
        .group_by(LedgerTransaction.booking_id, LedgerTransaction.kind)
    ).all()
    paid: dict[int, int] = {}
    refunded: dict[int, int] = {}
    for booking_id, kind, total in rows:
        if kind is TransactionKind.BOOKING_PAYMENT:
            paid[booking_id] = paid.get(booking_id, 0) - int(total)  # credits are negative
        else:
            refunded[booking_id] = refunded.get(booking_id, 0) + int(total)
    ids = set(paid) | set(refunded)
    settled = set(
        db.session.execute(
            select(PayoutItem.booking_id, PayoutItem.kind).where(PayoutItem.booking_id.in_(ids))
        ).all()
    )
    free = signals.releasable(ids, end_of(up_to))
    return [
        postings.BookingMoney(
            booking_id=booking_id,
            paid_pence=paid.get(booking_id, 0),
            refunded_pence=refunded.get(booking_id, 0),
            payment_paid_out=(booking_id, PayoutItemKind.PAYMENT) in settled,
            refund_paid_out=(booking_id, PayoutItemKind.REFUND) in settled,
            releasable=booking_id in free,
        )
        for booking_id in ids
    ]


def plan(provider_id: int, up_to: date) -> postings.PayoutPlan:
    """What a payout for this provider, for money up to ``up_to``, would settle now."""
    return postings.plan_payout(booking_money(provider_id, up_to))


@dataclass(frozen=True)
class ProviderDue:
    provider_id: int
    name: str
    plan: postings.PayoutPlan
    #: What the ledger says the co-op owes the provider now (negative: the provider owes).
    payable_pence: int


def providers_due(up_to: date) -> list[ProviderDue]:
    """Every provider the ledger has money for, with what its payout would be, by name."""
    accounts = list(
        db.session.scalars(select(LedgerAccount).where(LedgerAccount.provider_id.is_not(None)))
    )
    names = signals.provider_names({a.provider_id for a in accounts})
    due = [
        ProviderDue(
            a.provider_id,
            names.get(a.provider_id, f"Provider {a.provider_id}"),
            plan(a.provider_id, up_to),
            ledger.balance_of(a),
        )
        for a in accounts
    ]
    return sorted(due, key=lambda d: d.name.lower())


# --- Recording a payout ------------------------------------------------------------------


def _period_first(provider_id: int, up_to: date, lines) -> date:
    last = db.session.scalar(
        select(func.max(Payout.period_last)).where(Payout.provider_id == provider_id)
    )
    if last is not None:
        return min(last + timedelta(days=1), up_to)
    first_posted = db.session.scalar(
        select(func.min(LedgerTransaction.posted_at)).where(
            LedgerTransaction.booking_id.in_({booking_id for booking_id, _, _ in lines})
        )
    )
    return min(clock.london_date(first_posted), up_to) if first_posted else up_to


def run_payout(
    provider_id: int,
    up_to: date,
    paid_on: date,
    bank_reference: str,
    by: Member,
    now: datetime | None = None,
) -> Payout:
    """Record paying a provider for the money its plan settles, posting payable -> bank.

    The provider's payable account is locked first, so two runs at once are decided one
    after the other; the UNIQUE key on each booking's items is the last guard.
    """
    now = now or clock.now()
    if not can_run_payouts(by):
        raise PayoutError("Only the treasurer or the secretary can pay providers.")
    today = clock.london_today(now)
    if up_to > today:
        raise PayoutError("The payout can only cover money up to today.", "up_to")
    if paid_on > today:
        raise PayoutError("Enter the date the money was sent: today or in the past.", "paid_on")
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise PayoutError("Enter the reference on the bank transfer.", "bank_reference")
    payable = ledger.account(postings.provider_payable_account(provider_id), now)
    db.session.scalars(
        select(LedgerAccount).where(LedgerAccount.id == payable.id).with_for_update()
    ).one()
    found = plan(provider_id, up_to)
    if not found.lines:
        raise PayoutError("Nothing is owed to this provider for that period: it has been paid.")
    if found.total_pence <= 0:
        raise PayoutError(
            f"The provider owes the co-op {format_pence(-found.total_pence)} from refunds of "
            "bookings already paid out, so there is nothing to pay. It is carried to the next "
            "payout."
        )
    transaction = ledger.post(
        postings.pay_provider(
            provider_id,
            found.total_pence,
            bank=ledger.CLIENT_BANK,
            memo=f"Payout {bank_reference[:60]}",
        ),
        TransactionKind.PAYOUT,
        posted_by=by,
        reference=bank_reference[:60],
        now=now,
    )
    payout = Payout(
        provider_id=provider_id,
        period_first=_period_first(provider_id, up_to, found.lines),
        period_last=up_to,
        paid_on=paid_on,
        bank_reference=bank_reference[:60],
        amount_pence=found.total_pence,
        made_by_id=by.id,
        created_at=now,
        transaction_id=transaction.id,
        items=[
            PayoutItem(booking_id=booking_id, kind=PayoutItemKind(kind), amount_pence=amount)
            for booking_id, kind, amount in found.lines
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(payout)
    except IntegrityError:
        raise PayoutError(
            "Some of these bookings have just been paid out by someone else. Nothing more "
            "was recorded; look at the provider's payouts."
        ) from None
    return payout


# --- Reading payouts ---------------------------------------------------------------------


def payouts_of(provider_id: int) -> list[Payout]:
    """A provider's payouts, newest first."""
    return list(
        db.session.scalars(
            select(Payout)
            .where(Payout.provider_id == provider_id)
            .order_by(Payout.paid_on.desc(), Payout.id.desc())
        )
    )


def payout_of(provider_id: int, payout_id: int) -> Payout | None:
    """One of this provider's payouts; another provider's is None, whatever its id."""
    return db.session.scalar(
        select(Payout).where(Payout.id == payout_id, Payout.provider_id == provider_id)
    )


@dataclass(frozen=True)
class PayoutLine:
    item: PayoutItem
    reference: str
    item_text: str


def lines_of(payout: Payout) -> list[PayoutLine]:
    """A payout's items, each with the booking it covered in words (from the marketplace)."""
    ids = {item.booking_id for item in payout.items}
    payments = list(
        db.session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.booking_id.in_(ids),
                LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT,
            )
        )
    )
    described = signals.describe(payments)
    by_booking = {t.booking_id: described.get(t.id) for t in payments}
    lines = []
    for item in payout.items:
        about = by_booking.get(item.booking_id)
        reference = about.reference if about and about.reference else f"Booking {item.booking_id}"
        text = (about.item or about.text) if about else ""
        if item.kind is PayoutItemKind.REFUND:
            text = f"Refund taken back: {text}" if text else "Refund taken back"
        lines.append(PayoutLine(item, reference, text))
    return lines


STATEMENT_COLUMNS = ["Payout", "Paid on", "Bank reference", "Booking", "What", "Amount (pounds)"]


def statement_csv(payout: Payout, provider_name: str) -> str:
    """A payout statement for the provider's own books."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Payout statement", safe_cell(provider_name)])
    writer.writerow(["Period", payout.period_first.isoformat(), payout.period_last.isoformat()])
    writer.writerow([])
    writer.writerow(STATEMENT_COLUMNS)
    for line in lines_of(payout):
        writer.writerow(
            [
                payout.id,
                payout.paid_on.isoformat(),
                safe_cell(payout.bank_reference),
                safe_cell(line.reference),
                safe_cell(line.item_text),
                pounds(line.item.amount_pence),
            ]
        )
    writer.writerow(["Total paid", "", "", "", "", pounds(payout.amount_pence)])
    return out.getvalue()


def statement_pdf(payout: Payout, provider_name: str, site_name: str) -> bytes:
    """The payout statement as a PDF (WeasyPrint)."""
    from weasyprint import HTML  # slow to import; only PDFs need it

    page = render_template(
        "payments/payout_pdf.html",
        payout=payout,
        lines=lines_of(payout),
        provider_name=provider_name,
        site_name=site_name,
    )
    return HTML(string=page).write_pdf()
