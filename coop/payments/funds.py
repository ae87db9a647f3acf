"""Individual service funds the co-op manages: payments to named payees, receipts, and
repeating payments posted on their dates without ever overdrawing the fund."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from coop import clock, email
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member, Office, Officer
from coop.money import format_pence
from coop.payments import ledger, postings, signals
from coop.payments.models import (
    FundingKind,
    FundPayment,
    FundPaymentKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Receipt,
    RepeatEvery,
    RepeatingPayment,
    TransactionKind,
)

#: The largest receipt accepted, in bytes (5 MB: a phone photo or a scanned page).
MAX_RECEIPT_BYTES = 5 * 1024 * 1024


class FundError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def can_manage_funds(actor: Member | None) -> bool:
    """The treasurer (or, when there is none, the secretary) pays from funds the co-op manages."""
    return roles.is_treasurer(actor)


def manages_fund(member: Member) -> bool:
    """Whether the co-op holds an individual service fund for this budget holder."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    LedgerEntry.account_id == LedgerAccount.id,
                    LedgerAccount.key == ledger.account_key(postings.budget_account(member.id)),
                    LedgerEntry.transaction_id == LedgerTransaction.id,
                    LedgerTransaction.funding_kind == FundingKind.INDIVIDUAL_SERVICE_FUND,
                )
            )
        )
    )


# --- Receipts ----------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The type of a receipt from its first bytes (never from its name or what the browser
    claimed): a PDF, a PNG or a JPEG; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def store_receipt(filename: str, data: bytes, by: Member, now: datetime | None = None) -> Receipt:
    """Keep a scanned receipt or invoice, refusing one too large or not a PDF or image."""
    if not data:
        raise FundError("The receipt file is empty. Choose the scanned receipt again.", "receipt")
    if len(data) > MAX_RECEIPT_BYTES:
        raise FundError("The receipt must be smaller than 5 MB.", "receipt")
    content_type = sniff(data)
    if content_type is None:
        raise FundError("The receipt must be a PDF, a JPG or a PNG.", "receipt")
    receipt = Receipt(
        filename=(filename or "receipt").rsplit("/", 1)[-1][:120],
        content_type=content_type,
        data=data,
        uploaded_at=now or clock.now(),
        uploaded_by_id=by.id,
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


# --- Paying from a fund ------------------------------------------------------------------


def _check(member: Member, payee: str, amount_pence: int, reference: str) -> tuple[str, str]:
    if not roles.is_budget_holder(member) or not manages_fund(member):
        raise FundError(
            f"The co-op does not manage an individual service fund for {member.name}.", "payee"
        )
    payee, reference = (payee or "").strip(), (reference or "").strip()
    if not payee:
        raise FundError("Enter who is paid.", "payee")
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise FundError("Enter an amount more than £0.", "amount")
    if not reference:
        raise FundError("Enter the bank or invoice reference.", "reference")
    return payee[:120], reference[:60]


def _post(
    member: Member,
    payee: str,
    kind: FundPaymentKind,
    amount_pence: int,
    paid_on: date,
    reference: str,
    by: Member | None,
    now: datetime,
    **extra,
) -> FundPayment:
    """Lock the fund, refuse to overdraw it, then post budget -> bank and keep the payment."""
    budget = ledger.lock_budget(member)
    held = ledger.balance_of(budget)
    if amount_pence > held:
        raise FundError(
            f"{member.name}'s fund holds {format_pence(held)}, so it cannot pay "
            f"{format_pence(amount_pence)} to {payee}. Nothing was paid.",
            "amount",
        )
    transaction = ledger.post(
        postings.pay_from_budget(
            member.id, amount_pence, bank=ledger.CLIENT_BANK, memo=f"{kind.label} to {payee}"
        ),
        TransactionKind.FUND_PAYMENT,
        posted_by=by,
        reference=reference,
        received_on=paid_on,
        now=now,
    )
    payment = FundPayment(
        member_id=member.id,
        payee=payee,
        kind=kind,
        amount_pence=amount_pence,
        paid_on=paid_on,
        reference=reference,
        recorded_by_id=by.id if by else None,
        created_at=now,
        transaction_id=transaction.id,
        **extra,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def pay_from_fund(
    member: Member,
    payee: str,
    kind: FundPaymentKind,
    amount_pence: int,
    paid_on: date,
    reference: str,
    by: Member,
    receipt: Receipt | None = None,
    now: datetime | None = None,
) -> FundPayment:
    """The treasurer records a payment out of someone's fund to a named payee."""
    now = now or clock.now()
    if not can_manage_funds(by):
        raise FundError("Only the treasurer or the secretary can pay from a fund.")
    payee, reference = _check(member, payee, amount_pence, reference)
    if paid_on > clock.london_today(now):
        raise FundError("The date paid must be today or in the past.", "paid_on")
    return _post(member, payee, kind, amount_pence, paid_on, reference, by, now, receipt=receipt)


def fund_payments(member: Member) -> list[FundPayment]:
    return list(
        db.session.scalars(
            select(FundPayment)
            .where(FundPayment.member_id == member.id)
            .order_by(FundPayment.paid_on.desc(), FundPayment.id.desc())
        )
    )


# --- Repeating payments ------------------------------------------------------------------


def following(due: date, every: RepeatEvery, starts_on: date) -> date:
    """The date after ``due`` a repeating payment falls on: a week on, or the same day of the
    next month as it started (the month's last day when that month is shorter)."""
    if every is RepeatEvery.WEEK:
        return due + timedelta(weeks=1)
    year, month = (due.year + 1, 1) if due.month == 12 else (due.year, due.month + 1)
    return date(year, month, min(starts_on.day, calendar.monthrange(year, month)[1]))


def set_up_repeating(
    member: Member,
    payee: str,
    kind: FundPaymentKind,
    amount_pence: int,
    every: RepeatEvery,
    starts_on: date,
    reference: str,
    by: Member,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> RepeatingPayment:
    now = now or clock.now()
    if not can_manage_funds(by):
        raise FundError("Only the treasurer or the secretary can set up payments from a fund.")
    payee, reference = _check(member, payee, amount_pence, reference)
    if ends_on is not None and ends_on < starts_on:
        raise FundError("The last date must be on or after the first.", "ends_on")
    repeating = RepeatingPayment(
        member_id=member.id,
        payee=payee,
        kind=kind,
        amount_pence=amount_pence,
        every=every,
        next_on=starts_on,
        starts_on=starts_on,
        ends_on=ends_on,
        reference=reference,
        active=True,
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(repeating)
    db.session.flush()
    return repeating


@dataclass
class RunReport:
    paid: list[FundPayment]
    #: (repeating payment, why it was not paid)
    refused: list[tuple[RepeatingPayment, str]]


def post_repeating(today: date | None = None, now: datetime | None = None) -> RunReport:
    """Post every repeating payment due on or before today, one date at a time, each in its
    own savepoint: one that would overdraw its fund is not paid (and not skipped: it stays
    due, so it is tried again next run), and the problem is kept for the treasurer."""
    now = now or clock.now()
    today = today or clock.london_today(now)
    report = RunReport([], [])
    due = db.session.scalars(
        select(RepeatingPayment)
        .where(RepeatingPayment.active.is_(True), RepeatingPayment.next_on <= today)
        .order_by(RepeatingPayment.next_on, RepeatingPayment.id)
    ).all()
    for repeating in due:
        while repeating.active and repeating.next_on <= today:
            if repeating.ends_on is not None and repeating.next_on > repeating.ends_on:
                repeating.active = False
                break
            try:
                with db.session.begin_nested():
                    payment = _post(
                        repeating.member,
                        repeating.payee,
                        repeating.kind,
                        repeating.amount_pence,
                        repeating.next_on,
                        repeating.reference,
                        None,
                        now,
                        repeating_id=repeating.id,
                        due_on=repeating.next_on,
                    )
            except FundError as error:
                repeating.problem = error.message[:300]
                repeating.problem_on = today
                report.refused.append((repeating, error.message))
                break
            except IntegrityError:
                pass  # another run paid this date already: move on to the next one
            else:
                report.paid.append(payment)
                repeating.problem = None
                repeating.problem_on = None
            repeating.next_on = following(repeating.next_on, repeating.every, repeating.starts_on)
    db.session.flush()
    return report


def treasurers() -> list[Member]:
    """The serving treasurers, or else the serving secretaries: whoever should be told."""
    for office in (Office.TREASURER, Office.SECRETARY):
        found = list(
            db.session.scalars(
                select(Member)
                .join(Officer, Officer.member_id == Member.id)
                .where(Officer.office == office, Officer.ended_on.is_(None))
            )
        )
        if found:
            return found
    return []


def tell_treasurer(refused: list[tuple[RepeatingPayment, str]]) -> int:
    """Email the treasurer the repeating payments that could not be made; returns how many
    emails were sent. Says who and how much, never why the person has the fund."""
    if not refused:
        return 0
    lines = [f"- {r.kind.label} of {format_pence(r.amount_pence)} to {r.payee}: {why}"
             for r, why in refused]  # fmt: skip
    body = (
        "These repeating payments from individual service funds were due but not paid, "
        "because the fund could not cover them. They will be tried again on the next run.\n\n"
        + "\n".join(lines)
        + f"\n\nSee them at {email.external_url('payments.treasurer_funds')}\n"
    )
    sent = 0
    for person in treasurers():
        if email.send(person.email, "Repeating payments not made", body):
            sent += 1
    return sent


def problems() -> list[RepeatingPayment]:
    """Repeating payments whose last due date could not be paid, for the treasurer's page."""
    return list(
        db.session.scalars(
            select(RepeatingPayment)
            .where(RepeatingPayment.problem.is_not(None), RepeatingPayment.active.is_(True))
            .order_by(RepeatingPayment.problem_on.desc())
        )
    )


@signals.describe_transactions.connect
def _describe_fund_payments(_sender, transactions, viewer=None):
    """Fund payments are the payments domain's own: say who was paid, for what."""
    ids = [t.id for t in transactions if t.kind is TransactionKind.FUND_PAYMENT]
    if not ids:
        return {}
    found = db.session.scalars(select(FundPayment).where(FundPayment.transaction_id.in_(ids)))
    described = {}
    for payment in found:
        described[payment.transaction_id] = signals.Description(
            what=payment.kind.label.lower(),
            text=f"{payment.kind.label} to {payment.payee}",
            detail=f"Reference {payment.reference}"
            + (", receipt kept" if payment.receipt_id else ""),
            href=url_for("payments.fund_receipt", payment_id=payment.id)
            if payment.receipt_id and viewer is not None and can_manage_funds(viewer)
            else None,
            provider=payment.payee,
            item=payment.kind.label,
            reference=payment.reference,
            made_by="The co-op, managing the fund"
            if payment.recorded_by_id is None
            else "The co-op's treasurer, managing the fund",
        )
    return described


def repeating_of(member: Member) -> list[RepeatingPayment]:
    return list(
        db.session.scalars(
            select(RepeatingPayment)
            .where(RepeatingPayment.member_id == member.id)
            .order_by(RepeatingPayment.active.desc(), RepeatingPayment.next_on)
        )
    )
