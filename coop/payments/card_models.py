"""Card payments through Stripe: one PaymentIntent per hold, its refund, and each webhook event."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class CardPaymentStatus(enum.Enum):
    """Where a PaymentIntent stands for the co-op; states only move forward (see card.py)."""

    #: Created at Stripe; the person has not paid yet (or is doing 3-D Secure).
    OPEN = "open"
    #: Stripe says the money was taken, and the booking domain has been told.
    SUCCEEDED = "succeeded"
    #: The card was declined or the payment failed; nothing was taken.
    FAILED = "failed"
    #: Cancelled at Stripe, because the hold ran out or the person gave up.
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "open": "Waiting for payment",
            "succeeded": "Paid",
            "failed": "Failed",
            "cancelled": "Cancelled",
        }[self.value]


class CardRefundStatus(enum.Enum):
    #: Asked for; the Refunds API has not answered yet (or could not be reached).
    REQUESTED = "requested"
    #: One process is calling the Refunds API now; nobody else may.
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "requested": "Being sent to your card",
            "sending": "Being sent to your card",
            "succeeded": "Refunded to your card",
            "failed": "Refund failed: the co-op will contact you",
        }[self.value]


class CardPayment(db.Model):
    """One Stripe PaymentIntent, made for one hold; the amount is the server's, never the page's."""

    __tablename__ = "payments_card_payments"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(
            "status != 'succeeded' OR succeeded_at IS NOT NULL", name="success_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The paying domain's reference (a booking reference): UNIQUE, so one hold has one
    #: PaymentIntent however many times its button is pressed.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    #: Stripe's id, pi_...
    stripe_id: Mapped[str] = mapped_column(String(255), unique=True)
    client_secret: Mapped[str] = mapped_column(String(255))
    amount_pence: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    #: Set once the paying domain says what the money paid for (a booking's id).
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_bookings.id"), index=True
    )
    status: Mapped[CardPaymentStatus] = mapped_column(
        enum_column(CardPaymentStatus, "card_payment_status"),
        default=CardPaymentStatus.OPEN,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Something the secretary must look at (an amount that differs from what was asked...).
    problem: Mapped[str | None] = mapped_column(Text)

    refund: Mapped["CardRefund | None"] = relationship(back_populates="payment")


class CardRefund(db.Model):
    """A refund of a card payment through Stripe's Refunds API: at most one per payment."""

    __tablename__ = "payments_card_refunds"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: UNIQUE: a double-clicked cancel, or two jobs at once, can never refund twice.
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments_card_payments.id"), unique=True)
    amount_pence: Mapped[int]
    memo: Mapped[str] = mapped_column(String(200))
    status: Mapped[CardRefundStatus] = mapped_column(
        enum_column(CardRefundStatus, "card_refund_status"),
        default=CardRefundStatus.REQUESTED,
        index=True,
    )
    #: Stripe's id, re_..., from the Refund API's answer.
    stripe_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the ledger reversal was posted: the whole refund, once.
    ledger_posted: Mapped[bool] = mapped_column(default=False)
    #: The last error from Stripe, for the secretary.
    last_error: Mapped[str | None] = mapped_column(Text)

    payment: Mapped[CardPayment] = relationship(back_populates="refund")
    requested_by: Mapped[Member | None] = relationship()


class StripeEvent(db.Model):
    """A webhook event acted on: its id is UNIQUE and stored in the transaction of its effect,
    so an event delivered twice, five times or late changes nothing the second time."""

    __tablename__ = "payments_stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    #: The PaymentIntent it was about, if any.
    payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: What the app did with it, in words.
    outcome: Mapped[str] = mapped_column(String(200), default="")
