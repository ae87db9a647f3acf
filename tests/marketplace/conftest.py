"""Factories for providers, listings, sessions and budgets, and the people most tests share;
use them inside the `db` fixture."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from coop.marketplace.models import (
    Category,
    Concession,
    Listing,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    ScheduleTime,
    Session,
)


@pytest.fixture
def make_provider(db, make_member):
    """`make_provider(staff=member, status="approved", insurance_expires_on=date)`."""
    counter = {"n": 0}

    def make(
        staff=None,
        *,
        status="approved",
        insurance_expires_on=None,
        name=None,
        listings_reviewed=True,
        **fields,
    ):
        """An approved provider is, by default, one whose first listing the secretary has
        approved (so its listings publish directly); ``listings_reviewed=False`` for a new one."""
        counter["n"] += 1
        now = datetime.now(UTC)
        staff = staff or make_member("provider")
        provider = Provider(
            name=name or f"Provider {counter['n']}",
            kind=fields.pop("kind", ProviderKind.MICRO_ENTERPRISE),
            description=fields.pop("description", "A local provider."),
            email=fields.pop("email", f"provider{counter['n']}@example.org"),
            phone=fields.pop("phone", "01332 000000"),
            address_line_1=fields.pop("address_line_1", "1 Market Place"),
            town=fields.pop("town", "Derby"),
            postcode=fields.pop("postcode", "DE1 3AA"),
            insurance_expires_on=insurance_expires_on or date.today() + timedelta(days=365),
            dbs_checked_on=fields.pop("dbs_checked_on", date.today() - timedelta(days=30)),
            status=ProviderStatus(status),
            applied_at=now,
            approved_at=now if status == "approved" else None,
            first_listing_approved_at=now if status == "approved" and listings_reviewed else None,
            rejection_reason="Not suitable" if status == "rejected" else None,
            **fields,
        )
        db.session.add(provider)
        db.session.flush()
        db.session.add(ProviderStaff(provider=provider, member_id=staff.id, added_at=now))
        db.session.commit()
        return provider

    return make


def add_staff(provider, member, by):
    """Make `member` one of the provider's staff the only way the site allows: `by` invites
    them and they accept."""
    from coop.marketplace import providers

    invitation = providers.invite_staff(provider, member.email, by)
    return providers.accept_invitation(invitation, member)


@pytest.fixture
def make_listing(db, make_provider):
    """`make_listing(provider=None, price_pence=1000, places=10, off_peak=False, ...)`.

    `off_peak=True` adds the gym's rule: weekdays 10:00 to 15:00 at half price for members.
    """

    def make(
        provider=None,
        *,
        title="Gym session",
        category=Category.GYM_FITNESS,
        price_pence=1000,
        places=10,
        duration_minutes=60,
        status="published",
        off_peak=False,
        notice_hours=24,
        schedule=((0, time(10, 0)),),
        **fields,
    ):
        provider = provider or make_provider()
        listing = Listing(
            provider=provider,
            title=title,
            description=fields.pop("description", f"{title} for members."),
            category=category,
            price_pence=price_pence,
            duration_minutes=duration_minutes,
            places_per_session=places,
            venue_address=fields.pop("venue_address", "1 Market Place, Derby DE1 3AA"),
            cancellation_notice_hours=notice_hours,
            status=ListingStatus(status),
            created_at=datetime.now(UTC),
            **fields,
        )
        for weekday, at in schedule:
            listing.schedule_times.append(ScheduleTime(weekday=weekday, starts_at=at))
        if off_peak:
            listing.concessions.append(
                Concession(
                    days="01234",
                    window_start=time(10, 0),
                    window_end=time(15, 0),
                    percent_off=50,
                    members_only=True,
                )
            )
        db.session.add(listing)
        db.session.commit()
        return listing

    return make


@pytest.fixture
def make_session(db, make_listing):
    """`make_session(listing=None, starts_at=None, places=None)`: a session, by default
    next week at a whole hour, with the listing's places."""

    def make(listing=None, *, starts_at=None, places=None, **fields):
        listing = listing or make_listing()
        if starts_at is None:
            starts_at = (datetime.now(UTC) + timedelta(days=7)).replace(
                minute=0, second=0, microsecond=0
            )
        session = Session(
            listing=listing,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=listing.duration_minutes),
            places=places or listing.places_per_session,
            **fields,
        )
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def fund(db, make_member):
    """`fund(member, pence)`: the secretary records a direct payment into the member's budget."""
    from coop.payments import ledger
    from coop.payments.models import FundingKind

    state = {}

    def pay_in(member, pence, *, kind=FundingKind.DIRECT_PAYMENT, reference=None):
        if "secretary" not in state:
            state["secretary"] = make_member(secretary=True, email="treasury-secretary@example.org")
        state["n"] = state.get("n", 0) + 1
        reference = reference or f"DP-TEST-{state['n']}"
        secretary = db.session.merge(state["secretary"])
        member = db.session.merge(member)
        transaction = ledger.record_funding(
            member, pence, kind, date.today(), reference, by=secretary
        )
        db.session.commit()
        return transaction

    return pay_in


@pytest.fixture
def gym_staff(make_member):
    """Gita Gym, the one staff account of the Riverside Gym."""
    return make_member("provider", email="gym@example.org", name="Gita Gym")


@pytest.fixture
def gym(make_provider, gym_staff):
    """The Riverside Gym: an approved, insured provider run by Gita."""
    return make_provider(gym_staff, name="Riverside Gym", email="hello@riverside.example")


@pytest.fixture
def holder(db, make_member, fund):
    """Asha Holder, a budget holder with £50 in her budget."""
    member = make_member("budget_holder", email="asha@example.org", name="Asha Holder")
    fund(member, 5000)
    return db.session.merge(member)


@pytest.fixture
def one_of_each(db, make_listing, make_session, holder):
    """`one_of_each(provider)`: one of every kind of thing a provider owns, by model.

    A staff account; an invitation to Asha to join the staff; a listing with a schedule time,
    a closure and an off-peak price; a session a fortnight ahead; Asha's booking in it,
    marked as attended; and her review.
    """
    from coop.marketplace import bookings, providers
    from coop.marketplace.models import Booking, Closure, ProviderStaff, Review
    from coop.marketplace.staff_models import StaffInvitation

    def make(provider):
        listing = make_listing(provider, price_pence=0, off_peak=True)
        in_a_month = date.today() + timedelta(days=30)
        listing.closures.append(Closure(first_day=in_a_month, last_day=in_a_month, reason=""))
        session = make_session(listing, starts_at=_a_fortnight_ahead())
        booking = bookings.book(holder, session)
        booking.attended = True
        review = bookings.review(booking, holder, 4, "Friendly")
        invitation = providers.invite_staff(provider, holder.email, provider.staff[0].member)
        db.session.commit()
        return {
            ProviderStaff: provider.staff[0],
            StaffInvitation: invitation,
            Listing: listing,
            ScheduleTime: listing.schedule_times[0],
            Closure: listing.closures[0],
            Concession: listing.concessions[0],
            Session: session,
            Booking: booking,
            Review: review,
        }

    return make


@pytest.fixture
def booked(db, gym, make_listing, make_session, holder):
    """A gym session a fortnight ahead that Asha has booked 2 places in (£16)."""
    from coop.marketplace import bookings

    listing = make_listing(gym, title="Gym session", price_pence=800)
    session = make_session(listing, starts_at=_a_fortnight_ahead())
    booking = bookings.book(holder, session, places=2)
    db.session.commit()
    return session, booking


def _a_fortnight_ahead() -> datetime:
    return (datetime.now(UTC) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def pool_people(db, make_member, fund):
    """Asha (£50), Ben (£50) and Chloe (£5): three budget holders to book together."""
    made = {}
    for name, pence in (("Asha", 5000), ("Ben", 5000), ("Chloe", 500)):
        member = make_member(name=f"{name} Holder", email=f"{name.lower()}@example.org")
        fund(member, pence)
        made[name] = db.session.merge(member)
    return made


@pytest.fixture
def pool_session(db, gym, make_listing, make_session):
    """A £10 gym session (10 places) a fortnight ahead, 24 hours' notice to cancel."""
    listing = make_listing(gym, title="Gym session", price_pence=1000, places=10)
    return make_session(listing, starts_at=_a_fortnight_ahead())
