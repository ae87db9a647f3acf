"""The PA register, the PA's calendar of shifts, regular shifts shared between families, and
same-day cover requests."""

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class Skill(enum.Enum):
    """What a PA can do; a cover request asks for some of these."""

    PERSONAL_CARE = "personal_care"
    HOIST = "hoist"
    MEDICATION = "medication"
    PEG_FEEDING = "peg_feeding"
    DRIVING = "driving"
    AUTISM = "autism"
    LEARNING_DISABILITY = "learning_disability"
    DEMENTIA = "dementia"
    BSL = "bsl"

    @property
    def label(self) -> str:
        return {
            "personal_care": "Personal care",
            "hoist": "Moving and handling with a hoist",
            "medication": "Medication",
            "peg_feeding": "PEG feeding",
            "driving": "Driving",
            "autism": "Autism",
            "learning_disability": "Learning disability",
            "dementia": "Dementia",
            "bsl": "British Sign Language (BSL)",
        }[self.value]


def skills_from(text: str) -> frozenset[Skill]:
    """The skills kept as "hoist,medication"; unknown words are ignored."""
    known = {skill.value: skill for skill in Skill}
    return frozenset(known[w] for w in (text or "").split(",") if w in known)


def skills_text(skills) -> str:
    """Skills written the way they are kept, in the list's order."""
    return ",".join(skill.value for skill in Skill if skill in set(skills))


class PaProfile(db.Model):
    """A PA member's entry in the register: what they offer, and the checks the secretary or
    a coordinator recorded. A PA whose checks are missing or lapsed is hidden from searches
    and is told of no cover."""

    __tablename__ = "support_pa_profiles"
    __table_args__ = (
        CheckConstraint("hourly_rate_pence > 0", name="rate_positive"),
        CheckConstraint("gender IN ('', 'woman', 'man', 'other')", name="gender_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), unique=True)
    #: Skills kept as "personal_care,hoist" (see Skill).
    skills: Mapped[str] = mapped_column(String(300), default="")
    languages: Mapped[str] = mapped_column(String(200), default="")
    #: Postcode districts covered, e.g. "DE1,DE22".
    districts: Mapped[str] = mapped_column(String(200), default="")
    hourly_rate_pence: Mapped[int]
    introduction: Mapped[str] = mapped_column(Text, default="")
    #: Shared only if the PA chooses: "woman", "man", "other", or "" (not said), so a budget
    #: holder who asks for a woman PA is offered only PAs who said so.
    gender: Mapped[str] = mapped_column(String(10), default="")
    #: Shown in the register; a PA may take their profile down.
    published: Mapped[bool] = mapped_column(default=True)
    #: The date on the DBS certificate; in date for three years from it.
    dbs_issued_on: Mapped[date | None]
    #: When the right to work in the UK was seen; and its end for time-limited permission.
    right_to_work_seen_on: Mapped[date | None]
    right_to_work_until: Mapped[date | None]
    #: When two satisfactory references were received.
    references_on: Mapped[date | None]
    checks_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    checks_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    availability: Mapped[list["Availability"]] = relationship(
        back_populates="profile",
        order_by="(Availability.weekday, Availability.starts)",
        cascade="all, delete-orphan",
    )

    @property
    def skill_set(self) -> frozenset[Skill]:
        return skills_from(self.skills)

    @property
    def district_set(self) -> frozenset[str]:
        return frozenset(d.strip().upper() for d in self.districts.split(",") if d.strip())


class Availability(db.Model):
    """A weekly window the PA is available, on London wall-clock time. A day with none is a
    day off."""

    __tablename__ = "support_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_week"),
        CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("support_pa_profiles.id"), index=True)
    #: Monday is 0.
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]

    profile: Mapped[PaProfile] = relationship(back_populates="availability")


class OwnPa(db.Model):
    """A PA on a budget holder's own list, asked first for cover, in the order set."""

    __tablename__ = "support_own_pas"
    __table_args__ = (
        UniqueConstraint("budget_holder_id", "pa_id", name="once_each"),
        CheckConstraint("budget_holder_id != pa_id", name="not_yourself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_holder_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    pa_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    position: Mapped[int]

    pa: Mapped[Member] = relationship(foreign_keys=[pa_id])


class RegularShift(db.Model):
    """A PA's regular weekly shift with one family, from a date, perhaps until a date. Its
    weeks are written into the PA's calendar (Shift) ahead of time, so the database refuses
    anything that would overlap them."""

    __tablename__ = "support_regular_shifts"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_week"),
        CheckConstraint("ends > starts", name="ends_after_start"),
        CheckConstraint("until IS NULL OR until >= starts_on", name="until_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pa_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    budget_holder_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]
    starts_on: Mapped[date]
    #: The last day of the arrangement; empty while it goes on.
    until: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    pa: Mapped[Member] = relationship(foreign_keys=[pa_id])
    budget_holder: Mapped[Member] = relationship(foreign_keys=[budget_holder_id])


class CoverStatus(enum.Enum):
    """Where a cover request stands; the moves between them are ``cover.MOVES``."""

    OPEN = "open"
    COVERED = "covered"
    HOURS_RECORDED = "hours_recorded"
    PAID = "paid"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "open": "Looking for a PA",
            "covered": "Covered",
            "hours_recorded": "Hours waiting for approval",
            "paid": "Hours approved and paid",
            "cancelled": "Cancelled",
        }[self.value]


class CoverRequest(db.Model):
    """A budget holder (or someone acting for them) asking the bank for a PA today."""

    __tablename__ = "support_cover_requests"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("bank_delay_minutes BETWEEN 0 AND 240", name="delay_in_range"),
        CheckConstraint(
            "status = 'open' OR status = 'cancelled' OR pa_id IS NOT NULL", name="covered_has_pa"
        ),
        CheckConstraint("minutes_worked IS NULL OR minutes_worked > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_holder_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: Who asked: the budget holder, or a helper with the cover permission.
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    skills: Mapped[str] = mapped_column(String(300), default="")
    #: What the PA will do, shown only to PAs signed in who could take the shift; never emailed.
    tasks: Mapped[str] = mapped_column(Text, default="")
    district: Mapped[str] = mapped_column(String(4))
    wants_woman: Mapped[bool] = mapped_column(default=False)
    #: How long the budget holder's own PAs have before the whole bank is told.
    bank_delay_minutes: Mapped[int] = mapped_column(default=30)
    status: Mapped[CoverStatus] = mapped_column(
        enum_column(CoverStatus, "cover_status"), default=CoverStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the whole bank was emailed (by the worker, or at once when no own PA could come).
    bank_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the coordinators were told it was still open two hours before the start.
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pa_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"), index=True)
    covered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The PA's hourly rate when they accepted: what the hours are paid at.
    hourly_rate_pence: Mapped[int | None]
    minutes_worked: Mapped[int | None]
    hours_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments_transactions.id"), unique=True
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    budget_holder: Mapped[Member] = relationship(foreign_keys=[budget_holder_id])
    asked_by: Mapped[Member] = relationship(foreign_keys=[asked_by_id])
    pa: Mapped[Member | None] = relationship(foreign_keys=[pa_id])
    approved_by: Mapped[Member | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def skill_set(self) -> frozenset[Skill]:
        return skills_from(self.skills)


class Shift(db.Model):
    """An entry in a PA's calendar: a week of a regular shift, or a cover shift taken.

    A PA is never in two shifts at once, whichever family they are with: on PostgreSQL an
    exclusion constraint over tstzrange(starts_at, ends_at) per PA (migration 0013_cover), on
    SQLite the check in ``shared_pas.book`` inside the BEGIN IMMEDIATE transaction every
    write starts with.
    """

    __tablename__ = "support_shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "(regular_shift_id IS NULL) != (cover_request_id IS NULL)", name="one_source"
        ),
        UniqueConstraint("regular_shift_id", "starts_at", name="one_week_each"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pa_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    budget_holder_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    regular_shift_id: Mapped[int | None] = mapped_column(ForeignKey("support_regular_shifts.id"))
    cover_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_cover_requests.id"), unique=True
    )

    pa: Mapped[Member] = relationship(foreign_keys=[pa_id])
    budget_holder: Mapped[Member] = relationship(foreign_keys=[budget_holder_id])
    regular_shift: Mapped[RegularShift | None] = relationship()
    cover_request: Mapped[CoverRequest | None] = relationship()
