"""Circles of support: who a member has chosen to act for them, what each may do, everything
done for them, and the nominated or authorised people a coordinator has recorded."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class Permission(enum.Enum):
    """One thing a member lets someone in their circle of support do for them. Each is given
    (and withdrawn) on its own."""

    SEE = "see"
    BOOK = "book"
    COVER = "cover"
    SHARED_LIVES = "shared_lives"

    @property
    def label(self) -> str:
        return {
            "see": "See my bookings and budget",
            "book": "Book and pay from my budget",
            "cover": "Ask for PA cover and approve PA hours",
            "shared_lives": "Manage my Shared Lives referral",
        }[self.value]

    @property
    def has_limit(self) -> bool:
        """Booking for someone is limited to an amount per booking the person chooses."""
        return self is Permission.BOOK


class CircleGrant(db.Model):
    """One permission a member (the person) gave someone (the helper), perhaps until a date.

    A grant is never edited: changing a limit or an end date withdraws the old grant and makes
    a new one, so what the helper was allowed at any moment stays on record.
    """

    __tablename__ = "members_circle_grants"
    __table_args__ = (
        CheckConstraint("person_id != helper_id", name="not_yourself"),
        CheckConstraint(
            "limit_pence IS NULL OR (limit_pence > 0 AND limit_pence <= 2147483647)",
            name="limit_positive",
        ),
        CheckConstraint("permission = 'book' OR limit_pence IS NULL", name="limit_only_booking"),
        CheckConstraint(
            "permission != 'book' OR limit_pence IS NOT NULL", name="booking_has_limit"
        ),
        Index(
            "uq_members_circle_grants_one_live",
            "person_id",
            "helper_id",
            "permission",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    permission: Mapped[Permission] = mapped_column(enum_column(Permission, "circle_permission"))
    #: The most the helper may spend on one booking (pence), for the booking permission only.
    limit_pence: Mapped[int | None]
    #: The last day (London) the permission lasts; empty for no end date.
    until: Mapped[date | None]
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Member] = relationship(foreign_keys=[person_id])
    helper: Mapped[Member] = relationship(foreign_keys=[helper_id])


class CircleAct(db.Model):
    """Something a helper did for a person, shown to both as "by Dev for Asha"."""

    __tablename__ = "members_circle_acts"
    __table_args__ = (CheckConstraint("person_id != helper_id", name="not_yourself"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    permission: Mapped[Permission] = mapped_column(enum_column(Permission, "circle_permission"))
    #: What was done, in plain English: "Booked Off-peak gym on Tuesday 3 March, £4.00".
    description: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Member] = relationship(foreign_keys=[person_id])
    helper: Mapped[Member] = relationship(foreign_keys=[helper_id])


class NomineeKind(enum.Enum):
    """The two legal roles for someone who manages another person's direct payment."""

    NOMINATED = "nominated"
    AUTHORISED = "authorised"

    @property
    def label(self) -> str:
        return {
            "nominated": "Nominated person",
            "authorised": "Authorised person (for someone who lacks capacity)",
        }[self.value]


class NominatedPerson(db.Model):
    """A legally appointed nominated or authorised person for a member's direct payment, as a
    coordinator recorded it: who, the evidence seen and when."""

    __tablename__ = "members_nominated_persons"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= evidence_seen_on", name="ends_after_seen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    kind: Mapped[NomineeKind] = mapped_column(enum_column(NomineeKind, "nominee_kind"))
    #: The nominee's name as on the evidence; a member too when they have joined.
    name: Mapped[str] = mapped_column(String(100))
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    #: What the coordinator saw, e.g. "Council's direct payment agreement dated 2 March 2026".
    evidence: Mapped[str] = mapped_column(Text)
    evidence_seen_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None]

    person: Mapped[Member] = relationship(foreign_keys=[person_id])
    nominee: Mapped[Member | None] = relationship(foreign_keys=[nominee_id])
    recorded_by: Mapped[Member] = relationship(foreign_keys=[recorded_by_id])
