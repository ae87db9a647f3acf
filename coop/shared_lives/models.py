"""Shared Lives: carer households, rooms, referrals and who saw them, introductions,
arrangements, short breaks, rates, carer payments, reminders and incidents."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


def _words(text: str) -> frozenset[str]:
    """A comma-separated list column read as a set of trimmed, lower-case words."""
    return frozenset(part.strip().lower() for part in (text or "").split(",") if part.strip())


class HouseholdStatus(enum.Enum):
    """Where a carer household stands; the allowed moves are `service.HOUSEHOLD_MOVES`."""

    ENQUIRY = "enquiry"
    APPLICATION = "application"
    ASSESSMENT = "assessment"
    PANEL = "panel"
    APPROVED = "approved"
    SUSPENDED = "suspended"
    DEAPPROVED = "deapproved"
    RESIGNED = "resigned"

    @property
    def label(self) -> str:
        return {
            "enquiry": "Enquiry",
            "application": "Application",
            "assessment": "Assessment",
            "panel": "Waiting for panel",
            "approved": "Approved",
            "suspended": "Suspended",
            "deapproved": "De-approved",
            "resigned": "Resigned",
        }[self.value]

    @property
    def is_application(self) -> bool:
        return self is HouseholdStatus.APPLICATION


class ArrangementType(enum.Enum):
    LONG_TERM = "long_term"
    SHORT_BREAK = "short_break"
    DAY_SUPPORT = "day_support"

    @property
    def label(self) -> str:
        return {
            "long_term": "Long-term (living together)",
            "short_break": "Short break",
            "day_support": "Day support",
        }[self.value]

    @property
    def is_long_term(self) -> bool:
        return self is ArrangementType.LONG_TERM


class Household(db.Model):
    """A carer household: its application, assessment, approval and profile."""

    __tablename__ = "shared_lives_households"
    __table_args__ = (
        CheckConstraint("max_people BETWEEN 1 AND 3", name="at_most_three_people"),
        CheckConstraint(
            "status NOT IN ('approved', 'suspended', 'deapproved') OR panel_decided_on IS NOT NULL",
            name="approval_has_panel_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[HouseholdStatus] = mapped_column(
        enum_column(HouseholdStatus, "household_status"),
        default=HouseholdStatus.ENQUIRY,
        index=True,
    )
    postcode: Mapped[str] = mapped_column(String(8))
    # --- the application
    reasons: Mapped[str] = mapped_column(Text, default="")
    reference_1: Mapped[str] = mapped_column(Text, default="")
    reference_2: Mapped[str] = mapped_column(Text, default="")
    consents_to_dbs: Mapped[bool] = mapped_column(default=False)
    #: The landlord's or mortgage lender's permission to have someone live or stay.
    housing_permission: Mapped[bool] = mapped_column(default=False)
    # --- the profile
    pets: Mapped[str] = mapped_column(String(200), default="")
    smoking: Mapped[bool] = mapped_column(default=False)
    #: Comma-separated lists, compared case-insensitively.
    languages: Mapped[str] = mapped_column(String(200), default="English")
    faith: Mapped[str] = mapped_column(String(80), default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    #: The household's make-up in a few words, e.g. "couple, grown-up children".
    makeup: Mapped[str] = mapped_column(String(200), default="")
    has_woman_carer: Mapped[bool] = mapped_column(default=False)
    #: Arrangement types approved for, e.g. "long_term,short_break".
    approved_types: Mapped[str] = mapped_column(String(80), default="")
    max_people: Mapped[int] = mapped_column(default=1)
    #: Needs the household has said it cannot support (e.g. "overnight_support").
    exclusions: Mapped[str] = mapped_column(Text, default="")
    # --- the panel and what falls due
    panel_decided_on: Mapped[date | None]
    panel_reasons: Mapped[str] = mapped_column(Text, default="")
    dbs_checked_on: Mapped[date | None]
    first_aid_on: Mapped[date | None]
    mental_capacity_on: Mapped[date | None]
    safeguarding_on: Mapped[date | None]
    medication_on: Mapped[date | None]
    data_protection_on: Mapped[date | None]
    safety_check_on: Mapped[date | None]
    carer_review_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    carers: Mapped[list["HouseholdCarer"]] = relationship(
        back_populates="household", order_by="HouseholdCarer.id"
    )
    rooms: Mapped[list["Room"]] = relationship(back_populates="household", order_by="Room.id")

    @property
    def type_set(self) -> frozenset[ArrangementType]:
        return frozenset(ArrangementType(word) for word in _words(self.approved_types))

    @property
    def language_set(self) -> frozenset[str]:
        return _words(self.languages)

    @property
    def interest_set(self) -> frozenset[str]:
        return _words(self.interests)

    @property
    def exclusion_set(self) -> frozenset[str]:
        return _words(self.exclusions)


class HouseholdCarer(db.Model):
    """An adult of the household who is a member of the co-op."""

    __tablename__ = "shared_lives_household_carers"
    __table_args__ = (UniqueConstraint("household_id", "member_id", name="one_place_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)

    household: Mapped[Household] = relationship(back_populates="carers")
    member: Mapped[Member] = relationship()


class HouseholdStatusChange(db.Model):
    """Each move of a household between states, with who made it and why."""

    __tablename__ = "shared_lives_household_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    from_status: Mapped[HouseholdStatus] = mapped_column(
        enum_column(HouseholdStatus, "household_status")
    )
    to_status: Mapped[HouseholdStatus] = mapped_column(
        enum_column(HouseholdStatus, "household_status")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class Room(db.Model):
    __tablename__ = "shared_lives_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    step_free: Mapped[bool] = mapped_column(default=False)
    en_suite: Mapped[bool] = mapped_column(default=False)
    for_long_term: Mapped[bool] = mapped_column(default=False)
    for_short_breaks: Mapped[bool] = mapped_column(default=False)

    household: Mapped[Household] = relationship(back_populates="rooms")


class ReferralStatus(enum.Enum):
    OPEN = "open"
    INTRODUCED = "introduced"
    PLACED = "placed"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Referral(db.Model):
    """Someone the scheme is asked to match with a carer household.

    ``needs`` and ``health_notes`` are special-category data: only coordinators see them;
    a matched household sees ``shared_summary``, which the person agreed to share.
    """

    __tablename__ = "shared_lives_referrals"
    __table_args__ = (
        CheckConstraint(
            "wanted_until IS NULL OR wanted_until > wanted_from", name="wanted_range_forwards"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_name: Mapped[str] = mapped_column(String(100))
    #: The person, when they are a member (and may then sign in to see their referral).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: A carer or family member the person says may act for them.
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    arrangement_type: Mapped[ArrangementType] = mapped_column(
        enum_column(ArrangementType, "arrangement_type")
    )
    wanted_from: Mapped[date]
    #: The night after the last one wanted (short breaks), or none for long-term.
    wanted_until: Mapped[date | None]
    area_postcode: Mapped[str] = mapped_column(String(8))
    needs: Mapped[str] = mapped_column(Text, default="")
    health_notes: Mapped[str] = mapped_column(Text, default="")
    must_haves: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(40), default="")
    faith: Mapped[str] = mapped_column(String(80), default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    household_wish: Mapped[str] = mapped_column(String(200), default="")
    shared_summary: Mapped[str] = mapped_column(Text, default="")
    #: Paid from the person's own budget (they must be a budget holder), else by the council.
    paid_from_budget: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus, "referral_status"), default=ReferralStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))

    person: Mapped[Member | None] = relationship(foreign_keys=[person_id])
    acting_for: Mapped[Member | None] = relationship(foreign_keys=[acting_for_id])

    @property
    def need_set(self) -> frozenset[str]:
        return _words(self.needs)

    @property
    def must_have_set(self) -> frozenset[str]:
        return _words(self.must_haves)

    @property
    def interest_set(self) -> frozenset[str]:
        return _words(self.interests)


class ReferralAccess(db.Model):
    """Every time someone opened a referral: the person can read this log."""

    __tablename__ = "shared_lives_referral_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_referrals.id"), index=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    #: What they saw: "the full referral", "the shared summary", "your own referral".
    what: Mapped[str] = mapped_column(String(80))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    viewer: Mapped[Member] = relationship()


class IntroductionStatus(enum.Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    AGREED = "agreed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "proposed": "Waiting for both sides to say yes to meeting",
            "accepted": "Meeting each other",
            "declined": "Declined",
            "agreed": "Both sides agreed",
            "withdrawn": "Withdrawn",
        }[self.value]

    @property
    def is_proposed(self) -> bool:
        return self is IntroductionStatus.PROPOSED

    @property
    def is_accepted(self) -> bool:
        return self is IntroductionStatus.ACCEPTED

    @property
    def is_agreed(self) -> bool:
        return self is IntroductionStatus.AGREED


class Introduction(db.Model):
    __tablename__ = "shared_lives_introductions"
    __table_args__ = (
        UniqueConstraint("referral_id", "household_id", name="one_per_household"),
        CheckConstraint("status != 'declined' OR decline_reason != ''", name="declined_has_reason"),
        CheckConstraint(
            "status NOT IN ('accepted', 'agreed')"
            " OR (person_accepted_at IS NOT NULL AND household_accepted_at IS NOT NULL)",
            name="meetings_after_both_said_yes",
        ),
        CheckConstraint(
            "status != 'agreed'"
            " OR (person_agreed_at IS NOT NULL AND household_agreed_at IS NOT NULL)",
            name="agreed_by_both",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_referrals.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    status: Mapped[IntroductionStatus] = mapped_column(
        enum_column(IntroductionStatus, "introduction_status"),
        default=IntroductionStatus.PROPOSED,
    )
    #: The household answers by this date, or the introduction lapses.
    respond_by: Mapped[date]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    #: Each side's yes to meeting: the introduction goes ahead to meetings once both said it.
    person_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    household_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Each side's yes to the arrangement, after the meetings.
    person_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    household_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    referral: Mapped[Referral] = relationship()
    household: Mapped[Household] = relationship()
    meetings: Mapped[list["Meeting"]] = relationship(order_by="Meeting.held_on")


class Meeting(db.Model):
    __tablename__ = "shared_lives_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("shared_lives_introductions.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")


class Arrangement(db.Model):
    """A running or ended arrangement between a person and a carer household."""

    __tablename__ = "shared_lives_arrangements"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("ends_on IS NULL OR end_reason != ''", name="ending_has_reason"),
        CheckConstraint("rate_band BETWEEN 1 AND 4", name="band_one_to_four"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_referrals.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("shared_lives_rooms.id"), index=True)
    arrangement_type: Mapped[ArrangementType] = mapped_column(
        enum_column(ArrangementType, "arrangement_type")
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    plan: Mapped[str] = mapped_column(Text, default="")
    #: The long-term weekly band (1 to 4) the rate table pays.
    rate_band: Mapped[int] = mapped_column(default=1)
    #: Weekly rent and the person's household contribution, paid to the carer with the fee.
    rent_weekly_pence: Mapped[int] = mapped_column(default=0)
    contribution_weekly_pence: Mapped[int] = mapped_column(default=0)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    review_requested_by: Mapped[str] = mapped_column(String(40), default="")

    referral: Mapped[Referral] = relationship()
    household: Mapped[Household] = relationship()
    room: Mapped[Room | None] = relationship()
    reviews: Mapped[list["ArrangementReview"]] = relationship(order_by="ArrangementReview.held_on")


class ArrangementReview(db.Model):
    __tablename__ = "shared_lives_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("shared_lives_arrangements.id"), index=True
    )
    held_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(Text)


class StayKind(enum.Enum):
    SHORT_BREAK = "short_break"
    DAY_SUPPORT = "day_support"
    #: The carers' own break: no one is offered the room on these nights.
    CARERS_BREAK = "carers_break"

    @property
    def label(self) -> str:
        return {
            "short_break": "Short break",
            "day_support": "Day support",
            "carers_break": "Carers' own break",
        }[self.value]


class Stay(db.Model):
    """A room taken for a range of nights [starts_on, ends_on): a short break or the carers'
    own break, or a day of day support (ends_on the day after).

    Two stays that are not cancelled never overlap in one room: on PostgreSQL an exclusion
    constraint over daterange(starts_on, ends_on) WHERE cancelled_at IS NULL (migration
    0012_slgaps), on SQLite the check in ``service.book_stay`` inside the BEGIN IMMEDIATE
    transaction every write starts with. A cancelled stay frees its room and is not paid.
    """

    __tablename__ = "shared_lives_stays"
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="at_least_one_night"),
        CheckConstraint("hours IS NULL OR hours IN (4, 6, 8)", name="day_session_hours"),
        CheckConstraint("people BETWEEN 1 AND 3", name="one_to_three_people"),
        CheckConstraint("kind != 'day_support' OR hours IS NOT NULL", name="day_session_has_hours"),
        CheckConstraint("cancelled_at IS NULL OR cancel_reason != ''", name="cancelled_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_rooms.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("shared_lives_referrals.id"))
    kind: Mapped[StayKind] = mapped_column(enum_column(StayKind, "stay_kind"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: Day support: the session's length; people supported together in it.
    hours: Mapped[int | None]
    people: Mapped[int] = mapped_column(default=1)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: A cancelled stay keeps its row, frees the room and is never paid.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))

    household: Mapped[Household] = relationship()
    room: Mapped[Room] = relationship()
    referral: Mapped[Referral | None] = relationship()
    cancelled_by: Mapped[Member | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def nights(self) -> int:
        return (self.ends_on - self.starts_on).days

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class RateTable(db.Model):
    """The scheme's carer rates from a date; every version is kept."""

    __tablename__ = "shared_lives_rates"
    __table_args__ = (
        CheckConstraint(
            "band_1_weekly_pence >= 0 AND band_2_weekly_pence >= 0 AND band_3_weekly_pence >= 0"
            " AND band_4_weekly_pence >= 0 AND short_break_nightly_pence >= 0"
            " AND day_4h_pence >= 0 AND day_6h_pence >= 0 AND day_8h_pence >= 0",
            name="rates_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(unique=True)
    band_1_weekly_pence: Mapped[int]
    band_2_weekly_pence: Mapped[int]
    band_3_weekly_pence: Mapped[int]
    band_4_weekly_pence: Mapped[int]
    short_break_nightly_pence: Mapped[int]
    day_4h_pence: Mapped[int]
    day_6h_pence: Mapped[int]
    day_8h_pence: Mapped[int]
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))


class CarerPayment(db.Model):
    """One household's payment for one month, posted to the ledger once."""

    __tablename__ = "shared_lives_payments"
    __table_args__ = (
        UniqueConstraint("household_id", "month", name="once_a_month"),
        CheckConstraint(
            "care_fee_pence >= 0 AND rent_pence >= 0 AND contribution_pence >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    #: The first day of the month paid for.
    month: Mapped[date]
    care_fee_pence: Mapped[int]
    rent_pence: Mapped[int]
    contribution_pence: Mapped[int]
    #: What was delivered, one line each, as the statement shows it.
    lines: Mapped[str] = mapped_column(Text, default="")
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("payments_transactions.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()

    @property
    def total_pence(self) -> int:
        return self.care_fee_pence + self.rent_pence + self.contribution_pence


class ReminderSent(db.Model):
    """A reminder that was emailed; UNIQUE, so each goes once."""

    __tablename__ = "shared_lives_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What fell due and when, e.g. "household:3:dbs:2027-01-05".
    key: Mapped[str] = mapped_column(String(120), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentKind(enum.Enum):
    SERIOUS_INJURY = "serious_injury"
    ABUSE = "abuse"
    POLICE = "police"
    DOLS = "dols"
    MEDICATION_ERROR = "medication_error"
    MINOR_INJURY = "minor_injury"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "serious_injury": "Serious injury",
            "abuse": "Abuse or an allegation of abuse",
            "police": "An incident reported to or by the police",
            "dols": "A Deprivation of Liberty Safeguards application",
            "medication_error": "A medication error",
            "minor_injury": "A minor injury",
            "other": "Something else",
        }[self.value]

    @property
    def notifiable(self) -> bool:
        """Whether the regulator must be told."""
        return self.value in {"serious_injury", "abuse", "police", "dols"}


class Incident(db.Model):
    __tablename__ = "shared_lives_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("shared_lives_households.id"), index=True)
    kind: Mapped[IncidentKind] = mapped_column(enum_column(IncidentKind, "incident_kind"))
    happened_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notification_sent_on: Mapped[date | None]

    household: Mapped[Household] = relationship()
    reported_by: Mapped[Member] = relationship()
