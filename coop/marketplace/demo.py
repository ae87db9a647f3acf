"""Demo marketplace: approved providers, listings with sessions, budgets, bookings and reviews."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.marketplace import bookings, schedule
from coop.marketplace.models import (
    Category,
    Closure,
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
from coop.members import service as members
from coop.members.demo import DEMO_PASSWORD
from coop.members.models import Member, MemberClass
from coop.payments import ledger
from coop.payments.models import FundingKind

#: How far ahead sessions are made from each listing's weekly schedule.
WEEKS_AHEAD = 4
#: Sessions are also made for this many days back, so the demo has a history to show.
DAYS_BACK = 14

#: What the secretary pays into budgets: (email, pence, kind, reference).
FUNDING = (
    ("asha@demo.coop", 25_000, FundingKind.DIRECT_PAYMENT, "DP-DERBY-0412"),
    ("ben@demo.coop", 12_000, FundingKind.INDIVIDUAL_SERVICE_FUND, "ISF-DERBY-0877"),
)

#: The peer support drop-in is run by a provider member the members demo does not make.
DROP_IN_MEMBER = dict(
    email="dropin@demo.coop",
    name="Kemi Osei",
    organisation_name="Friar Gate Peer Support",
    address_line_1="Friar Gate Community Rooms, 30 Friar Gate",
    town="Derby",
    postcode="DE1 1DF",
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(6)
WEEKDAYS = (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY)


@dataclass(frozen=True)
class DemoListing:
    title: str
    description: str
    category: Category
    price_pence: int
    duration_minutes: int
    places: int
    slots: tuple[tuple[int, time], ...]
    venue_address: str = ""
    at_home: bool = False
    features: tuple[str, ...] = ()
    notice_hours: int = 24
    off_peak_half_price: bool = False


@dataclass(frozen=True)
class DemoProvider:
    staff_email: str
    kind: ProviderKind
    description: str
    phone: str
    website: str
    premises_accessibility: str
    listings: tuple[DemoListing, ...] = field(default=())


GYM_ADDRESS = "Riverside Works, Bridge Gate, Derby DE1 3AX"

PROVIDERS = (
    DemoProvider(
        staff_email="gym@demo.coop",
        kind=ProviderKind.COMMUNITY_VENUE,
        description="A not-for-profit gym by the river, run by its members. Staff are "
        "trained to help people with long-term conditions and disabilities.\n\n"
        "Off-peak sessions on weekdays from 10:00 to 15:00 are half price for co-op members.",
        phone="01332 000101",
        website="",
        premises_accessibility="Level access from the car park, with two blue badge spaces. "
        "The gym floor, changing rooms and accessible toilet are all on the ground floor.",
        listings=(
            DemoListing(
                title="Gym session",
                description="An hour on the gym floor: cardio machines, free weights and "
                "resistance machines. A member of staff is always on hand to help, and can "
                "show you round on your first visit.",
                category=Category.GYM_FITNESS,
                price_pence=800,
                duration_minutes=60,
                places=12,
                venue_address=GYM_ADDRESS,
                slots=tuple(
                    (day, at)
                    for day in WEEKDAYS
                    for at in (time(7, 0), time(11, 0), time(13, 0), time(18, 0))
                )
                + ((SATURDAY, time(10, 0)),),
                features=("step_free", "accessible_toilet"),
                off_peak_half_price=True,
            ),
        ),
    ),
    DemoProvider(
        staff_email="pace@demo.coop",
        kind=ProviderKind.MICRO_ENTERPRISE,
        description="Independent support planners and coaches who have used personal budgets "
        "themselves. We help you work out what you want from your budget and how to get it.",
        phone="01332 000202",
        website="",
        premises_accessibility="Our office is on the ground floor with a ramp at the front "
        "door. There is no accessible toilet, so we are happy to meet you elsewhere.",
        listings=(
            DemoListing(
                title="Support planning",
                description="A support planner comes to your home to help you write or review "
                "your support plan: what matters to you, what help you need and how your "
                "budget will pay for it. You keep the plan.",
                category=Category.SUPPORT_PLANNING,
                price_pence=4500,
                duration_minutes=90,
                places=1,
                at_home=True,
                slots=((TUESDAY, time(10, 0)), (THURSDAY, time(14, 0))),
                notice_hours=48,
            ),
            DemoListing(
                title="Life coaching",
                description="One-to-one coaching to set goals and plan the steps towards "
                "them: work, study, volunteering, getting out more or living more "
                "independently.",
                category=Category.LIFE_COACHING,
                price_pence=3500,
                duration_minutes=60,
                places=1,
                venue_address="Unit 2, Sadler Gate, Derby DE1 3NL",
                slots=((MONDAY, time(14, 0)), (WEDNESDAY, time(18, 0))),
                features=("step_free",),
            ),
        ),
    ),
    DemoProvider(
        staff_email="woodwork@demo.coop",
        kind=ProviderKind.MICRO_ENTERPRISE,
        description="Woodwork classes in a small, friendly workshop. Beginners welcome; all "
        "tools and materials are provided.",
        phone="01773 000303",
        website="",
        premises_accessibility="The workshop is on the ground floor. There is a hearing loop "
        "and benches that can be set at wheelchair height.",
        listings=(
            DemoListing(
                title="Woodwork tuition",
                description="Two hours of woodwork in a group of up to six, making something "
                "to take home: a bird box, a chopping board, a stool. Wear clothes you do "
                "not mind getting dusty.",
                category=Category.SKILLS_TUITION,
                price_pence=1500,
                duration_minutes=120,
                places=6,
                venue_address="The Old Forge, Mill Lane, Belper DE56 1LX",
                slots=((WEDNESDAY, time(10, 0)), (SATURDAY, time(13, 0))),
                features=("hearing_loop",),
            ),
        ),
    ),
    DemoProvider(
        staff_email=DROP_IN_MEMBER["email"],
        kind=ProviderKind.COMMUNITY_VENUE,
        description="A peer support group for disabled people, carers and anyone using a "
        "personal budget, meeting in a community room in the city centre.",
        phone="01332 000404",
        website="",
        premises_accessibility="Step-free entrance from Friar Gate. The room has soft "
        "lighting and a quiet corner.",
        listings=(
            DemoListing(
                title="Peer support drop-in",
                description="Tea, biscuits and time with people who understand. Come to talk, "
                "swap tips about budgets and services, or just listen. A BSL interpreter "
                "comes to every session and the room is kept quiet.",
                category=Category.PEER_SUPPORT,
                price_pence=0,
                duration_minutes=120,
                places=10,
                venue_address="Friar Gate Community Rooms, 30 Friar Gate, Derby DE1 1DF",
                slots=((THURSDAY, time(13, 30)),),
                features=("bsl", "quiet_sessions", "step_free"),
                notice_hours=0,
            ),
        ),
    ),
)


def load(members_by_email: dict[str, Member], now: datetime | None = None) -> dict[str, Listing]:
    """Add the demo providers, listings, sessions, budgets, bookings and reviews.

    Takes the demo members by email (from ``coop.members.demo.load``) and returns the
    listings by title. Money moves through the ledger and bookings through the booking
    rules, exactly as on the site, so the demo's balances add up.
    """
    now = now or clock.now()
    today = clock.london_today(now)
    secretary = members_by_email["secretary@demo.coop"]
    people = dict(members_by_email)
    people[DROP_IN_MEMBER["email"]] = _drop_in_member(secretary, now)

    listings: dict[str, Listing] = {}
    for number, made in enumerate(PROVIDERS):
        provider = _provider(made, people[made.staff_email], secretary, now, number)
        for demo_listing in made.listings:
            listing = _listing(provider, demo_listing, today)
            listings[listing.title] = listing
    db.session.flush()
    for listing in listings.values():
        _make_sessions(
            listing, today - timedelta(days=DAYS_BACK), today + timedelta(weeks=WEEKS_AHEAD)
        )
    db.session.flush()

    month_ago = now - timedelta(days=30)
    for email, pence, kind, reference in FUNDING:
        ledger.record_funding(
            people[email],
            pence,
            kind,
            clock.london_today(month_ago),
            reference,
            secretary,
            month_ago,
        )
    _past_and_coming_bookings(people, listings, now)
    db.session.flush()
    return listings


def _drop_in_member(secretary: Member, now: datetime) -> Member:
    """A provider member for the drop-in, approved like the members demo's own."""
    joined = now - timedelta(days=60)
    member = members.apply(
        members.Application(
            member_class=MemberClass.PROVIDER,
            name=DROP_IN_MEMBER["name"],
            email=DROP_IN_MEMBER["email"],
            password=DEMO_PASSWORD,
            address_line_1=DROP_IN_MEMBER["address_line_1"],
            town=DROP_IN_MEMBER["town"],
            postcode=DROP_IN_MEMBER["postcode"],
            organisation_name=DROP_IN_MEMBER["organisation_name"],
        ),
        now=joined,
    )
    members.confirm_email(member, joined)
    members.approve(member, secretary, joined + timedelta(days=1))
    return member


def _provider(
    made: DemoProvider, staff: Member, secretary: Member, now: datetime, number: int
) -> Provider:
    """An approved provider, insured for the year ahead, with its member as its staff."""
    applied = now - timedelta(days=90 - number)
    provider = Provider(
        name=staff.organisation_name or staff.name,
        kind=made.kind,
        description=made.description,
        email=staff.email,
        phone=made.phone,
        website=made.website,
        address_line_1=staff.address_line_1,
        town=staff.town,
        postcode=staff.postcode,
        premises_accessibility=made.premises_accessibility,
        insurance_expires_on=clock.london_today(now) + timedelta(days=300 - 20 * number),
        dbs_checked_on=clock.london_today(now) - timedelta(days=200),
        status=ProviderStatus.APPROVED,
        applied_at=applied,
        approved_at=applied + timedelta(days=2),
        decided_by_id=secretary.id,
        first_listing_approved_at=applied + timedelta(days=3),
    )
    provider.staff.append(ProviderStaff(member=staff, added_at=applied))
    db.session.add(provider)
    return provider


def _next_christmas(today: date) -> date:
    christmas = date(today.year, 12, 25)
    return christmas if christmas >= today else date(today.year + 1, 12, 25)


def _listing(provider: Provider, made: DemoListing, today: date) -> Listing:
    listing = Listing(
        provider=provider,
        title=made.title,
        description=made.description,
        category=made.category,
        price_pence=made.price_pence,
        duration_minutes=made.duration_minutes,
        places_per_session=made.places,
        at_home=made.at_home,
        venue_address=made.venue_address,
        cancellation_notice_hours=made.notice_hours,
        direct_payments_allowed=True,
        status=ListingStatus.PUBLISHED,
        created_at=provider.approved_at + timedelta(hours=1),
        **{name: True for name in made.features},
    )
    for weekday, at in made.slots:
        listing.schedule_times.append(ScheduleTime(weekday=weekday, starts_at=at))
    christmas = _next_christmas(today)
    listing.closures.append(
        Closure(first_day=christmas, last_day=christmas, reason="Christmas Day")
    )
    if made.off_peak_half_price:
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
    return listing


def _make_sessions(listing: Listing, first_day: date, last_day: date) -> list[Session]:
    """The listing's sessions from its weekly schedule and closures, as providers get them."""
    weekly = schedule.WeeklySchedule(
        slots=frozenset((t.weekday, t.starts_at) for t in listing.schedule_times),
        duration_minutes=listing.duration_minutes,
        closures=tuple(
            schedule.Closure(c.first_day, c.last_day, c.reason) for c in listing.closures
        ),
    )
    made = [
        Session(
            listing=listing,
            starts_at=starts_at,
            ends_at=ends_at,
            places=listing.places_per_session,
            booked=0,
            held=0,
        )
        for starts_at, ends_at in schedule.sessions_between(weekly, first_day, last_day)
    ]
    db.session.add_all(made)
    return made


def _sessions_at(listing: Listing, at: time) -> list[Session]:
    """The listing's sessions that start at this time on the London clock, soonest first."""
    return [
        session
        for session in db.session.scalars(
            select(Session).where(Session.listing_id == listing.id).order_by(Session.starts_at)
        )
        if session.starts_at.astimezone(clock.LONDON).time() == at
    ]


def _last_before(listing: Listing, at: time, moment: datetime) -> Session:
    """The last session at this time that ended before ``moment``."""
    return [s for s in _sessions_at(listing, at) if s.ends_at <= moment][-1]


def _first_after(listing: Listing, at: time, moment: datetime) -> Session:
    """The first session at this time that starts after ``moment``."""
    return next(s for s in _sessions_at(listing, at) if s.starts_at > moment)


def _past_and_coming_bookings(
    people: dict[str, Member], listings: dict[str, Listing], now: datetime
) -> None:
    """Past sessions attended and reviewed (so listings show ratings), and one coming up."""
    asha, ben = people["asha@demo.coop"], people["ben@demo.coop"]
    gym_staff, woodwork_staff = people["gym@demo.coop"], people["woodwork@demo.coop"]
    drop_in_staff = people[DROP_IN_MEMBER["email"]]

    # Asha went to an off-peak gym session last week (half price), and reviewed it.
    gym = _last_before(listings["Gym session"], time(11), now - timedelta(days=2))
    booking = _attended(asha, gym, gym_staff, booked_days_before=3)
    review = bookings.review(
        booking,
        asha,
        5,
        "Quiet at that time of day, and the staff showed me how to use the machines "
        "safely. Half price off-peak makes my budget go further.",
        now=gym.ends_at + timedelta(hours=3),
    )
    bookings.reply_to_review(
        review,
        "Thank you. We are glad the off-peak sessions suit you. See you next week!",
        gym_staff,
        now=gym.ends_at + timedelta(days=1),
    )

    # Ben went to woodwork the week before, and reviewed it; no reply yet.
    woodwork = _last_before(listings["Woodwork tuition"], time(13), now - timedelta(days=7))
    booking = _attended(ben, woodwork, woodwork_staff, booked_days_before=5)
    bookings.review(
        booking,
        ben,
        4,
        "Patient teaching and I made a bird box. The hearing loop worked well.",
        now=woodwork.ends_at + timedelta(days=1),
    )

    # Asha also went to the free drop-in.
    drop_in = _last_before(listings["Peer support drop-in"], time(13, 30), now)
    _attended(asha, drop_in, drop_in_staff, booked_days_before=2)

    # And she has life coaching coming up next week.
    coaching = _first_after(listings["Life coaching"], time(14), now + timedelta(days=2))
    bookings.book(asha, coaching, now=now - timedelta(days=1))


def _attended(member: Member, session: Session, staff: Member, booked_days_before: int):
    """A booking made days before the session, and the provider marking the person there."""
    booking = bookings.book(
        member, session, now=session.starts_at - timedelta(days=booked_days_before)
    )
    bookings.mark_attendance(booking, True, staff, now=session.ends_at)
    return booking
