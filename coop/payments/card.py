"""Card payments: one PaymentIntent per hold, the webhook that settles it, refunds, reconciling.

The paying domain says the amount and its reference; this module never knows what a booking
is. It tells the domain what Stripe decided through the signals in ``signals`` and takes its
answer (what to post, or that the money must go back). Nothing here commits; calls to Stripe
go through ``stripe_gateway``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members.letters import notify
from coop.members.models import Member, Office, Officer
from coop.money import format_pence
from coop.payments import ledger, postings, signals
from coop.payments import stripe_gateway as gateway
from coop.payments.card_models import (
    CardPayment,
    CardPaymentStatus,
    CardRefund,
    CardRefundStatus,
    StripeEvent,
)
from coop.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind

#: Where card money arrives: Stripe holds it until it pays the co-op's bank.
STRIPE_CLEARING = postings.bank_account("stripe")


class CardError(Exception):
    """A card payment that cannot go ahead; the message says why in plain English."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Starting and paying ------------------------------------------------------------------


def payment_for_reference(reference: str) -> CardPayment | None:
    return db.session.scalar(select(CardPayment).where(CardPayment.reference == reference))


def start(
    reference: str,
    amount_pence: int,
    *,
    member_id: int,
    provider_id: int,
    now: datetime | None = None,
) -> CardPayment:
    """The PaymentIntent for this reference: made at Stripe once, and remembered.

    A second call for the same reference returns the first PaymentIntent, so a double-clicked
    button makes one even though the offline server ignores idempotency keys. Raises
    ``stripe_gateway.GatewayError`` when Stripe cannot make it: the caller rolls back.
    """
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise CardError("A card payment must be for more than £0.")
    found = payment_for_reference(reference)
    if found is not None:
        return found
    intent = gateway.create_payment_intent(amount_pence, reference, member_id)
    payment = CardPayment(
        reference=reference,
        stripe_id=intent.id,
        client_secret=intent.client_secret,
        amount_pence=amount_pence,
        currency=gateway.CURRENCY,
        member_id=member_id,
        provider_id=provider_id,
        status=CardPaymentStatus.OPEN,
        created_at=now or clock.now(),
    )
    db.session.add(payment)
    db.session.flush()
    return payment


@dataclass(frozen=True)
class Attempt:
    """What Stripe said to a card: ``succeeded``, ``processing`` or ``requires_action``."""

    status: str
    client_secret: str


def pay(payment: CardPayment, payment_method: str) -> Attempt:
    """Confirm the PaymentIntent with the card the page tokenised (server-side confirmation).

    Success is not recorded here: the signed webhook decides. Raises
    ``stripe_gateway.CardDeclined`` or ``StripeUnavailable``.
    """
    payment_method = (payment_method or "").strip()
    if not payment_method or len(payment_method) > 255:
        raise CardError("Enter your card details.")
    if payment.status is not CardPaymentStatus.OPEN:
        raise CardError("This payment has already been settled.")
    current = gateway.retrieve(payment.stripe_id).status
    if current in ALREADY_UNDER_WAY:
        # A second press of the button (or a second tab): never confirm twice.
        return Attempt(current, payment.client_secret)
    intent = gateway.confirm_with_card(payment.stripe_id, payment_method)
    return Attempt(intent.status, payment.client_secret)


#: PaymentIntent states in which the card has already been given and confirmed.
ALREADY_UNDER_WAY = frozenset({"succeeded", "processing", "requires_capture", "requires_action"})


def cancel_at_stripe(stripe_ids) -> list[str]:
    """Cancel PaymentIntents whose hold ended, after the commit that ended it; the ids Stripe
    could not cancel (already paid, or unreachable) are returned: a late success is refunded
    when its webhook comes."""
    failed = []
    for stripe_id in stripe_ids:
        try:
            gateway.cancel(stripe_id)
        except gateway.GatewayError:
            current_app.logger.warning("Could not cancel PaymentIntent %s", stripe_id)
            failed.append(stripe_id)
        else:
            db.session.execute(
                update(CardPayment)
                .where(
                    CardPayment.stripe_id == stripe_id,
                    CardPayment.status.in_([CardPaymentStatus.OPEN, CardPaymentStatus.FAILED]),
                )
                .values(status=CardPaymentStatus.CANCELLED)
                .execution_options(synchronize_session=False)
            )
    return failed


# --- The webhook decides ------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    """A domain's answer to a payment: it booked; post the money against this booking."""

    booking_id: int
    memo: str
    commission_rate: Fraction
    by: Member | None = None


@dataclass(frozen=True)
class GiveBack:
    """A domain's answer to a payment: the thing paid for is gone; refund it all."""

    memo: str


def handle_event(event, now: datetime | None = None) -> str:
    """Act on a verified Stripe event once: its id goes in under UNIQUE with the effect.

    Returns what was done, in words. The caller commits; a replayed event changes nothing.
    """
    now = now or clock.now()
    intent = getattr(getattr(event, "data", None), "object", None)
    record = StripeEvent(
        stripe_id=event.id,
        type=event.type,
        payment_intent=getattr(intent, "id", None) if intent is not None else None,
        received_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return "already handled"
    if event.type == "payment_intent.succeeded":
        outcome = _succeeded(intent, now)
    elif event.type in ("payment_intent.payment_failed", "payment_intent.canceled"):
        outcome = _failed(intent, event.type, now)
    else:
        outcome = "ignored"
    record.outcome = outcome[:200]
    db.session.flush()
    return outcome


def _locked_payment(stripe_id: str | None) -> CardPayment | None:
    if not stripe_id:
        return None
    return db.session.scalars(
        select(CardPayment)
        .where(CardPayment.stripe_id == stripe_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _succeeded(intent, now: datetime) -> str:
    payment = _locked_payment(getattr(intent, "id", None))
    if payment is None:
        return "not one of ours"
    if payment.status is CardPaymentStatus.SUCCEEDED:
        return "already succeeded"
    received = getattr(intent, "amount_received", None) or getattr(intent, "amount", None)
    currency = (getattr(intent, "currency", "") or "").lower()
    if received != payment.amount_pence or currency != payment.currency:
        problem = (
            f"Stripe says {payment.stripe_id} ({payment.reference}) took {received} "
            f"{currency.upper()} in minor units, but the co-op asked for "
            f"{format_pence(payment.amount_pence)} ({payment.currency.upper()}). Nothing was "
            "booked. Check it in Stripe's dashboard and refund or book it by hand."
        )
        if payment.problem != problem:
            payment.problem = problem
            tell_secretaries("A card payment does not match its booking", problem)
        return "amount or currency differs: flagged"
    payment.status = CardPaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    answers = [
        answer
        for _receiver, answer in signals.card_payment_succeeded.send(
            None, reference=payment.reference, amount_pence=payment.amount_pence, now=now
        )
        if answer is not None
    ]
    answer = answers[0] if answers else GiveBack("Refund: nothing to book for this payment")
    if isinstance(answer, Booked):
        payment.booking_id = answer.booking_id
        post_payment(payment, answer, now)
        return "booked"
    request_refund(payment, answer.memo, None, now)
    return "refund requested"


def _failed(intent, event_type: str, now: datetime) -> str:
    payment = _locked_payment(getattr(intent, "id", None))
    if payment is None:
        return "not one of ours"
    if payment.status is CardPaymentStatus.SUCCEEDED:
        return "already succeeded: ignored"  # states only move forward
    if event_type == "payment_intent.canceled":
        payment.status = CardPaymentStatus.CANCELLED
    elif payment.status is CardPaymentStatus.OPEN:
        payment.status = CardPaymentStatus.FAILED
    error = getattr(intent, "last_payment_error", None)
    declined = getattr(error, "code", None) == "card_declined" if error else False
    signals.card_payment_failed.send(
        None, reference=payment.reference, declined=declined or bool(error), now=now
    )
    return "failed"


def post_payment(payment: CardPayment, booked: Booked, now: datetime) -> LedgerTransaction:
    """The card money in the ledger: into Stripe clearing, out to commission and provider."""
    transaction = postings.pay_by_card(
        STRIPE_CLEARING,
        payment.provider_id,
        payment.amount_pence,
        booked.commission_rate,
        memo=booked.memo,
    )
    return ledger.post(
        transaction,
        TransactionKind.BOOKING_PAYMENT,
        posted_by=booked.by,
        booking_id=booked.booking_id,
        reference=payment.stripe_id[:60],
        now=now,
    )


def tell_secretaries(subject: str, body: str) -> int:
    """Put a note to every serving secretary in the outbox (with the caller's transaction)."""
    secretaries = db.session.scalars(
        select(Member)
        .join(Officer, Officer.member_id == Member.id)
        .where(Officer.office == Office.SECRETARY, Officer.ended_on.is_(None))
    ).all()
    for secretary in secretaries:
        notify(secretary, subject, f"Hello {secretary.name},\n\n{body}\n")
    return len(secretaries)


# --- Refunds ------------------------------------------------------------------------------


def payment_of_booking(booking_id: int) -> CardPayment | None:
    return db.session.scalar(select(CardPayment).where(CardPayment.booking_id == booking_id))


def request_refund(
    payment: CardPayment, memo: str, by: Member | None, now: datetime | None = None
) -> CardRefund:
    """Ask for the whole payment back; the one refund a payment can ever have (UNIQUE).

    The Refunds API is called after the commit (``send_refund``), by the view that cancelled
    and, should that fail, by the worker.
    """
    existing = db.session.scalar(select(CardRefund).where(CardRefund.payment_id == payment.id))
    if existing is not None:
        return existing
    refund = CardRefund(
        payment_id=payment.id,
        amount_pence=payment.amount_pence,
        memo=memo[:200],
        status=CardRefundStatus.REQUESTED,
        requested_by_id=by.id if by is not None else None,
        requested_at=now or clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(refund)
    except IntegrityError:
        return db.session.scalar(select(CardRefund).where(CardRefund.payment_id == payment.id))
    return refund


def refunds_to_send() -> list[int]:
    return list(
        db.session.scalars(
            select(CardRefund.id)
            .where(CardRefund.status == CardRefundStatus.REQUESTED)
            .order_by(CardRefund.id)
        )
    )


def claim_refund(refund_id: int) -> bool:
    """Move a requested refund to sending, if nobody else has: the one caller who wins calls
    the Refunds API. The caller commits before calling it."""
    return (
        db.session.execute(
            update(CardRefund)
            .where(CardRefund.id == refund_id, CardRefund.status == CardRefundStatus.REQUESTED)
            .values(status=CardRefundStatus.SENDING)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def call_refunds_api(refund_id: int):
    """Stripe's Refunds API for a claimed refund, with an idempotency key; Stripe's answer."""
    refund = db.session.get(CardRefund, refund_id)
    return gateway.refund(
        refund.payment.stripe_id, refund.amount_pence, key=f"coop-refund-{refund.id}"
    )


def refund_succeeded(refund_id: int, answer, now: datetime | None = None) -> CardRefund:
    """Record the Refund API's answer and post the reversal, once, in one transaction."""
    now = now or clock.now()
    refund = db.session.scalars(
        select(CardRefund)
        .where(CardRefund.id == refund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    status = getattr(answer, "status", "succeeded")
    if status == "failed" or status == "canceled":
        refund.status = CardRefundStatus.FAILED
        refund.last_error = f"Stripe says the refund {status}"
        tell_secretaries(
            "A card refund failed",
            f"Stripe could not refund {format_pence(refund.amount_pence)} for "
            f"{refund.payment.reference}. Refund it by hand.",
        )
        return refund
    refund.status = CardRefundStatus.SUCCEEDED
    refund.stripe_id = getattr(answer, "id", None)
    refund.settled_at = now
    payment = refund.payment
    if not refund.ledger_posted and payment.booking_id is not None:
        paid = ledger.payment_for(payment.booking_id)
        if paid is not None:
            ledger.refund(paid, refund.memo, refund.requested_by, now)
            refund.ledger_posted = True
    db.session.flush()
    return refund


def refund_not_sent(refund_id: int, error: gateway.GatewayError) -> None:
    """Stripe did not answer (try again later) or refused (tell the secretary)."""
    refund = db.session.get(CardRefund, refund_id)
    refund.last_error = error.message[:500]
    if isinstance(error, gateway.StripeUnavailable):
        refund.status = CardRefundStatus.REQUESTED
        return
    refund.status = CardRefundStatus.FAILED
    tell_secretaries(
        "A card refund failed",
        f"Stripe refused to refund {format_pence(refund.amount_pence)} for "
        f"{refund.payment.reference}: {error.message} Refund it by hand.",
    )


def send_refunds(refund_ids=None) -> int:
    """Send requested refunds to Stripe, each by the one caller that claims it; how many went.

    Commits between steps, because the Refunds API call must sit between two transactions:
    the claim before it, the answer after. Used by views after their own commit and by the
    worker's job.
    """
    sent = 0
    for refund_id in refund_ids if refund_ids is not None else refunds_to_send():
        won = claim_refund(refund_id)
        db.session.commit()
        if not won:
            continue
        try:
            answer = call_refunds_api(refund_id)
        except gateway.GatewayError as error:
            refund_not_sent(refund_id, error)
        else:
            refund_succeeded(refund_id, answer)
            sent += 1
        db.session.commit()
    return sent


# --- Reconciling --------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """A PaymentIntent on which the ledger and Stripe disagree, in words."""

    stripe_id: str
    reference: str
    problem: str
    stripe_status: str = ""
    stripe_pence: int | None = None
    ledger_pence: int | None = None


def _ledger_pence(booking_id: int | None) -> int | None:
    """What the ledger says arrived through Stripe for a booking (net of nothing), or None."""
    if booking_id is None:
        return None
    total = db.session.scalar(
        select(func.sum(LedgerEntry.amount_pence))
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerTransaction.booking_id == booking_id,
            LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT,
            LedgerAccount.key == ledger.account_key(STRIPE_CLEARING),
        )
    )
    return None if total is None else int(total)


def _reference_of(intent) -> str:
    metadata = getattr(intent, "metadata", None)
    try:
        return str(metadata.to_dict().get("reference", ""))
    except AttributeError:
        return ""


def reconcile(since: datetime | None = None) -> list[Disagreement]:
    """Every PaymentIntent the ledger and Stripe disagree about (since a moment, or ever).

    Raises ``stripe_gateway.StripeUnavailable`` when Stripe cannot be asked.
    """
    at_stripe = {
        intent.id: intent
        for intent in gateway.list_payment_intents(
            int(since.timestamp()) if since is not None else None
        )
    }
    query = select(CardPayment).order_by(CardPayment.created_at)
    if since is not None:
        query = query.where(CardPayment.created_at >= since)
    ours = {payment.stripe_id: payment for payment in db.session.scalars(query)}
    found: list[Disagreement] = []
    for stripe_id, intent in at_stripe.items():
        status = intent.status
        received = getattr(intent, "amount_received", 0) or (
            getattr(intent, "amount", 0) if status == "succeeded" else 0
        )
        payment = ours.get(stripe_id)
        if payment is None:
            if status == "succeeded":
                found.append(
                    Disagreement(
                        stripe_id,
                        _reference_of(intent),
                        "Succeeded at Stripe, but the co-op has no record of it",
                        status,
                        received,
                    )
                )
            continue
        booked = _ledger_pence(payment.booking_id)
        refunded = payment.refund is not None and payment.refund.status in (
            CardRefundStatus.SUCCEEDED,
        )
        if payment.problem:
            found.append(
                Disagreement(
                    stripe_id, payment.reference, payment.problem, status, received, booked
                )
            )
        elif status == "succeeded" and booked is None and not refunded:
            found.append(
                Disagreement(
                    stripe_id,
                    payment.reference,
                    "Succeeded at Stripe but not booked",
                    status,
                    received,
                    booked,
                )
            )
        elif booked is not None and status != "succeeded":
            found.append(
                Disagreement(
                    stripe_id,
                    payment.reference,
                    "Booked in the ledger but not succeeded at Stripe",
                    status,
                    received,
                    booked,
                )
            )
        elif booked is not None and booked != received:
            found.append(
                Disagreement(
                    stripe_id,
                    payment.reference,
                    "The amounts differ",
                    status,
                    received,
                    booked,
                )
            )
    for stripe_id, payment in ours.items():
        if stripe_id not in at_stripe and _ledger_pence(payment.booking_id) is not None:
            found.append(
                Disagreement(
                    stripe_id,
                    payment.reference,
                    "Booked in the ledger but Stripe has no such PaymentIntent",
                    "",
                    None,
                    _ledger_pence(payment.booking_id),
                )
            )
    return found


def flagged(limit: int = 100) -> list[CardPayment]:
    """Card payments with a problem for the secretary, newest first."""
    return list(
        db.session.scalars(
            select(CardPayment)
            .where(CardPayment.problem.is_not(None))
            .order_by(CardPayment.created_at.desc())
            .limit(limit)
        )
    )


def refund_of_booking(booking_id: int) -> CardRefund | None:
    payment = payment_of_booking(booking_id)
    return payment.refund if payment is not None else None
