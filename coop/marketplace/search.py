"""Finding sessions to book, and what the public listing page shows about a listing."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, false, func, literal_column, select, table
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from coop import clock
from coop.extensions import db
from coop.marketplace import pricing, schedule, service
from coop.marketplace.models import (
    ACCESSIBILITY_FEATURES,
    Category,
    Listing,
    ListingStatus,
    Provider,
    ProviderStatus,
    Review,
    Session,
)
from coop.members import roles
from coop.members.models import Member

#: How far ahead a search looks when no last date is given, and the listing page's sessions.
DEFAULT_WEEKS = 4
#: Results on one page of the search.
PER_PAGE = 20
#: The most results counted (10 pages): past it the page says "more than 200", so a search
#: costs about the same however big the catalogue grows; someone with more results than that
#: narrows the search rather than reading page 11.
MOST_COUNTED = 200
#: Day numbers and names, Monday 0, for the days-of-the-week filter.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The most sessions the listing page shows.
LISTING_PAGE_SESSIONS = 20
#: The most reviews the listing page shows, newest first.
LISTING_PAGE_REVIEWS = 20

FEATURE_NAMES = frozenset(name for name, _label in ACCESSIBILITY_FEATURES)


class TimeOfDay(enum.Enum):
    """Part of the day a session starts in, on the Europe/London clock."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @property
    def label(self) -> str:
        return {
            "morning": "Morning (before 12 noon)",
            "afternoon": "Afternoon (12 noon to 5pm)",
            "evening": "Evening (from 5pm)",
        }[self.value]

    @property
    def minutes(self) -> tuple[int, int]:
        """Minutes after midnight on the London clock: from (included) and to (not included)."""
        return {
            "morning": (0, 12 * 60),
            "afternoon": (12 * 60, 17 * 60),
            "evening": (17 * 60, 24 * 60),
        }[self.value]

    def includes(self, starts_at: datetime) -> bool:
        """Whether a session starting at this moment starts in this part of the London day."""
        local = starts_at.astimezone(clock.LONDON).time()
        if self is TimeOfDay.MORNING:
            return local < time(12, 0)
        if self is TimeOfDay.AFTERNOON:
            return time(12, 0) <= local < time(17, 0)
        return local >= time(17, 0)


@dataclass(frozen=True)
class Criteria:
    """What someone is looking for. Empty or None parts do not narrow the search.

    Dates are local (Europe/London) and both included; ``max_price_pence`` is compared with
    the price that applies to the person searching, so 0 means free sessions only.
    """

    text: str = ""
    category: Category | None = None
    first_day: date | None = None
    last_day: date | None = None
    time_of_day: TimeOfDay | None = None
    max_price_pence: int | None = None
    features: frozenset[str] = field(default_factory=frozenset)
    direct_payments: bool = False
    #: Days of the week on the London clock, Monday 0; empty for any day.
    weekdays: frozenset[int] = field(default_factory=frozenset)
    #: Only sessions whose price for the person searching is an off-peak or concession price.
    off_peak_only: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.features) - FEATURE_NAMES
        if unknown:
            raise ValueError(f"Unknown accessibility features: {sorted(unknown)}")
        object.__setattr__(self, "features", frozenset(self.features))
        if not set(self.weekdays) <= set(range(7)):
            raise ValueError(f"Days of the week are 0 to 6, not {sorted(self.weekdays)}")
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))

    def date_range(self, today: date) -> tuple[date, date]:
        """The local dates searched: by default from today, for four weeks."""
        first = self.first_day or today
        last = self.last_day or first + timedelta(weeks=DEFAULT_WEEKS)
        return first, last


@dataclass(frozen=True)
class Rating:
    """The reviews a listing has had: how many and their total, for the average."""

    count: int
    total: int

    @property
    def average(self) -> float:
        return self.total / self.count

    @property
    def average_text(self) -> str:
        """The average to one decimal place, without a trailing '.0': '4.5', '4'."""
        return f"{self.average:.1f}".removesuffix(".0")

    @property
    def summary(self) -> str:
        """E.g. '4.5 out of 5 from 2 reviews'."""
        reviews = "review" if self.count == 1 else "reviews"
        return f"{self.average_text} out of 5 from {self.count} {reviews}"


@dataclass(frozen=True)
class Result:
    """One session found, with the price for the person searching and its listing's rating."""

    session: Session
    price: pricing.PlacePrice
    rating: Rating | None

    @property
    def listing(self) -> Listing:
        return self.session.listing


@dataclass(frozen=True)
class ResultsPage:
    """One page of results, and where it sits among them all."""

    results: list[Result]
    total: int
    page: int
    per_page: int
    first_day: date
    last_day: date
    #: More matched than were counted (``total`` is then :data:`MOST_COUNTED`).
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        """The position of the first result on this page among all of them (1-based)."""
        return (self.page - 1) * self.per_page + 1 if self.results else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.results) - 1 if self.results else 0


def _start_of_day(day: date) -> datetime:
    return schedule.wall_clock_to_utc(day, time(0, 0))


#: SQLite's full-text index of the listings' search documents (migration 0017_search).
_LISTINGS_FTS = table("marketplace_listings_fts", literal_column("rowid"))
_ENGLISH = literal_column("'english'")
#: PostgreSQL's generated tsvector column of the listings (migration 0017_search); no model
#: maps it, so the ORM never writes it.
_SEARCH_VECTOR = literal_column("marketplace_listings.search_vector")


def _words(text: str) -> list[str]:
    """The words typed, as letters and digits; everything else only separates them."""
    return re.findall(r"[^\W_]+", text)


def text_matches(text: str) -> ColumnElement[bool]:
    """SQL condition on Listing: every word typed is in its title, description or provider's
    name, English word endings aside ("swim" finds "swimming").

    PostgreSQL matches the listing's stored ``search_vector`` (``to_tsvector('english',
    search_document)``, a generated column with a GIN index) against ``plainto_tsquery``;
    SQLite asks its FTS5 table (Porter stemming) with each word quoted as a phrase. Either way
    the words are a bound parameter, never SQL nor a pattern.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return _SEARCH_VECTOR.op("@@")(func.plainto_tsquery(_ENGLISH, text))
    words = _words(text)
    if not words:
        return false()
    phrases = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    matching = (
        select(literal_column("rowid"))
        .select_from(_LISTINGS_FTS)
        .where(literal_column("marketplace_listings_fts").op("MATCH")(phrases))
    )
    # "+ 0" keeps SQLite from starting at the matching listings and sorting all their
    # sessions: it walks the sessions in time order and stops at a page, as for any search.
    return (Listing.id + 0).in_(matching)


def _conditions(criteria: Criteria, is_member: bool, now: datetime) -> list[ColumnElement[bool]]:
    """Everything a session must be to be found (join Listing and Provider), all in SQL."""
    today = clock.london_today(now)
    first_day, last_day = criteria.date_range(today)
    conditions = [
        service.listing_is_public(today),
        Session.cancelled_at.is_(None),
        Session.starts_at > now,
        Session.starts_at >= _start_of_day(first_day),
        Session.starts_at < _start_of_day(last_day + timedelta(days=1)),
        Session.booked + Session.held < Session.places,
    ]
    if criteria.text.strip():
        conditions.append(text_matches(criteria.text))
    if criteria.category is not None:
        conditions.append(Listing.category == criteria.category)
    conditions += [getattr(Listing, name).is_(True) for name in sorted(criteria.features)]
    if criteria.direct_payments:
        conditions.append(Listing.direct_payments_allowed.is_(True))
    if criteria.time_of_day is not None:
        start, end = criteria.time_of_day.minutes
        conditions += [Session.local_minute >= start, Session.local_minute < end]
    if criteria.weekdays and len(criteria.weekdays) < 7:
        conditions.append(Session.local_weekday.in_(sorted(criteria.weekdays)))
    price = Session.member_price_pence if is_member else Session.public_price_pence
    if criteria.max_price_pence is not None:
        conditions.append(price <= criteria.max_price_pence)
    if criteria.off_peak_only:
        off_peak = Session.member_off_peak if is_member else Session.public_off_peak
        conditions.append(off_peak.is_(True))
    return conditions


def _found(criteria: Criteria, is_member: bool, now: datetime):
    """The sessions found, soonest first, as a query to count or cut a page from."""
    return (
        select(Session)
        .join(Session.listing)
        .join(Listing.provider)
        .where(*_conditions(criteria, is_member, now))
        .order_by(Session.starts_at, Session.id)
    )


def count_statement(criteria: Criteria, is_member: bool, now: datetime):
    """SQL counting the sessions found, up to one more than :data:`MOST_COUNTED`."""
    found = _found(criteria, is_member, now).with_only_columns(Session.id)
    return select(func.count()).select_from(found.limit(MOST_COUNTED + 1).subquery())


def page_statement(criteria: Criteria, is_member: bool, now: datetime, page: int, per_page: int):
    """SQL for one page of the sessions found, with their listings and providers."""
    return (
        _found(criteria, is_member, now)
        .options(
            contains_eager(Session.listing).options(
                contains_eager(Listing.provider), selectinload(Listing.concessions)
            )
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    )


def ratings_for(listing_ids) -> dict[int, Rating]:
    """The rating of each listing that has reviews, in one grouped query."""
    listing_ids = sorted(set(listing_ids))
    if not listing_ids:
        return {}
    rows = db.session.execute(
        select(Review.listing_id, func.count(Review.id), func.sum(Review.rating))
        .where(Review.listing_id.in_(listing_ids))
        .group_by(Review.listing_id)
    )
    return {listing_id: Rating(int(count), int(total)) for listing_id, count, total in rows}


def search(
    criteria: Criteria,
    buyer: Member | None,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> ResultsPage:
    """Find bookable sessions of public listings, soonest first, one page at a time.

    Only sessions that start in the future, are not cancelled and have places left are
    found. The price shown, and compared with the most someone wants to pay, is the price
    that applies to them (a member may get an off-peak discount), stored on each session by
    :mod:`coop.marketplace.search_columns`. The database decides every filter, counts the
    results (up to :data:`MOST_COUNTED`) and cuts the page, so a search costs about the same
    however many sessions there are, in four statements: the count, the page, the page's
    off-peak prices and its ratings. A page past the last shows the last page.
    """
    now = now or clock.now()
    first_day, last_day = criteria.date_range(clock.london_today(now))
    is_member = service.is_member(buyer)
    counted = db.session.scalar(count_statement(criteria, is_member, now))
    more = counted > MOST_COUNTED
    total = min(counted, MOST_COUNTED)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    results: list[Result] = []
    if total:
        sessions = db.session.scalars(
            page_statement(criteria, is_member, now, page, per_page)
        ).all()
        ratings = ratings_for(s.listing_id for s in sessions)
        results = [
            Result(
                session=session,
                price=service.price_for(session.listing, session.starts_at, buyer),
                rating=ratings.get(session.listing_id),
            )
            for session in sessions
        ]
    return ResultsPage(
        results=results,
        total=total,
        page=page,
        per_page=per_page,
        first_day=first_day,
        last_day=last_day,
        more=more,
    )


# --- The listing page --------------------------------------------------------------------


def listing_for_page(listing_id: int) -> Listing | None:
    """A listing with all the listing page needs loaded, whoever may see it."""
    return db.session.scalar(
        select(Listing)
        .where(Listing.id == listing_id)
        .options(
            joinedload(Listing.provider).selectinload(Provider.staff),
            selectinload(Listing.schedule_times),
            selectinload(Listing.closures),
            selectinload(Listing.concessions),
        )
    )


def can_view_listing(actor: Member | None, listing: Listing, today: date | None = None) -> bool:
    """Anyone may see a public listing; its provider's staff and the secretary may preview
    one that is not public (a draft, an archived listing, or a provider not yet live)."""
    if service.is_public(listing, today):
        return True
    if actor is None or not actor.is_authenticated:
        return False
    return service.is_staff_of(actor, listing.provider) or roles.is_secretary(actor)


def why_not_public(listing: Listing, today: date | None = None) -> str | None:
    """Say in plain English why a listing is hidden from the public; None if it is public."""
    today = today or clock.london_today()
    provider = listing.provider
    if listing.status is ListingStatus.DRAFT:
        return "It is a draft and has not been published."
    if listing.status is ListingStatus.ARCHIVED:
        return "It has been archived."
    if provider.status is not ProviderStatus.APPROVED:
        return "The secretary has not approved the provider."
    if not provider.insured_on(today):
        return (
            "The provider's public liability insurance ran out on "
            f"{clock.format_date(provider.insurance_expires_on)}. "
            "Give a new expiry date to show it again."
        )
    return None


def coming_closures(listing: Listing, today: date | None = None) -> list[str]:
    """Closures that have not yet ended, in words: 'Closed on 25 December 2026 (Christmas)'."""
    today = today or clock.london_today()
    return [
        schedule.describe_closure(closure)
        for closure in service.weekly_schedule(listing).closures
        if closure.last_day >= today
    ]


def price_rules_in_words(listing: Listing) -> list[str]:
    """Each discount the listing offers, in words, e.g. 'Half price off-peak for co-op
    members, weekdays 10:00 to 15:00'."""
    if listing.price_pence == 0:
        return []
    return [discount.label for discount in service.pricing_rules(listing).discounts]


@dataclass(frozen=True)
class SessionOffer:
    """A coming session on the listing page, with the price for the person looking."""

    session: Session
    price: pricing.PlacePrice

    @property
    def full(self) -> bool:
        return self.session.places_left <= 0


def coming_sessions(
    listing: Listing,
    buyer: Member | None,
    *,
    now: datetime | None = None,
    limit: int = LISTING_PAGE_SESSIONS,
) -> list[SessionOffer]:
    """The listing's sessions in the next four weeks that are not cancelled, full or not."""
    now = now or clock.now()
    sessions = db.session.scalars(
        select(Session)
        .where(
            Session.listing_id == listing.id,
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            Session.starts_at < now + timedelta(weeks=DEFAULT_WEEKS),
        )
        .order_by(Session.starts_at, Session.id)
        .limit(limit)
    )
    return [
        SessionOffer(session, service.price_for(listing, session.starts_at, buyer))
        for session in sessions
    ]


def reviews_of(listing: Listing, limit: int = LISTING_PAGE_REVIEWS) -> list[Review]:
    """The listing's newest reviews first."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.listing_id == listing.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )
