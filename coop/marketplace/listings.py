"""A provider's listings: their details, weekly schedules, closures and off-peak prices, the
sessions made from them, and publishing and archiving.

Every change takes the acting member and checks the provider's staff through
:func:`coop.marketplace.providers.require_staff`, so a view cannot forget; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from coop import clock, email
from coop.extensions import db
from coop.marketplace import pricing, schedule
from coop.marketplace.models import (
    ACCESSIBILITY_FEATURES,
    Booking,
    BookingStatus,
    Category,
    Closure,
    Concession,
    Listing,
    ListingStatus,
    Provider,
    ProviderStatus,
    ScheduleTime,
    Session,
    WaitlistEntry,
)
from coop.marketplace.providers import ProviderError, require_staff
from coop.marketplace.service import weekly_schedule
from coop.members import roles
from coop.members.letters import notify
from coop.members.models import Member

#: How far ahead sessions are made, unless a caller says otherwise.
SESSIONS_AHEAD = timedelta(weeks=8)

#: The longest notice a listing may ask for before a cancellation loses its refund (4 weeks).
MAX_NOTICE_HOURS = 24 * 28

#: The moves a listing may make; anything else is refused.
LISTING_MOVES: frozenset[tuple[ListingStatus, ListingStatus]] = frozenset(
    {
        (ListingStatus.DRAFT, ListingStatus.PUBLISHED),
        (ListingStatus.DRAFT, ListingStatus.IN_REVIEW),
        (ListingStatus.DRAFT, ListingStatus.ARCHIVED),
        (ListingStatus.IN_REVIEW, ListingStatus.PUBLISHED),
        (ListingStatus.IN_REVIEW, ListingStatus.DRAFT),
        (ListingStatus.IN_REVIEW, ListingStatus.ARCHIVED),
        (ListingStatus.PUBLISHED, ListingStatus.DRAFT),
        (ListingStatus.PUBLISHED, ListingStatus.ARCHIVED),
        (ListingStatus.ARCHIVED, ListingStatus.DRAFT),
    }
)


def can_move_listing(from_status: ListingStatus, to_status: ListingStatus) -> bool:
    return (from_status, to_status) in LISTING_MOVES


# --- Listings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingDetails:
    """What a provider says about something it sells."""

    title: str
    description: str
    category: Category
    price_pence: int
    duration_minutes: int
    places_per_session: int
    at_home: bool = False
    venue_address: str = ""
    features: frozenset[str] = frozenset()
    direct_payments_allowed: bool = True
    cancellation_notice_hours: int = 24
    members_discount_percent: int | None = None


FEATURE_NAMES = tuple(name for name, _label in ACCESSIBILITY_FEATURES)


def _listing_values(details: ListingDetails) -> dict:
    """The details as column values, or ProviderError naming the field that is wrong."""
    if not details.title.strip():
        raise ProviderError("Enter a title", "title")
    if not details.description.strip():
        raise ProviderError("Enter a description", "description")
    if details.price_pence is None or details.price_pence < 0:
        raise ProviderError("Enter the price of a place in pounds, like 8 or 7.50", "price")
    if not 1 <= details.duration_minutes <= schedule.MAX_DURATION_MINUTES:
        raise ProviderError(
            "The session length must be between 1 minute and 24 hours", "duration_minutes"
        )
    if not 1 <= details.places_per_session <= 500:
        raise ProviderError("Places in each session must be between 1 and 500", "places")
    if not 0 <= details.cancellation_notice_hours <= MAX_NOTICE_HOURS:
        raise ProviderError(
            f"The notice must be between 0 and {MAX_NOTICE_HOURS} hours (4 weeks)",
            "cancellation_notice_hours",
        )
    venue = (details.venue_address or "").strip()
    if not details.at_home and not venue:
        raise ProviderError("Enter the address where the sessions happen", "venue_address")
    percent = details.members_discount_percent
    rules = pricing.PricingRules(
        members_discount=pricing.MembersDiscount(percent) if percent is not None else None
    )
    problems = pricing.validate_rules(rules)
    if problems:
        raise ProviderError(problems[0], "members_discount_percent")
    unknown = set(details.features) - set(FEATURE_NAMES)
    if unknown:
        raise ProviderError("Choose accessibility features from the list", "features")
    values = {
        "title": details.title.strip(),
        "description": details.description.strip(),
        "category": details.category,
        "price_pence": details.price_pence,
        "duration_minutes": details.duration_minutes,
        "places_per_session": details.places_per_session,
        "at_home": details.at_home,
        "venue_address": "" if details.at_home else venue,
        "direct_payments_allowed": details.direct_payments_allowed,
        "cancellation_notice_hours": details.cancellation_notice_hours,
        "members_discount_percent": percent,
    }
    values.update({name: name in details.features for name in FEATURE_NAMES})
    return values


def create_listing(
    provider: Provider, details: ListingDetails, by: Member, now: datetime | None = None
) -> Listing:
    """Add a draft listing; it is published separately once it has a schedule."""
    now = now or clock.now()
    require_staff(by, provider)
    listing = Listing(
        provider=provider, status=ListingStatus.DRAFT, created_at=now, **_listing_values(details)
    )
    db.session.add(listing)
    db.session.flush()
    return listing


def update_listing(
    listing: Listing, details: ListingDetails, by: Member, now: datetime | None = None
) -> Listing:
    """Change a listing. Bookings already made keep the price and notice they were made with.

    Sessions still to come take the new number of places, though never fewer than are taken.
    """
    now = now or clock.now()
    require_staff(by, listing.provider)
    for name, value in _listing_values(details).items():
        setattr(listing, name, value)
    for session in _future_sessions(listing, now):
        session.places = max(listing.places_per_session, session.booked + session.held, 1)
    db.session.flush()
    return listing


def listing_details(listing: Listing) -> ListingDetails:
    """A listing's current details, to fill in its form."""
    return ListingDetails(
        title=listing.title,
        description=listing.description,
        category=listing.category,
        price_pence=listing.price_pence,
        duration_minutes=listing.duration_minutes,
        places_per_session=listing.places_per_session,
        at_home=listing.at_home,
        venue_address=listing.venue_address,
        features=frozenset(name for name in FEATURE_NAMES if getattr(listing, name)),
        direct_payments_allowed=listing.direct_payments_allowed,
        cancellation_notice_hours=listing.cancellation_notice_hours,
        members_discount_percent=listing.members_discount_percent,
    )


def _move_listing(listing: Listing, to_status: ListingStatus) -> None:
    if not can_move_listing(listing.status, to_status):
        raise ProviderError(
            f"This listing is {listing.status.label.lower()}, so it cannot be made "
            f"{to_status.label.lower()}."
        )
    listing.status = to_status


def publish_listing(listing: Listing, by: Member, now: datetime | None = None) -> list[Session]:
    """Publish a listing and make its sessions for the weeks ahead; returns the new sessions.

    Only an approved, insured provider can publish, and only a listing with at least one
    day and start time. Until the secretary has approved one of the provider's listings, a
    listing goes to them for review instead, and nothing is made (see :func:`approve_listing`).
    """
    now = now or clock.now()
    provider = listing.provider
    require_staff(by, provider)
    _check_publishable(listing, now)
    if provider.first_listing_approved_at is None:
        _move_listing(listing, ListingStatus.IN_REVIEW)
        listing.review_requested_at = now
        listing.review_note = None
        db.session.flush()
        return []
    _move_listing(listing, ListingStatus.PUBLISHED)
    db.session.flush()
    return generate_sessions(listing, now=now)


def _check_publishable(listing: Listing, now: datetime) -> None:
    """ProviderError unless the provider is approved and insured and the listing has a schedule."""
    provider = listing.provider
    if provider.status is not ProviderStatus.APPROVED:
        raise ProviderError(
            "You can publish listings once the secretary has approved your provider. "
            "Until then you can prepare them as drafts."
        )
    today = clock.london_today(now)
    if not provider.insured_on(today):
        raise ProviderError(
            "Your public liability insurance ran out on "
            f"{clock.format_date(provider.insurance_expires_on)}. Give the new expiry "
            "date in your provider details before publishing."
        )
    if not listing.schedule_times:
        raise ProviderError(
            "Add at least one day and start time to the weekly schedule before publishing."
        )


# --- The secretary's review of a provider's first listing ---------------------------------


def can_review_listings(actor: Member | None) -> bool:
    """The secretary reviews each provider's first listing before anyone can see it."""
    return roles.is_secretary(actor)


def listings_waiting_for_review() -> list[Listing]:
    """Listings waiting for the secretary, the longest waiting first."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.status == ListingStatus.IN_REVIEW)
            .order_by(Listing.review_requested_at, Listing.id)
        )
    )


def approve_listing(listing: Listing, by: Member, now: datetime | None = None) -> list[Session]:
    """The secretary approves a listing waiting for review: it is published, its sessions are
    made, and the provider's later listings publish without review. Returns the sessions."""
    now = now or clock.now()
    if not can_review_listings(by):
        raise ProviderError("Only the secretary can review listings.")
    if listing.status is not ListingStatus.IN_REVIEW:
        raise ProviderError("This listing is not waiting for review.")
    _check_publishable(listing, now)
    _move_listing(listing, ListingStatus.PUBLISHED)
    listing.review_note = None
    provider = listing.provider
    if provider.first_listing_approved_at is None:
        provider.first_listing_approved_at = now
    db.session.flush()
    return generate_sessions(listing, now=now)


def return_listing(listing: Listing, by: Member, reason: str, now: datetime | None = None):
    """The secretary sends a listing back to draft, saying what to put right."""
    if not can_review_listings(by):
        raise ProviderError("Only the secretary can review listings.")
    reason = (reason or "").strip()
    if not reason:
        raise ProviderError("Say what the provider needs to change", "reason")
    if listing.status is not ListingStatus.IN_REVIEW:
        raise ProviderError("This listing is not waiting for review.")
    _move_listing(listing, ListingStatus.DRAFT)
    listing.review_note = reason
    db.session.flush()
    return listing


def send_review_decision(listing: Listing) -> int:
    """Tell the provider's staff what the secretary decided about their listing (after commit)."""
    provider = listing.provider
    link = email.external_url(
        "marketplace.provider_listing", provider_id=provider.id, listing_id=listing.id
    )
    if listing.is_published:
        subject = f"{listing.title} is published"
        body = (
            f"The co-op's secretary has approved {listing.title}. It is published, members can "
            "book it, and your later listings will publish straight away.\n\n"
            f"See it here: {link}\n"
        )
    else:
        subject = f"{listing.title} needs changes"
        body = (
            f"The co-op's secretary has sent {listing.title} back to draft. What to change:"
            f"\n\n{listing.review_note}\n\nChange it and publish it again here: {link}\n"
        )
    return sum(1 for staff in provider.staff if notify(staff.member, subject, body))


def archive_listing(listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Take a listing off the marketplace for good; sessions already booked still happen."""
    require_staff(by, listing.provider)
    _move_listing(listing, ListingStatus.ARCHIVED)
    db.session.flush()
    return listing


def unpublish_listing(listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Put a listing back to draft (hidden) to change it; sessions already booked still happen."""
    require_staff(by, listing.provider)
    _move_listing(listing, ListingStatus.DRAFT)
    db.session.flush()
    return listing


# --- The weekly schedule, closures and pricing rules -------------------------------------


@dataclass
class ScheduleChange:
    """What a change to the schedule or closures did to sessions still to come."""

    added: list[Session] = field(default_factory=list)
    #: Sessions no longer in the schedule that nobody had booked: deleted (or cancelled).
    removed: int = 0
    #: Sessions no longer in the schedule that people have booked: the provider must cancel
    #: them from the session page, so everyone booked is refunded and told.
    still_booked: list[Session] = field(default_factory=list)


def _raise_problems(problems: list[str], field_name: str | None) -> None:
    if problems:
        raise ProviderError(" ".join(problems), field_name)


def add_schedule_times(
    listing: Listing, days: list[int], at: time, by: Member, now: datetime | None = None
) -> ScheduleChange:
    """Add a start time on some days of the week; sessions follow if the listing is published."""
    now = now or clock.now()
    require_staff(by, listing.provider)
    if not days:
        raise ProviderError("Choose at least one day", "days")
    new_slots = {(int(day), at.replace(second=0, microsecond=0)) for day in days}
    existing = {(t.weekday, t.starts_at) for t in listing.schedule_times}
    trial = schedule.WeeklySchedule(
        slots=frozenset(existing | new_slots), duration_minutes=listing.duration_minutes
    )
    _raise_problems(schedule.validate_schedule(trial), "days")
    if new_slots <= existing:
        raise ProviderError(
            "Sessions already start at that time on the days you chose", "starts_at"
        )
    for weekday, start in sorted(new_slots - existing):
        listing.schedule_times.append(ScheduleTime(weekday=weekday, starts_at=start))
    db.session.flush()
    return _resync(listing, now)


def remove_schedule_time(
    schedule_time: ScheduleTime, by: Member, now: datetime | None = None
) -> ScheduleChange:
    """Stop a weekly start time; its future sessions go unless people have booked them."""
    now = now or clock.now()
    listing = schedule_time.listing
    require_staff(by, listing.provider)
    listing.schedule_times.remove(schedule_time)
    db.session.flush()
    return _resync(listing, now)


def add_closure(
    listing: Listing,
    first_day: date,
    last_day: date | None,
    reason: str,
    by: Member,
    now: datetime | None = None,
) -> ScheduleChange:
    """Close a listing for a day or a run of days; sessions on them go unless booked."""
    now = now or clock.now()
    require_staff(by, listing.provider)
    last_day = last_day or first_day
    closure = schedule.Closure(first_day, last_day, (reason or "").strip() or None)
    # The listing's own slots are checked elsewhere; here only the closure is in question.
    trial = schedule.WeeklySchedule(
        slots=frozenset({(0, time(0))}),
        duration_minutes=listing.duration_minutes,
        closures=(closure,),
    )
    _raise_problems(schedule.validate_schedule(trial), "last_day")
    if last_day < clock.london_today(now):
        raise ProviderError("The closure must end today or later", "last_day")
    if len((reason or "").strip()) > 120:
        raise ProviderError("The reason must be 120 characters or fewer", "reason")
    listing.closures.append(
        Closure(first_day=first_day, last_day=last_day, reason=(reason or "").strip())
    )
    db.session.flush()
    return _resync(listing, now)


def remove_closure(closure: Closure, by: Member, now: datetime | None = None) -> ScheduleChange:
    """Reopen closed days; sessions are made for them again if the listing is published."""
    now = now or clock.now()
    listing = closure.listing
    require_staff(by, listing.provider)
    listing.closures.remove(closure)
    db.session.flush()
    return _resync(listing, now)


def add_concession(
    listing: Listing,
    days: list[int],
    window_start: time,
    window_end: time,
    percent_off: int,
    members_only: bool,
    by: Member,
) -> Concession:
    """Add an off-peak price: a percentage off sessions starting in a weekly window."""
    require_staff(by, listing.provider)
    window = pricing.ConcessionWindow(
        days=frozenset(int(d) for d in days),
        start=window_start,
        end=window_end,
        percent_off=percent_off,
        members_only=members_only,
    )
    problems = pricing.validate_rules(pricing.PricingRules(windows=(window,)))
    if problems:
        # The form holds one window at a time, so its number is left out.
        problem = problems[0].replace("Off-peak price 1: ", "", 1)
        field_name = (
            "days" if "day" in problem else "percent_off" if "discount" in problem else "window_end"
        )
        raise ProviderError(problem[0].upper() + problem[1:], field_name)
    concession = Concession(
        days="".join(str(d) for d in sorted(window.days)),
        window_start=window_start,
        window_end=window_end,
        percent_off=percent_off,
        members_only=members_only,
    )
    listing.concessions.append(concession)
    db.session.flush()
    return concession


def remove_concession(concession: Concession, by: Member) -> None:
    """Stop an off-peak price; bookings already made keep what they paid."""
    listing = concession.listing
    require_staff(by, listing.provider)
    listing.concessions.remove(concession)
    db.session.flush()


# --- Sessions ----------------------------------------------------------------------------


def _future_sessions(listing: Listing, now: datetime) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.listing_id == listing.id,
                Session.starts_at > now,
                Session.cancelled_at.is_(None),
            )
            .order_by(Session.starts_at)
        )
    )


def generate_sessions(
    listing: Listing, through: date | None = None, now: datetime | None = None
) -> list[Session]:
    """Make the listing's bookable sessions from today to ``through`` (8 weeks by default).

    Sessions already there are kept as they are (the UNIQUE start lets a second run at the
    same moment lose quietly), and starts already past are skipped. Returns the new ones.
    """
    now = now or clock.now()
    today = clock.london_today(now)
    through = through or today + SESSIONS_AHEAD
    if through < today or not listing.schedule_times:
        return []
    weekly = weekly_schedule(listing)
    wanted = [
        (start, end)
        for start, end in schedule.sessions_between(weekly, today, through)
        if start > now
    ]
    if not wanted:
        return []
    existing = set(
        db.session.scalars(
            select(Session.starts_at).where(
                Session.listing_id == listing.id,
                Session.starts_at >= wanted[0][0],
                Session.starts_at <= wanted[-1][0],
            )
        )
    )
    made = []
    for start, end in wanted:
        if start in existing:
            continue
        try:
            with db.session.begin_nested():
                session = Session(
                    listing_id=listing.id,
                    starts_at=start,
                    ends_at=end,
                    places=listing.places_per_session,
                    booked=0,
                    held=0,
                )
                db.session.add(session)
        except IntegrityError:
            continue
        made.append(session)
    return made


def _outside_schedule(listing: Listing, future: list[Session], today: date) -> list[Session]:
    """Those of the sessions still to come that the schedule and closures no longer have."""
    if not future:
        return []
    weekly = weekly_schedule(listing)
    last = future[-1].starts_at.astimezone(clock.LONDON).date()
    wanted = (
        {start for start, _end in schedule.sessions_between(weekly, today, last)}
        if weekly.slots
        else set()
    )
    return [session for session in future if session.starts_at not in wanted]


def sessions_outside_schedule(listing: Listing, now: datetime | None = None) -> list[Session]:
    """Booked sessions still to come on days the listing is closed or no longer runs.

    They are left for the provider to cancel from the session page, which refunds and tells
    everyone booked.
    """
    now = now or clock.now()
    future = _future_sessions(listing, now)
    return [
        session
        for session in _outside_schedule(listing, future, clock.london_today(now))
        if session.booked or session.held
    ]


def _resync(listing: Listing, now: datetime) -> ScheduleChange:
    """Bring sessions still to come into line with the schedule and closures.

    Sessions the schedule no longer has are deleted if nobody ever booked or waited for them,
    cancelled if only cancelled bookings remain, and left for the provider to cancel (which
    refunds and tells everyone) if places are taken. Published listings then get any new
    sessions.
    """
    change = ScheduleChange()
    future = _future_sessions(listing, now)
    for session in _outside_schedule(listing, future, clock.london_today(now)):
        if session.booked or session.held:
            change.still_booked.append(session)
            continue
        has_history = db.session.scalar(
            select(
                or_(
                    exists().where(Booking.session_id == session.id),
                    exists().where(WaitlistEntry.session_id == session.id),
                )
            )
        )
        if has_history:
            session.cancelled_at = now
            session.cancel_reason = "This session no longer runs."
        else:
            db.session.delete(session)
        change.removed += 1
    db.session.flush()
    if listing.status is ListingStatus.PUBLISHED:
        change.added = generate_sessions(listing, now=now)
    return change


def top_up_sessions(now: datetime | None = None) -> int:
    """Make sessions for every published listing for the weeks ahead; returns how many."""
    now = now or clock.now()
    listings = db.session.scalars(
        select(Listing).where(Listing.status == ListingStatus.PUBLISHED).order_by(Listing.id)
    ).all()
    return sum(len(generate_sessions(listing, now=now)) for listing in listings)


def upcoming_sessions(
    provider: Provider,
    now: datetime | None = None,
    listing: Listing | None = None,
    limit: int | None = None,
) -> list[Session]:
    """The provider's sessions that have not yet ended, soonest first (cancelled ones too)."""
    now = now or clock.now()
    query = (
        select(Session)
        .join(Listing)
        .where(Listing.provider_id == provider.id, Session.ends_at > now)
        .order_by(Session.starts_at, Session.id)
    )
    if listing is not None:
        query = query.where(Session.listing_id == listing.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def recent_sessions(provider: Provider, now: datetime | None = None, limit: int = 20):
    """The provider's sessions that have started, latest first: where attendance is marked."""
    now = now or clock.now()
    return list(
        db.session.scalars(
            select(Session)
            .join(Listing)
            .where(
                Listing.provider_id == provider.id,
                Session.starts_at <= now,
                Session.cancelled_at.is_(None),
                Session.booked > 0,
            )
            .order_by(Session.starts_at.desc(), Session.id)
            .limit(limit)
        )
    )


def live_bookings(session: Session) -> list[Booking]:
    """Who is coming to a session: its confirmed bookings, in the order made."""
    return [b for b in session.bookings if b.status is BookingStatus.CONFIRMED]


def listing_counts(provider: Provider, now: datetime | None = None) -> dict[int, int]:
    """How many sessions still to come each of the provider's listings has."""
    now = now or clock.now()
    rows = db.session.execute(
        select(Session.listing_id, func.count(Session.id))
        .join(Listing)
        .where(
            and_(
                Listing.provider_id == provider.id,
                Session.starts_at > now,
                Session.cancelled_at.is_(None),
            )
        )
        .group_by(Session.listing_id)
    ).all()
    return {listing_id: count for listing_id, count in rows}
