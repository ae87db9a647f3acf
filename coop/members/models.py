"""Members of the co-op, their applications and the officers who run it."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db


class MemberClass(enum.Enum):
    """The classes of member the co-op's rules recognise."""

    BUDGET_HOLDER = "budget_holder"
    CARER = "carer"
    PA = "pa"
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        return {
            "budget_holder": "Budget holder",
            "carer": "Carer",
            "pa": "Personal assistant (PA)",
            "provider": "Provider",
        }[self.value]

    @property
    def is_budget_holder(self) -> bool:
        return self is MemberClass.BUDGET_HOLDER

    @property
    def is_provider(self) -> bool:
        return self is MemberClass.PROVIDER


class MembershipStatus(enum.Enum):
    """Where a membership stands; the moves between them are in members.service."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    LEFT = "left"

    @property
    def label(self) -> str:
        return {
            "applied": "Applied",
            "approved": "Member",
            "rejected": "Not accepted",
            "left": "Left",
        }[self.value]


class Office(enum.Enum):
    """Offices recorded in the register of officers."""

    SECRETARY = "secretary"
    CHAIR = "chair"
    TREASURER = "treasurer"
    DIRECTOR = "director"
    #: Runs the Shared Lives scheme: households, referrals, matching, payments.
    SHARED_LIVES_COORDINATOR = "shared_lives_coordinator"

    @property
    def label(self) -> str:
        if self is Office.SHARED_LIVES_COORDINATOR:
            return "Shared Lives coordinator"
        return self.value.capitalize()


class Member(UserMixin, db.Model):
    """A person or organisation that has applied to join, or has joined, the co-op."""

    __tablename__ = "members_members"
    __table_args__ = (
        CheckConstraint("shares_held >= 0", name="shares_not_negative"),
        CheckConstraint("share_capital_paid_pence >= 0", name="share_capital_not_negative"),
        CheckConstraint(
            "status NOT IN ('approved', 'left')"
            " OR (member_number IS NOT NULL AND joined_on IS NOT NULL)",
            name="member_has_number",
        ),
        CheckConstraint("status != 'left' OR left_on IS NOT NULL", name="left_has_date"),
        CheckConstraint(
            "status != 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"
        ),
        CheckConstraint(
            "member_class != 'provider' OR organisation_name IS NOT NULL",
            name="provider_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so the same address cannot register twice in another case. Empty
    #: for a member who applied on paper or by phone without one: they are sent letters.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    #: The organisation a provider member joins for.
    organisation_name: Mapped[str | None] = mapped_column(String(120))
    address_line_1: Mapped[str] = mapped_column(String(100))
    address_line_2: Mapped[str] = mapped_column(String(100), default="")
    town: Mapped[str] = mapped_column(String(60))
    #: Normalised: upper case with one space before the inward code, e.g. "DE1 3AB".
    postcode: Mapped[str] = mapped_column(String(8))
    member_class: Mapped[MemberClass] = mapped_column(enum_column(MemberClass, "member_class"))
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus, "membership_status"),
        default=MembershipStatus.APPLIED,
        index=True,
    )
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agreed_rules_at: Mapped[datetime] = mapped_column(UTCDateTime)
    member_number: Mapped[int | None] = mapped_column(unique=True)
    #: When the membership was approved; decides which motions the member may vote on.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    shares_held: Mapped[int] = mapped_column(default=0)
    share_capital_paid_pence: Mapped[int] = mapped_column(default=0)
    #: Any other property of the society the member holds (loans, for example), as the
    #: register of members must record it.
    other_property: Mapped[str] = mapped_column(Text, default="")

    offices: Mapped[list["Officer"]] = relationship(
        back_populates="member", order_by="Officer.started_on"
    )
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="member",
        foreign_keys="StatusChange.member_id",
        order_by="StatusChange.changed_at",
    )

    #: This browser's sign-in, "member id:token" (see members.sign_ins): set when the member
    #: signs in or is loaded from a cookie. Not a column: the server keeps only the token's hash.
    sign_in_key = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: this browser's sign-in,
        never the bare member id, so a cookie stops working once its sign-in is ended."""
        if self.sign_in_key is None:
            raise RuntimeError("Start a sign-in with members.sign_ins.start before login_user")
        return self.sign_in_key

    def __eq__(self, other: object) -> bool:
        # The same member whichever browser loaded them (UserMixin would compare sign-ins).
        if isinstance(other, Member):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = object.__hash__

    @property
    def display_name(self) -> str:
        """The name to show: the organisation for a provider, the person otherwise."""
        if self.organisation_name:
            return f"{self.organisation_name} ({self.name})"
        return self.name

    @property
    def postal_address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)

    @property
    def contact_preference(self) -> str:
        """How the co-op reaches the member: by email, or by letters when they have none."""
        return "Email" if self.email else "Letters to their postal address"

    @property
    def is_approved(self) -> bool:
        return self.status is MembershipStatus.APPROVED

    @property
    def is_applicant(self) -> bool:
        """Applied and waiting for the secretary's decision."""
        return self.status is MembershipStatus.APPLIED

    @property
    def is_rejected(self) -> bool:
        return self.status is MembershipStatus.REJECTED

    @property
    def has_left(self) -> bool:
        return self.status is MembershipStatus.LEFT


class StatusChange(db.Model):
    """One move of a membership between states: who made it, when and why."""

    __tablename__ = "members_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    from_status: Mapped[MembershipStatus | None] = mapped_column(
        enum_column(MembershipStatus, "membership_status")
    )
    to_status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus, "membership_status")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The secretary who made the change; empty when members act for themselves.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(back_populates="status_changes", foreign_keys=[member_id])
    changed_by: Mapped[Member | None] = relationship(foreign_keys=[changed_by_id])


class SignIn(db.Model):
    """One browser's sign-in. Its cookies carry a random token; ending the sign-in (signing
    out, or every sign-in of a member at once) makes those cookies useless."""

    __tablename__ = "members_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: SHA-256 of the token in the browser's cookies, so a copy of the database signs no one in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: No sign-in outlives the remember cookie (30 days), whether or not it was remembered.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: "Keep me signed in" was ticked, so the browser also holds a remember cookie.
    remembered: Mapped[bool] = mapped_column(default=False)

    member: Mapped[Member] = relationship()


class Officer(db.Model):
    """A term of office, as the register of officers records it."""

    __tablename__ = "members_officers"
    __table_args__ = (
        UniqueConstraint("member_id", "office", "started_on", name="uq_members_officers_term"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="term_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    office: Mapped[Office] = mapped_column(enum_column(Office, "office"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    member: Mapped[Member] = relationship(back_populates="offices")
