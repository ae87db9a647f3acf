"""Pooled bookings: several budget holders book one session together, each paying a share."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.marketplace.models import Booking, Session
from coop.members.models import Member


class PooledStatus(enum.Enum):
    """Where a pooled booking is: being set up, waiting for everyone to agree, booked, or over."""

    DRAFT = "draft"
    WAITING = "waiting"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CALLED_OFF = "called_off"

    @property
    def label(self) -> str:
        return {
            "draft": "Not sent yet",
            "waiting": "Waiting for everyone to agree",
            "booked": "Booked",
            "cancelled": "Cancelled",
            "called_off": "Called off",
        }[self.value]


class SplitKind(enum.Enum):
    EQUAL = "equal"
    SHARES = "shares"

    @property
    def label(self) -> str:
        return {"equal": "Split equally", "shares": "Set shares"}[self.value]


class PooledBooking(db.Model):
    """One session booked together: the places, the price agreed, and the shares."""

    __tablename__ = "marketplace_pooled_bookings"
    __table_args__ = (
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("price_each_pence > 0", name="price_positive"),
        CheckConstraint("total_pence = places * price_each_pence", name="total_matches"),
        CheckConstraint("status != 'booked' OR booking_id IS NOT NULL", name="booked_has_booking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("marketplace_sessions.id"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    places: Mapped[int]
    #: The price of one place everyone agreed to (the organiser's member price when set up).
    price_each_pence: Mapped[int]
    base_price_each_pence: Mapped[int]
    discount_label: Mapped[str] = mapped_column(String(80), default="")
    total_pence: Mapped[int]
    split: Mapped[SplitKind] = mapped_column(enum_column(SplitKind, "pooled_split"))
    status: Mapped[PooledStatus] = mapped_column(
        enum_column(PooledStatus, "pooled_status"), default=PooledStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last time booking was tried and a share was not covered (nothing was charged).
    not_covered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The marketplace booking that holds the places, once booked; UNIQUE, one each.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_bookings.id"), unique=True
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was called off or cancelled, as everyone was told.
    end_reason: Mapped[str | None] = mapped_column(String(300))

    session: Mapped[Session] = relationship()
    organiser: Mapped[Member] = relationship()
    booking: Mapped[Booking | None] = relationship()
    shares: Mapped[list["PooledShare"]] = relationship(
        back_populates="pooled", order_by="PooledShare.position", cascade="all, delete-orphan"
    )

    @property
    def all_agreed(self) -> bool:
        return all(share.agreed_at is not None for share in self.shares)

    def share_of(self, member: Member) -> "PooledShare | None":
        return next((share for share in self.shares if share.member_id == member.id), None)


class PooledShare(db.Model):
    """One person's share of a pooled booking, whether they agreed to it, and what it became."""

    __tablename__ = "marketplace_pooled_shares"
    __table_args__ = (
        UniqueConstraint("pooled_id", "member_id", name="uq_marketplace_pooled_shares_once"),
        CheckConstraint("amount_pence > 0", name="pays_something"),
        CheckConstraint("short_pence IS NULL OR short_pence > 0", name="short_positive"),
        CheckConstraint("refund_pence >= 0 AND refund_pence <= amount_pence", name="refund_within"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pooled_id: Mapped[int] = mapped_column(ForeignKey("marketplace_pooled_bookings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: Order on the page; the organiser is 0 and gets any odd penny of an equal split.
    position: Mapped[int]
    amount_pence: Mapped[int]
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Someone in the person's circle of support who agreed for them; None if they did.
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    #: How much more the budget needed the last time booking was tried; None if covered.
    short_pence: Mapped[int | None]
    #: The payment that took this share, once booked.
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments_transactions.id"), unique=True
    )
    refund_pence: Mapped[int] = mapped_column(default=0)

    pooled: Mapped[PooledBooking] = relationship(back_populates="shares")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    agreed_by: Mapped[Member | None] = relationship(foreign_keys=[agreed_by_id])
