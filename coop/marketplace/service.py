"""Rules shared across the marketplace: what is public, what is bookable, what a place costs."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_

from coop import clock
from coop.marketplace import pricing, schedule
from coop.marketplace.models import (
    Listing,
    ListingStatus,
    Provider,
    ProviderStaff,
    ProviderStatus,
)
from coop.members.models import Member


class MarketplaceError(Exception):
    """A marketplace rule was broken; the message says so in plain English.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- What the public sees ----------------------------------------------------------------


def provider_is_live(today: date) -> ColumnElement[bool]:
    """SQL condition: the provider is approved and its insurance has not run out."""
    return and_(Provider.status == ProviderStatus.APPROVED, Provider.insurance_expires_on >= today)


def listing_is_public(today: date) -> ColumnElement[bool]:
    """SQL condition (join Provider): the listing is published by a live provider."""
    return and_(Listing.status == ListingStatus.PUBLISHED, provider_is_live(today))


def is_public(listing: Listing, today: date | None = None) -> bool:
    """The same test as :func:`listing_is_public`, for a listing already loaded."""
    today = today or clock.london_today()
    provider = listing.provider
    return (
        listing.status is ListingStatus.PUBLISHED
        and provider.status is ProviderStatus.APPROVED
        and provider.insured_on(today)
    )


# --- Who may do what ---------------------------------------------------------------------


def is_staff_of(actor: Member | None, provider: Provider) -> bool:
    """Whether the member is one of the provider's staff accounts."""
    if actor is None or not actor.is_authenticated or not actor.is_approved:
        return False
    return any(staff.member_id == actor.id for staff in provider.staff)


def providers_of(actor: Member) -> list[Provider]:
    """The providers a member manages (usually one)."""
    from coop.extensions import db

    return list(
        db.session.scalars(
            db.select(Provider)
            .join(ProviderStaff)
            .where(ProviderStaff.member_id == actor.id)
            .order_by(Provider.id)
        )
    )


# --- The pure modules' view of a listing ------------------------------------------------


def weekly_schedule(listing: Listing) -> schedule.WeeklySchedule:
    """The listing's weekly slots, length and closures, for the pure schedule helpers."""
    return schedule.WeeklySchedule(
        slots=frozenset((t.weekday, t.starts_at) for t in listing.schedule_times),
        duration_minutes=listing.duration_minutes,
        closures=tuple(
            schedule.Closure(c.first_day, c.last_day, c.reason or None) for c in listing.closures
        ),
    )


# --- Prices ------------------------------------------------------------------------------


def pricing_rules(listing: Listing) -> pricing.PricingRules:
    """The listing's discounts as the pure pricing module understands them."""
    windows = tuple(
        pricing.ConcessionWindow(
            days=c.day_numbers,
            start=c.window_start,
            end=c.window_end,
            percent_off=c.percent_off,
            members_only=c.members_only,
        )
        for c in listing.concessions
    )
    members = (
        pricing.MembersDiscount(listing.members_discount_percent)
        if listing.members_discount_percent
        else None
    )
    return pricing.PricingRules(windows=windows, members_discount=members)


def is_member(buyer: Member | None) -> bool:
    """Whether members' prices apply to this buyer: only approved members get them."""
    return bool(buyer is not None and buyer.is_authenticated and buyer.is_approved)


def price_for(listing: Listing, starts_at: datetime, buyer: Member | None) -> pricing.PlacePrice:
    """The price of one place for this buyer: shown on every page and charged at booking.

    Members-only discounts go to approved members; anyone else sees, and would pay, the
    price for non-members.
    """
    return pricing.price_of_place(
        listing.price_pence, pricing_rules(listing), starts_at, is_member=is_member(buyer)
    )
