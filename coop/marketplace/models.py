"""Providers, their listings and sessions, bookings, waiting lists and reviews."""

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop import clock
from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class ProviderKind(enum.Enum):
    MICRO_ENTERPRISE = "micro_enterprise"
    COMMUNITY_VENUE = "community_venue"

    @property
    def label(self) -> str:
        return {"micro_enterprise": "Micro-enterprise", "community_venue": "Community venue"}[
            self.value
        ]


class ProviderStatus(enum.Enum):
    """Where a provider stands with the secretary; the moves are in marketplace.providers."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"applied": "Waiting for approval", "approved": "Approved", "rejected": "Rejected"}[
            self.value
        ]


class Category(enum.Enum):
    GYM_FITNESS = "gym_fitness"
    SUPPORT_PLANNING = "support_planning"
    LIFE_COACHING = "life_coaching"
    SKILLS_TUITION = "skills_tuition"
    PEER_SUPPORT = "peer_support"
    SHORT_BREAKS = "short_breaks"
    TRANSPORT = "transport"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "gym_fitness": "Gym and fitness",
            "support_planning": "Support planning",
            "life_coaching": "Life coaching",
            "skills_tuition": "Skills and tuition",
            "peer_support": "Peer support",
            "short_breaks": "Short breaks",
            "transport": "Transport",
            "other": "Other",
        }[self.value]


#: The accessibility features a listing may offer: (column name, label shown to people).
ACCESSIBILITY_FEATURES = (
    ("step_free", "Step-free access"),
    ("accessible_toilet", "Accessible toilet"),
    ("hearing_loop", "Hearing loop"),
    ("bsl", "British Sign Language (BSL)"),
    ("quiet_sessions", "Quiet sessions"),
)


class ListingStatus(enum.Enum):
    """Whether members can see a listing; the moves are in marketplace.listings."""

    DRAFT = "draft"
    #: A provider's first listing waits here for the secretary before anyone can see it.
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return "Waiting for review" if self is ListingStatus.IN_REVIEW else self.value.capitalize()


class BookingStatus(enum.Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"

    @property
    def label(self) -> str:
        return {
            "confirmed": "Booked",
            "cancelled": "Cancelled",
            "cancelled_by_provider": "Cancelled by the provider",
        }[self.value]


class PaymentMethod(enum.Enum):
    """How a booking was paid for."""

    BUDGET = "budget"
    CARD = "card"


class WaitlistStatus(enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    EXPIRED = "expired"
    LEFT = "left"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "waiting": "Waiting",
            "offered": "Place offered",
            "booked": "Booked",
            "expired": "Offer ran out",
            "left": "Left the waiting list",
            "closed": "Session cancelled",
        }[self.value]


class Provider(db.Model):
    """A micro-enterprise or community venue selling to members through the marketplace."""

    __tablename__ = "marketplace_providers"
    __table_args__ = (
        CheckConstraint(
            "status != 'approved' OR approved_at IS NOT NULL", name="approved_has_date"
        ),
        CheckConstraint(
            "status != 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind, "provider_kind"))
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30))
    website: Mapped[str] = mapped_column(String(200), default="")
    address_line_1: Mapped[str] = mapped_column(String(100))
    address_line_2: Mapped[str] = mapped_column(String(100), default="")
    town: Mapped[str] = mapped_column(String(60))
    #: Normalised as for members, e.g. "DE1 3AB".
    postcode: Mapped[str] = mapped_column(String(8))
    #: In the provider's words: parking, steps, lifts, toilets, quiet space.
    premises_accessibility: Mapped[str] = mapped_column(Text, default="")
    #: Public liability insurance runs out at the end of this date; after it the provider's
    #: listings are hidden until a new date is given.
    insurance_expires_on: Mapped[date]
    #: When staff who work with adults were last DBS checked; empty if none do.
    dbs_checked_on: Mapped[date | None]
    status: Mapped[ProviderStatus] = mapped_column(
        enum_column(ProviderStatus, "provider_status"), default=ProviderStatus.APPLIED, index=True
    )
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    #: The expiry date we last told the provider about, so they are told once per lapse.
    insurance_lapse_notified_for: Mapped[date | None]
    #: When the secretary approved the provider's first listing; until then every listing it
    #: publishes waits for review, and after it they publish at once.
    first_listing_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[list["ProviderStaff"]] = relationship(
        back_populates="provider", order_by="ProviderStaff.id"
    )
    listings: Mapped[list["Listing"]] = relationship(
        back_populates="provider", order_by="Listing.id"
    )

    @property
    def postal_address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)

    def insured_on(self, day: date) -> bool:
        return day <= self.insurance_expires_on

    @property
    def is_waiting(self) -> bool:
        """Waiting for the secretary's decision."""
        return self.status is ProviderStatus.APPLIED

    @property
    def is_approved(self) -> bool:
        """Approved by the secretary (whether its insurance is current is :meth:`insured_on`)."""
        return self.status is ProviderStatus.APPROVED

    @property
    def is_rejected(self) -> bool:
        return self.status is ProviderStatus.REJECTED


class ProviderStaff(db.Model):
    """A member account that manages a provider: its listings, sessions and bookings."""

    __tablename__ = "marketplace_provider_staff"
    __table_args__ = (
        UniqueConstraint("provider_id", "member_id", name="uq_marketplace_provider_staff_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship(back_populates="staff")
    member: Mapped[Member] = relationship()


class Listing(db.Model):
    """Something a provider sells: a service or activity with a weekly schedule of sessions."""

    __tablename__ = "marketplace_listings"
    __table_args__ = (
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_in_a_day"),
        CheckConstraint("places_per_session BETWEEN 1 AND 500", name="places_positive"),
        CheckConstraint("cancellation_notice_hours >= 0", name="notice_not_negative"),
        CheckConstraint(
            "members_discount_percent IS NULL OR members_discount_percent BETWEEN 1 AND 100",
            name="members_discount_is_a_percentage",
        ),
        CheckConstraint("at_home OR venue_address != ''", name="venue_has_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[Category] = mapped_column(enum_column(Category, "category"), index=True)
    #: The full price of one place; 0 for a free session such as peer support.
    price_pence: Mapped[int]
    duration_minutes: Mapped[int]
    places_per_session: Mapped[int]
    #: True when the session happens at the person's own home.
    at_home: Mapped[bool] = mapped_column(default=False)
    #: Where the session happens when not at home, as one line.
    venue_address: Mapped[str] = mapped_column(String(250), default="")
    step_free: Mapped[bool] = mapped_column(default=False)
    accessible_toilet: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    bsl: Mapped[bool] = mapped_column(default=False)
    quiet_sessions: Mapped[bool] = mapped_column(default=False)
    #: Whether a council allows direct payments to be spent on this.
    direct_payments_allowed: Mapped[bool] = mapped_column(default=True)
    #: A booking cancelled at least this many hours before the start is refunded in full.
    cancellation_notice_hours: Mapped[int] = mapped_column(default=24)
    #: Percent off every session for co-op members, if the provider offers it.
    members_discount_percent: Mapped[int | None]
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the provider last asked the secretary to review it (a first listing).
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the secretary sent it back to draft, for the provider to put right.
    review_note: Mapped[str | None] = mapped_column(Text)
    #: Title, description and provider's name in one text, for full-text search; kept by
    #: marketplace.search_columns. Migration 0017_search indexes it: on PostgreSQL a generated
    #: ``search_vector`` column (English) with a GIN index, on SQLite an FTS5 table kept by
    #: triggers; neither is mapped here (tests/test_migrations.py knows them).
    search_document: Mapped[str] = mapped_column(Text)

    provider: Mapped[Provider] = relationship(back_populates="listings")
    schedule_times: Mapped[list["ScheduleTime"]] = relationship(
        back_populates="listing",
        order_by="(ScheduleTime.weekday, ScheduleTime.starts_at)",
        cascade="all, delete-orphan",
    )
    closures: Mapped[list["Closure"]] = relationship(
        back_populates="listing", order_by="Closure.first_day", cascade="all, delete-orphan"
    )
    concessions: Mapped[list["Concession"]] = relationship(
        back_populates="listing", order_by="Concession.id", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["Session"]] = relationship(
        back_populates="listing", order_by="Session.starts_at"
    )

    @property
    def features(self) -> list[str]:
        """Labels of the accessibility features this listing offers."""
        return [label for name, label in ACCESSIBILITY_FEATURES if getattr(self, name)]

    @property
    def is_draft(self) -> bool:
        return self.status is ListingStatus.DRAFT

    @property
    def is_in_review(self) -> bool:
        """Waiting for the secretary to review it (a provider's first listing)."""
        return self.status is ListingStatus.IN_REVIEW

    @property
    def is_published(self) -> bool:
        """Published by its provider (members see it only while the provider is live too)."""
        return self.status is ListingStatus.PUBLISHED


class ScheduleTime(db.Model):
    """One weekly start time of a listing's sessions, on the Europe/London clock."""

    __tablename__ = "marketplace_schedule_times"
    __table_args__ = (
        UniqueConstraint("listing_id", "weekday", "starts_at", name="uq_marketplace_schedule_once"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marketplace_listings.id"), index=True)
    #: Monday is 0, Sunday is 6.
    weekday: Mapped[int]
    #: Local wall-clock time, e.g. 10:00 all year round.
    starts_at: Mapped[time]

    listing: Mapped[Listing] = relationship(back_populates="schedule_times")


class Closure(db.Model):
    """Local dates on which a listing's sessions do not run, e.g. bank holidays."""

    __tablename__ = "marketplace_closures"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marketplace_listings.id"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(120), default="")

    listing: Mapped[Listing] = relationship(back_populates="closures")


class Concession(db.Model):
    """A cheaper price for sessions starting in a weekly window of UK clock time."""

    __tablename__ = "marketplace_concessions"
    __table_args__ = (
        CheckConstraint("percent_off BETWEEN 1 AND 100", name="percent_valid"),
        CheckConstraint("window_start < window_end", name="window_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marketplace_listings.id"), index=True)
    #: Day numbers as digits, Monday 0 to Sunday 6: "01234" is weekdays.
    days: Mapped[str] = mapped_column(String(7))
    window_start: Mapped[time]
    window_end: Mapped[time]
    percent_off: Mapped[int]
    members_only: Mapped[bool] = mapped_column(default=True)

    listing: Mapped[Listing] = relationship(back_populates="concessions")

    @property
    def day_numbers(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.days)


class Session(db.Model):
    """One bookable session of a listing, generated from its weekly schedule.

    ``booked`` and ``held`` count places taken and places held for a waiting-list offer; the
    CHECK makes the database refuse more than ``places`` whatever the application does.
    """

    __tablename__ = "marketplace_sessions"
    __table_args__ = (
        UniqueConstraint("listing_id", "starts_at", name="uq_marketplace_sessions_start"),
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("booked >= 0 AND held >= 0", name="counts_not_negative"),
        CheckConstraint("booked + held <= places", name="never_overbooked"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("local_minute BETWEEN 0 AND 1439", name="local_minute_in_a_day"),
        CheckConstraint("local_weekday BETWEEN 0 AND 6", name="local_weekday_valid"),
        # The search's indexes: sessions not cancelled in start order, and by the price that
        # applies to members and to everyone else.
        Index(
            "ix_marketplace_sessions_open_starts",
            "starts_at",
            "id",
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_marketplace_sessions_public_price", "public_price_pence", "starts_at"),
        Index("ix_marketplace_sessions_member_price", "member_price_pence", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marketplace_listings.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    places: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # What the search filters on, so the database decides it. Kept by
    # marketplace.search_columns from the start and the listing's price and pricing rules
    # (through pricing.price_of_place), in the transaction that changes any of them.
    #: Minutes after midnight and day (Monday 0) of the start on the Europe/London clock.
    local_minute: Mapped[int]
    local_weekday: Mapped[int]
    #: The price of a place for someone who is not a member, and for a co-op member.
    public_price_pence: Mapped[int]
    member_price_pence: Mapped[int]
    #: Whether that price is an off-peak or concession price (a concession window's).
    public_off_peak: Mapped[bool]
    member_off_peak: Mapped[bool]

    listing: Mapped[Listing] = relationship(back_populates="sessions")
    bookings: Mapped[list["Booking"]] = relationship(
        back_populates="session", order_by="Booking.id"
    )

    @property
    def places_left(self) -> int:
        return self.places - self.booked - self.held


class Booking(db.Model):
    """Places a budget holder booked in one session, and what they paid."""

    __tablename__ = "marketplace_bookings"
    __table_args__ = (
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("price_each_pence >= 0", name="positive_price"),
        CheckConstraint("total_pence = places * price_each_pence", name="total_matches"),
        CheckConstraint("refund_pence BETWEEN 0 AND total_pence", name="refund_within_total"),
        Index(
            "uq_marketplace_bookings_one_live_per_member",
            "session_id",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'confirmed'"),
            postgresql_where=text("status = 'confirmed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Quoted on the confirmation, in emails and on the provider's list; not guessable.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("marketplace_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: Someone in the member's circle of support who booked for them; empty when they booked.
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"), index=True)
    places: Mapped[int] = mapped_column(default=1)
    price_each_pence: Mapped[int]
    #: The full price before any discount, so statements show what was saved.
    base_price_each_pence: Mapped[int]
    total_pence: Mapped[int]
    #: Why the price was lower than the full price, e.g. "Half price off-peak ...".
    discount_label: Mapped[str | None] = mapped_column(String(200))
    #: Copied from the listing when booked: the notice that gets a full refund.
    cancellation_notice_hours: Mapped[int]
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus, "booking_status"), default=BookingStatus.CONFIRMED, index=True
    )
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_pence: Mapped[int] = mapped_column(default=0)
    #: From the budget (or free), or by card through Stripe.
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_column(PaymentMethod, "payment_method"),
        default=PaymentMethod.BUDGET,
        server_default="budget",
    )
    #: Marked by the provider after the session; empty until then.
    attended: Mapped[bool | None]

    session: Mapped[Session] = relationship(back_populates="bookings")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    booked_by: Mapped[Member | None] = relationship(foreign_keys=[booked_by_id])
    review: Mapped["Review | None"] = relationship(back_populates="booking")

    @property
    def is_confirmed(self) -> bool:
        """Booked and not cancelled by anyone."""
        return self.status is BookingStatus.CONFIRMED

    @property
    def paid_by_card(self) -> bool:
        return self.payment_method is PaymentMethod.CARD


class WaitlistEntry(db.Model):
    """A member waiting for a place in a full session, and any place offered to them."""

    __tablename__ = "marketplace_waitlist"
    __table_args__ = (
        Index(
            "uq_marketplace_waitlist_one_live_per_member",
            "session_id",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        CheckConstraint(
            "status != 'offered' OR offer_expires_at IS NOT NULL", name="offer_has_expiry"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("marketplace_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_column(WaitlistStatus, "waitlist_status"), default=WaitlistStatus.WAITING, index=True
    )
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The held place goes to the next person after this moment.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def is_waiting(self) -> bool:
        return self.status is WaitlistStatus.WAITING

    @property
    def offer_open(self) -> bool:
        """A place is held for this member now: offered, and the offer has not run out."""
        return self.status is WaitlistStatus.OFFERED and self.offer_expires_at > clock.now()

    @property
    def offer_lapsed(self) -> bool:
        """The offer ran out; the scheduled job passes the place on, but it is gone already."""
        return self.status is WaitlistStatus.OFFERED and self.offer_expires_at <= clock.now()


class Review(db.Model):
    """A budget holder's rating of a session they attended, and the provider's reply."""

    __tablename__ = "marketplace_reviews"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("marketplace_bookings.id"), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marketplace_listings.id"), index=True)
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))

    booking: Mapped[Booking] = relationship(back_populates="review")
    listing: Mapped[Listing] = relationship()
