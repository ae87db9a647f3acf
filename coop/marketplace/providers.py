"""Running a provider: registration and approval, staff, listings, schedules, sessions, money.

Every function takes the acting member and checks :func:`can_manage_provider` itself, so a
view cannot forget; nothing here commits. Objects are always looked up through their
provider (``listing_of``, ``session_of`` ...), so one provider can never reach another's.
"""

from __future__ import annotations

import csv
import io
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
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    Review,
    ScheduleTime,
    Session,
    WaitlistEntry,
)
from coop.marketplace.service import (
    MarketplaceError,
    is_staff_of,
    weekly_schedule,
)
from coop.members import roles
from coop.members.models import Member, MemberClass, MembershipStatus
from coop.members.service import normalise_email
from coop.money import format_pence
from coop.payments import postings
from coop.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from coop.postcodes import normalise_postcode
from coop.spreadsheet import safe_cell

#: How far ahead sessions are made, unless a caller says otherwise.
SESSIONS_AHEAD = timedelta(weeks=8)

#: Providers are warned this many days before their insurance runs out.
INSURANCE_WARNING_DAYS = 30

#: The longest notice a listing may ask for before a cancellation loses its refund (4 weeks).
MAX_NOTICE_HOURS = 24 * 28

#: The moves a provider may make with the secretary; anything else is refused.
PROVIDER_MOVES: frozenset[tuple[ProviderStatus, ProviderStatus]] = frozenset(
    {
        (ProviderStatus.APPLIED, ProviderStatus.APPROVED),
        (ProviderStatus.APPLIED, ProviderStatus.REJECTED),
        (ProviderStatus.REJECTED, ProviderStatus.APPLIED),
    }
)

#: The moves a listing may make; anything else is refused.
LISTING_MOVES: frozenset[tuple[ListingStatus, ListingStatus]] = frozenset(
    {
        (ListingStatus.DRAFT, ListingStatus.PUBLISHED),
        (ListingStatus.DRAFT, ListingStatus.ARCHIVED),
        (ListingStatus.PUBLISHED, ListingStatus.DRAFT),
        (ListingStatus.PUBLISHED, ListingStatus.ARCHIVED),
        (ListingStatus.ARCHIVED, ListingStatus.DRAFT),
    }
)


class ProviderError(MarketplaceError):
    """A provider, listing or session change that cannot be made; the message says why."""


# --- Who may do what ---------------------------------------------------------------------


def can_register_provider(actor: Member | None) -> bool:
    """An approved member of the provider class may register a provider."""
    return (
        actor is not None
        and actor.is_authenticated
        and actor.is_approved
        and actor.member_class is MemberClass.PROVIDER
    )


def can_manage_provider(actor: Member | None, provider: Provider) -> bool:
    """Only the provider's own staff run it: not another provider, not even the secretary."""
    return is_staff_of(actor, provider)


def can_decide_providers(actor: Member | None) -> bool:
    """The secretary approves or rejects providers."""
    return roles.is_secretary(actor)


def can_view_provider(actor: Member | None, provider: Provider) -> bool:
    """The provider's staff, and the secretary (to decide), may see its details."""
    return can_manage_provider(actor, provider) or can_decide_providers(actor)


def _require_staff(actor: Member, provider: Provider) -> None:
    if not can_manage_provider(actor, provider):
        raise ProviderError("Only the provider's own staff can do that.")


def can_move_provider(from_status: ProviderStatus, to_status: ProviderStatus) -> bool:
    return (from_status, to_status) in PROVIDER_MOVES


def can_move_listing(from_status: ListingStatus, to_status: ListingStatus) -> bool:
    return (from_status, to_status) in LISTING_MOVES


# --- Registering and approving providers -------------------------------------------------


@dataclass(frozen=True)
class ProviderDetails:
    """What a provider tells the co-op about itself."""

    name: str
    kind: ProviderKind
    description: str
    email: str
    phone: str
    address_line_1: str
    town: str
    postcode: str
    insurance_expires_on: date
    website: str = ""
    address_line_2: str = ""
    premises_accessibility: str = ""
    dbs_checked_on: date | None = None


def _checked(details: ProviderDetails, today: date) -> dict:
    """The details as column values, or ProviderError naming the field that is wrong."""
    postcode = normalise_postcode(details.postcode)
    if postcode is None:
        raise ProviderError("Enter a real UK postcode, like DE1 3AB", "postcode")
    if details.insurance_expires_on < today:
        raise ProviderError(
            "The insurance expiry date must be today or in the future. Give the date your "
            "current public liability insurance runs out",
            "insurance_expires_on",
        )
    if details.dbs_checked_on is not None and details.dbs_checked_on > today:
        raise ProviderError(
            "The date of the DBS check must be today or in the past", "dbs_checked_on"
        )
    for name in ("name", "description", "email", "phone", "address_line_1", "town"):
        if not (getattr(details, name) or "").strip():
            raise ProviderError("This cannot be left empty", name)
    return {
        "name": details.name.strip(),
        "kind": details.kind,
        "description": details.description.strip(),
        "email": normalise_email(details.email),
        "phone": details.phone.strip(),
        "website": (details.website or "").strip(),
        "address_line_1": details.address_line_1.strip(),
        "address_line_2": (details.address_line_2 or "").strip(),
        "town": details.town.strip(),
        "postcode": postcode,
        "premises_accessibility": (details.premises_accessibility or "").strip(),
        "insurance_expires_on": details.insurance_expires_on,
        "dbs_checked_on": details.dbs_checked_on,
    }


def register_provider(
    actor: Member, details: ProviderDetails, now: datetime | None = None
) -> Provider:
    """A provider member registers a provider and becomes its first staff account.

    It waits for the secretary's approval; until then it can prepare draft listings.
    """
    now = now or clock.now()
    if not can_register_provider(actor):
        raise ProviderError("Only approved members who joined as providers can register one.")
    provider = Provider(
        **_checked(details, clock.london_today(now)),
        status=ProviderStatus.APPLIED,
        applied_at=now,
    )
    db.session.add(provider)
    db.session.flush()
    db.session.add(ProviderStaff(provider=provider, member_id=actor.id, added_at=now))
    db.session.flush()
    return provider


def update_provider(
    provider: Provider, details: ProviderDetails, by: Member, now: datetime | None = None
) -> Provider:
    """The provider's staff change its details, e.g. give a new insurance expiry date.

    A new expiry date makes its listings public again (if it is approved).
    """
    now = now or clock.now()
    _require_staff(by, provider)
    for name, value in _checked(details, clock.london_today(now)).items():
        setattr(provider, name, value)
    db.session.flush()
    return provider


def _move_provider(provider: Provider, to_status: ProviderStatus) -> None:
    if not can_move_provider(provider.status, to_status):
        raise ProviderError(
            f"This provider is {provider.status.label.lower()}, so it cannot be "
            f"changed to {to_status.label.lower()}."
        )
    provider.status = to_status


def approve_provider(provider: Provider, by: Member, now: datetime | None = None) -> Provider:
    """The secretary approves a provider: its published listings can then be seen and booked."""
    now = now or clock.now()
    if not can_decide_providers(by):
        raise ProviderError("Only the secretary can approve providers.")
    _move_provider(provider, ProviderStatus.APPROVED)
    provider.approved_at = now
    provider.decided_by_id = by.id
    db.session.flush()
    return provider


def reject_provider(
    provider: Provider, by: Member, reason: str, now: datetime | None = None
) -> Provider:
    """The secretary turns a provider down, saying why; the provider is told the reason."""
    if not can_decide_providers(by):
        raise ProviderError("Only the secretary can reject providers.")
    reason = (reason or "").strip()
    if not reason:
        raise ProviderError("Enter the reason the provider is not accepted", "reason")
    _move_provider(provider, ProviderStatus.REJECTED)
    provider.rejection_reason = reason
    provider.decided_by_id = by.id
    db.session.flush()
    return provider


def apply_again(provider: Provider, by: Member, now: datetime | None = None) -> Provider:
    """After a rejection, the provider puts things right and asks the secretary again."""
    now = now or clock.now()
    _require_staff(by, provider)
    _move_provider(provider, ProviderStatus.APPLIED)
    provider.applied_at = now
    db.session.flush()
    return provider


def waiting_providers() -> list[Provider]:
    """Providers waiting for the secretary's decision, oldest first."""
    return list(
        db.session.scalars(
            select(Provider)
            .where(Provider.status == ProviderStatus.APPLIED)
            .order_by(Provider.applied_at, Provider.id)
        )
    )


def all_providers() -> list[Provider]:
    """Every provider, by name, for the secretary."""
    return list(db.session.scalars(select(Provider).order_by(Provider.name, Provider.id)))


def _recipients(provider: Provider) -> list[str]:
    """The provider's contact address and its staff's, each once."""
    addresses = [provider.email] + [staff.member.email for staff in provider.staff]
    return list(dict.fromkeys(a for a in addresses if a))


def send_decision(provider: Provider) -> int:
    """Email the provider's contact (and staff) the secretary's decision; call after commit."""
    if provider.status is ProviderStatus.APPROVED:
        subject = f"{provider.name} is approved"
        body = (
            f"{provider.name} is approved to sell through the co-op's marketplace.\n\n"
            "Your published listings can now be found and booked. Publish a listing once it "
            "has at least one day and start time.\n\n"
            f"Your provider pages: "
            f"{email.external_url('marketplace.provider_dashboard', provider_id=provider.id)}\n"
        )
    elif provider.status is ProviderStatus.REJECTED:
        subject = f"{provider.name} was not accepted"
        body = (
            f"The co-op's secretary has not accepted {provider.name} as a provider.\n\n"
            f"The reason given: {provider.rejection_reason}\n\n"
            "You can change your details and ask again from your provider pages:\n"
            f"{email.external_url('marketplace.provider_dashboard', provider_id=provider.id)}\n"
        )
    else:
        return 0
    return sum(1 for to in _recipients(provider) if email.send(to, subject, body))


# --- Staff -------------------------------------------------------------------------------


def add_staff(
    provider: Provider, email_address: str, by: Member, now: datetime | None = None
) -> ProviderStaff:
    """A provider's staff add another approved member (found by email) as staff."""
    now = now or clock.now()
    _require_staff(by, provider)
    member = db.session.scalar(select(Member).where(Member.email == normalise_email(email_address)))
    if member is None or member.status is not MembershipStatus.APPROVED:
        raise ProviderError(
            "There is no approved member with that email address. They must join the co-op "
            "and be approved first",
            "email",
        )
    if any(staff.member_id == member.id for staff in provider.staff):
        raise ProviderError(f"{member.name} is already one of your staff", "email")
    try:
        with db.session.begin_nested():
            added = ProviderStaff(provider=provider, member_id=member.id, added_at=now)
            db.session.add(added)
    except IntegrityError:
        raise ProviderError(f"{member.name} is already one of your staff", "email") from None
    db.session.refresh(provider, ["staff"])
    return added


def remove_staff(
    provider: Provider,
    staff_row_or_member: ProviderStaff | Member,
    by: Member,
    now: datetime | None = None,
) -> Member:
    """A provider's staff take someone (themselves included) off the staff; returns who.

    A provider always keeps at least one staff account, or nobody could run it. The
    provider's row is locked before the staff are counted, so two staff removing each other
    at the same moment cannot leave it with none (SQLite's BEGIN IMMEDIATE does the same).
    """
    _require_staff(by, provider)
    db.session.scalar(select(Provider.id).where(Provider.id == provider.id).with_for_update())
    rows = list(
        db.session.scalars(
            select(ProviderStaff)
            .where(ProviderStaff.provider_id == provider.id)
            .order_by(ProviderStaff.id)
            .execution_options(populate_existing=True)
        )
    )
    # Decided again on what the lock lets us see: someone may have removed `by` meanwhile.
    if not any(row.member_id == by.id for row in rows):
        raise ProviderError("Only the provider's own staff can do that.")
    if isinstance(staff_row_or_member, ProviderStaff):
        row = next((r for r in rows if r.id == staff_row_or_member.id), None)
    else:
        row = next((r for r in rows if r.member_id == staff_row_or_member.id), None)
    if row is None:
        raise ProviderError(f"That person is not one of {provider.name}'s staff.")
    member = row.member
    yourself = member.id == by.id
    if len(rows) == 1:
        raise ProviderError(
            "A provider needs at least one staff account. Add someone else before removing "
            + ("yourself." if yourself else f"{member.name}.")
        )
    db.session.delete(row)
    db.session.flush()
    db.session.refresh(provider, ["staff"])
    return member


# --- Insurance ---------------------------------------------------------------------------


def insurance_warning(provider: Provider, today: date | None = None) -> str | None:
    """A warning for the provider's dashboard when insurance has run out or soon will."""
    today = today or clock.london_today()
    expires = provider.insurance_expires_on
    when = clock.format_date(expires)
    if expires < today:
        return (
            f"Your public liability insurance ran out on {when}. Your listings are hidden "
            "from members until you give a new expiry date."
        )
    days = (expires - today).days
    if days <= INSURANCE_WARNING_DAYS:
        left = "today" if days == 0 else f"in {days} day" + ("s" if days != 1 else "")
        return (
            f"Your public liability insurance runs out on {when} ({left}). Renew it and give "
            "the new expiry date, or your listings will be hidden."
        )
    return None


def lapsed_providers(today: date | None = None) -> list[Provider]:
    """Approved providers whose insurance has run out and who have not been told about it."""
    today = today or clock.london_today()
    return list(
        db.session.scalars(
            select(Provider)
            .where(
                Provider.status == ProviderStatus.APPROVED,
                Provider.insurance_expires_on < today,
                or_(
                    Provider.insurance_lapse_notified_for.is_(None),
                    Provider.insurance_lapse_notified_for != Provider.insurance_expires_on,
                ),
            )
            .order_by(Provider.id)
        )
    )


def send_insurance_lapsed(provider: Provider) -> int:
    """Tell the provider's contact and staff that its listings are hidden; returns how many."""
    when = clock.format_date(provider.insurance_expires_on)
    link = email.external_url("marketplace.provider_details", provider_id=provider.id)
    body = (
        f"The public liability insurance we have on record for {provider.name} ran out on "
        f"{when}.\n\n"
        "Your listings are hidden from members, and cannot be booked, until you give us a "
        "new expiry date. Bookings already made are not affected.\n\n"
        f"Give the new expiry date here:\n{link}\n"
    )
    subject = f"Your insurance has run out: {provider.name}'s listings are hidden"
    return sum(1 for to in _recipients(provider) if email.send(to, subject, body))


def claim_lapse_notice(provider: Provider) -> bool:
    """Record that the provider is being told its insurance has lapsed; False if it was told.

    The provider's row is locked first, so two runs at once cannot both claim it. The caller
    commits before sending, and calls :func:`forget_lapse_notice` if nothing could be sent.
    """
    locked = db.session.scalars(
        select(Provider)
        .where(Provider.id == provider.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.insurance_lapse_notified_for == locked.insurance_expires_on:
        return False
    locked.insurance_lapse_notified_for = locked.insurance_expires_on
    db.session.flush()
    return True


def forget_lapse_notice(provider: Provider) -> None:
    """Undo :func:`claim_lapse_notice` when no email could be sent, so the next run retries."""
    provider.insurance_lapse_notified_for = None
    db.session.flush()


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
    _require_staff(by, provider)
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
    _require_staff(by, listing.provider)
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
    day and start time.
    """
    now = now or clock.now()
    provider = listing.provider
    _require_staff(by, provider)
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
    _move_listing(listing, ListingStatus.PUBLISHED)
    db.session.flush()
    return generate_sessions(listing, now=now)


def archive_listing(listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Take a listing off the marketplace for good; sessions already booked still happen."""
    _require_staff(by, listing.provider)
    _move_listing(listing, ListingStatus.ARCHIVED)
    db.session.flush()
    return listing


def unpublish_listing(listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Put a listing back to draft (hidden) to change it; sessions already booked still happen."""
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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
    _require_staff(by, listing.provider)
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


# --- Finding a provider's own things (anything else is None, so a 404) --------------------


def provider_for(actor: Member, provider_id: int) -> Provider | None:
    """The provider, if the member is one of its staff."""
    return db.session.scalar(
        select(Provider)
        .join(ProviderStaff)
        .where(Provider.id == provider_id, ProviderStaff.member_id == actor.id)
    )


def staff_of(provider: Provider, staff_id: int) -> ProviderStaff | None:
    """One of the provider's staff accounts, by its id (another provider's is None)."""
    return db.session.scalar(
        select(ProviderStaff).where(
            ProviderStaff.id == staff_id, ProviderStaff.provider_id == provider.id
        )
    )


def listing_of(provider: Provider, listing_id: int) -> Listing | None:
    return db.session.scalar(
        select(Listing).where(Listing.id == listing_id, Listing.provider_id == provider.id)
    )


def session_of(provider: Provider, session_id: int) -> Session | None:
    return db.session.scalar(
        select(Session)
        .join(Listing)
        .where(Session.id == session_id, Listing.provider_id == provider.id)
    )


def booking_of(provider: Provider, session: Session, booking_id: int) -> Booking | None:
    """A booking in one of the provider's sessions (the session already checked as theirs)."""
    return db.session.scalar(
        select(Booking)
        .join(Session)
        .join(Listing)
        .where(
            Booking.id == booking_id,
            Booking.session_id == session.id,
            Listing.provider_id == provider.id,
        )
    )


def review_of(provider: Provider, review_id: int) -> Review | None:
    return db.session.scalar(
        select(Review)
        .join(Listing, Review.listing_id == Listing.id)
        .where(Review.id == review_id, Listing.provider_id == provider.id)
    )


def schedule_time_of(listing: Listing, time_id: int) -> ScheduleTime | None:
    return db.session.scalar(
        select(ScheduleTime).where(
            ScheduleTime.id == time_id, ScheduleTime.listing_id == listing.id
        )
    )


def closure_of(listing: Listing, closure_id: int) -> Closure | None:
    return db.session.scalar(
        select(Closure).where(Closure.id == closure_id, Closure.listing_id == listing.id)
    )


def concession_of(listing: Listing, concession_id: int) -> Concession | None:
    return db.session.scalar(
        select(Concession).where(
            Concession.id == concession_id, Concession.listing_id == listing.id
        )
    )


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


def bookings_for(provider: Provider) -> list[Booking]:
    """Every booking of the provider's sessions, latest session first."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Session)
            .join(Listing)
            .where(Listing.provider_id == provider.id)
            .order_by(Session.starts_at.desc(), Booking.id)
        )
    )


def reviews_for(provider: Provider) -> list[Review]:
    """Reviews of the provider's listings, newest first."""
    return list(
        db.session.scalars(
            select(Review)
            .join(Listing, Review.listing_id == Listing.id)
            .where(Listing.provider_id == provider.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
        )
    )


def live_bookings(session: Session) -> list[Booking]:
    """Who is coming to a session: its confirmed bookings, in the order made."""
    return [b for b in session.bookings if b.status is BookingStatus.CONFIRMED]


# --- Money -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Earnings:
    """What members paid for a provider's bookings (less refunds), split into the co-op's
    commission and what the provider is owed."""

    gross_pence: int = 0
    commission_pence: int = 0
    net_pence: int = 0

    def __add__(self, other: Earnings) -> Earnings:
        return Earnings(
            self.gross_pence + other.gross_pence,
            self.commission_pence + other.commission_pence,
            self.net_pence + other.net_pence,
        )


def earnings_by_booking(provider: Provider) -> dict[int, Earnings]:
    """Each of the provider's bookings' money from the ledger: payments less refunds.

    The gross is what left budgets, the commission what the co-op's commission income took,
    the net what the provider's payable account was credited.
    """
    rows = db.session.execute(
        select(LedgerTransaction.booking_id, LedgerAccount.kind, func.sum(LedgerEntry.amount_pence))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .join(Booking, LedgerTransaction.booking_id == Booking.id)
        .join(Session, Booking.session_id == Session.id)
        .join(Listing, Session.listing_id == Listing.id)
        .where(
            Listing.provider_id == provider.id,
            LedgerTransaction.kind.in_([TransactionKind.BOOKING_PAYMENT, TransactionKind.REFUND]),
            or_(
                LedgerAccount.key.like(f"{postings.BUDGET}:%"),
                LedgerAccount.key == postings.COMMISSION_INCOME,
                LedgerAccount.key
                == f"{postings.PROVIDER_PAYABLE}:{provider.id}",  # only this provider's share
            ),
        )
        .group_by(LedgerTransaction.booking_id, LedgerAccount.kind)
    ).all()
    money: dict[int, Earnings] = {}
    for booking_id, kind, total in rows:
        total = int(total or 0)
        part = {
            postings.BUDGET: Earnings(gross_pence=total),
            postings.COMMISSION_INCOME: Earnings(commission_pence=-total),
            postings.PROVIDER_PAYABLE: Earnings(net_pence=-total),
        }[kind.value]
        money[booking_id] = money.get(booking_id, Earnings()) + part
    return money


def earnings(provider: Provider) -> Earnings:
    """The provider's takings from the ledger: gross, the co-op's commission, and net."""
    total = Earnings()
    for part in earnings_by_booking(provider).values():
        total = total + part
    return total


BOOKING_COLUMNS = [
    "Date booked",
    "Listing",
    "Session start",
    "Reference",
    "Member name",
    "Places",
    "Gross",
    "Commission",
    "Net",
    "Status",
    "Refund",
]


def bookings_csv(provider: Provider) -> str:
    """The provider's bookings as CSV, one row a booking, safe to open in a spreadsheet."""

    money = earnings_by_booking(provider)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BOOKING_COLUMNS)
    for booking in bookings_for(provider):
        paid = money.get(booking.id, Earnings())
        row = [
            booking.booked_at.astimezone(clock.LONDON).date().isoformat(),
            booking.session.listing.title,
            clock.format_moment(booking.session.starts_at),
            booking.reference,
            booking.member.name,
            booking.places,
            format_pence(paid.gross_pence),
            format_pence(paid.commission_pence),
            format_pence(paid.net_pence),
            booking.status.label,
            format_pence(booking.refund_pence),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


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
