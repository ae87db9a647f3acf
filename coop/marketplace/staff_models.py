"""Who runs a provider, by their own agreement: staff invitations, and the bookings refused
because the member booking is one of the provider's staff."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.marketplace.models import Provider, Session
from coop.members.models import Member


class InvitationStatus(enum.Enum):
    """Where an invitation to join a provider's staff stands. A pending one whose time has
    run out is treated as expired wherever it is read."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for an answer",
            "accepted": "Accepted",
            "declined": "Declined",
            "withdrawn": "Withdrawn",
            "expired": "Expired",
        }[self.value]


class StaffInvitation(db.Model):
    """An approved member asked to join a provider's staff; they are staff only once they
    accept it, before it expires."""

    __tablename__ = "marketplace_staff_invitations"
    __table_args__ = (
        Index(
            "uq_marketplace_staff_invitations_one_pending",
            "provider_id",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    invited_by: Mapped[Member] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        """Pending and not yet expired: the member may still accept or decline it."""
        return self.status is InvitationStatus.PENDING and self.expires_at > now


class RefusedOwnBooking(db.Model):
    """A member tried to pay, from their budget, for a session of a provider they are staff
    of; it was refused, and the secretary sees it."""

    __tablename__ = "marketplace_refused_own_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("marketplace_sessions.id"))
    #: What the booking would have taken from the budget.
    total_pence: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    member: Mapped[Member] = relationship()
    provider: Mapped[Provider] = relationship()
    session: Mapped[Session] = relationship()
