"""Places held while someone pays by card: counted against the session like a waiting-list hold."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop import clock
from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.marketplace.models import Booking, Session
from coop.members.models import Member


class CardHoldStatus(enum.Enum):
    #: The places are held (Session.held) while the person pays.
    HELD = "held"
    #: Paid: the booking is made and the held places became booked.
    BOOKED = "booked"
    #: The time ran out: the places went back; the PaymentIntent was cancelled.
    EXPIRED = "expired"
    #: The card was declined or the payment failed: the places went back.
    FAILED = "failed"
    #: Stripe took the money after the places had gone: the money is refunded.
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return {
            "held": "Waiting for payment",
            "booked": "Booked",
            "expired": "Time ran out",
            "failed": "Payment failed",
            "refunded": "Refunded: the place had gone",
        }[self.value]


class CardHold(db.Model):
    """Places in a session held for a member paying by card, at the price the page showed."""

    __tablename__ = "marketplace_card_holds"
    __table_args__ = (
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("price_each_pence > 0", name="price_positive"),
        CheckConstraint("total_pence = places * price_each_pence", name="total_matches"),
        CheckConstraint("status != 'booked' OR booking_id IS NOT NULL", name="booked_has_booking"),
        Index(
            "uq_marketplace_card_holds_one_live_per_member",
            "session_id",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'held'"),
            postgresql_where=text("status = 'held'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Becomes the booking's reference, and is the PaymentIntent's metadata.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("marketplace_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    places: Mapped[int]
    price_each_pence: Mapped[int]
    base_price_each_pence: Mapped[int]
    total_pence: Mapped[int]
    discount_label: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CardHoldStatus] = mapped_column(
        enum_column(CardHoldStatus, "card_hold_status"), default=CardHoldStatus.HELD, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The places go back after this moment.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the payment failed, in plain English, for the person.
    failure: Mapped[str | None] = mapped_column(Text)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("marketplace_bookings.id"))

    session: Mapped[Session] = relationship()
    member: Mapped[Member] = relationship()
    booking: Mapped[Booking | None] = relationship()

    @property
    def is_held(self) -> bool:
        return self.status is CardHoldStatus.HELD

    @property
    def lapsed(self) -> bool:
        """Held, but its time has run out: the scheduled job lets it go; pages treat it as gone."""
        return self.status is CardHoldStatus.HELD and self.expires_at <= clock.now()
