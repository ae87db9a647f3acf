"""Finding sessions to book, and the rules behind the listing page (the service)."""

import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest

from coop import clock
from coop.marketplace import search, service
from coop.marketplace.models import (
    Booking,
    Category,
    Closure,
    Review,
)
from coop.marketplace.schedule import wall_clock_to_utc
from coop.marketplace.search import Criteria, TimeOfDay

#: Searches run "now" = a Monday morning in winter, so London time is UTC.
NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
TODAY = date(2027, 1, 11)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A session start on the London clock."""
    return wall_clock_to_utc(day, time(hour, minute))


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def found(criteria=None, buyer=None, **kwargs) -> list[tuple[str, datetime]]:
    """(listing title, start) of every session found, on one long page."""
    page = search.search(criteria or Criteria(), buyer, now=NOW, per_page=1000, **kwargs)
    return [(r.listing.title, r.session.starts_at) for r in page.results]


def titles(criteria=None, buyer=None) -> list[str]:
    return [title for title, _ in found(criteria, buyer)]


def add_review(db, session, member, rating, comment="", reply=None):
    """A booking that was attended, and its review, as the booking pages would leave them."""
    booking = Booking(
        reference=secrets.token_hex(5).upper(),
        session_id=session.id,
        member_id=member.id,
        places=1,
        price_each_pence=0,
        base_price_each_pence=0,
        total_pence=0,
        cancellation_notice_hours=24,
        booked_at=NOW - timedelta(days=30),
        attended=True,
    )
    db.session.add(booking)
    db.session.flush()
    review = Review(
        booking_id=booking.id,
        listing_id=session.listing_id,
        rating=rating,
        comment=comment,
        created_at=NOW - timedelta(days=1),
        reply=reply,
        replied_at=NOW if reply else None,
    )
    db.session.add(review)
    db.session.commit()
    return review


# --- What is found -----------------------------------------------------------------------


def test_only_bookable_sessions_of_public_listings_are_found(
    db, make_provider, make_listing, make_session
):
    gym = make_listing(title="Gym")
    make_session(gym, starts_at=at(day(1), 10))
    make_session(gym, starts_at=NOW - timedelta(hours=1))  # already started
    make_session(gym, starts_at=at(day(2), 10), cancelled_at=NOW, cancel_reason="Ill")
    make_session(gym, starts_at=at(day(3), 10), places=2, booked=2)  # full
    make_session(gym, starts_at=at(day(4), 10), places=2, booked=1, held=1)  # held for an offer
    make_session(gym, starts_at=at(day(5), 10), places=2, booked=1)  # one left
    make_session(make_listing(title="Draft", status="draft"), starts_at=at(day(1), 11))
    make_session(make_listing(title="Archived", status="archived"), starts_at=at(day(1), 11))
    unapproved = make_provider(status="applied")
    make_session(make_listing(unapproved, title="Unapproved"), starts_at=at(day(1), 11))
    uninsured = make_provider(insurance_expires_on=TODAY - timedelta(days=1))
    make_session(make_listing(uninsured, title="Uninsured"), starts_at=at(day(1), 11))

    assert found() == [("Gym", at(day(1), 10)), ("Gym", at(day(5), 10))]


def test_results_are_soonest_first_and_carry_places_left(db, make_listing, make_session):
    later = make_listing(title="Later")
    sooner = make_listing(title="Sooner")
    make_session(later, starts_at=at(day(3), 9))
    make_session(sooner, starts_at=at(day(1), 18), places=7, booked=2)
    page = search.search(Criteria(), None, now=NOW)
    assert [r.listing.title for r in page.results] == ["Sooner", "Later"]
    assert page.results[0].session.places_left == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("swim", ["Aqua swimming"]),
        ("SWIMMING", ["Aqua swimming"]),
        ("woodwork", ["Carving"]),  # in the description
        ("friar gate", ["Coaching"]),  # the provider's name
        ("carving chisels", ["Carving"]),  # every word, in any field
        ("carving swim", []),
        ("", ["Aqua swimming", "Carving", "Coaching"]),
        ("%", []),  # wildcards typed in are only characters
        ("_", []),
    ],
)
def test_text_matches_title_description_and_provider_name(
    db, make_provider, make_listing, make_session, text, expected
):
    friar_gate = make_provider(name="Friar Gate Coaching Co-op")
    make_session(make_listing(title="Aqua swimming"), starts_at=at(day(1), 9))
    make_session(
        make_listing(title="Carving", description="Woodwork with chisels."),
        starts_at=at(day(1), 10),
    )
    make_session(make_listing(friar_gate, title="Coaching"), starts_at=at(day(1), 11))
    assert titles(Criteria(text=text)) == expected


def test_category_narrows_the_search(db, make_listing, make_session):
    make_session(make_listing(title="Gym"), starts_at=at(day(1), 9))
    make_session(
        make_listing(title="Peer group", category=Category.PEER_SUPPORT), starts_at=at(day(1), 10)
    )
    assert titles(Criteria(category=Category.PEER_SUPPORT)) == ["Peer group"]
    assert titles(Criteria(category=Category.TRANSPORT)) == []


def test_dates_are_london_days_with_both_ends_included(db, make_listing, make_session):
    listing = make_listing(title="Class")
    for offset, hour in ((2, 0), (2, 23), (3, 9), (4, 23), (5, 0)):
        make_session(listing, starts_at=at(day(offset), hour, 30))
    got = found(Criteria(first_day=day(2), last_day=day(4)))
    assert [s for _, s in got] == [
        at(day(2), 0, 30),
        at(day(2), 23, 30),
        at(day(3), 9, 30),
        at(day(4), 23, 30),
    ]


def test_summer_dates_follow_the_london_clock(db, make_listing, make_session):
    listing = make_listing(title="Class")
    midsummer = date(2027, 7, 1)
    just_after_midnight = at(midsummer, 0, 30)  # 23:30 UTC the day before
    make_session(listing, starts_at=just_after_midnight)
    assert just_after_midnight.date() == date(2027, 6, 30)
    assert found(Criteria(first_day=midsummer, last_day=midsummer)) == [
        ("Class", just_after_midnight)
    ]
    assert found(Criteria(first_day=date(2027, 6, 30), last_day=date(2027, 6, 30))) == []


def test_by_default_the_search_looks_four_weeks_ahead(db, make_listing, make_session):
    listing = make_listing(title="Class")
    make_session(listing, starts_at=at(day(28), 10))
    make_session(listing, starts_at=at(day(29), 10))
    page = search.search(Criteria(), None, now=NOW)
    assert (page.first_day, page.last_day) == (TODAY, day(28))
    assert [r.session.starts_at for r in page.results] == [at(day(28), 10)]
    # A first date alone looks four weeks on from it.
    assert [s for _, s in found(Criteria(first_day=day(1)))] == [at(day(28), 10), at(day(29), 10)]


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (0, 0, TimeOfDay.MORNING),
        (11, 59, TimeOfDay.MORNING),
        (12, 0, TimeOfDay.AFTERNOON),
        (16, 59, TimeOfDay.AFTERNOON),
        (17, 0, TimeOfDay.EVENING),
        (23, 59, TimeOfDay.EVENING),
    ],
)
@pytest.mark.parametrize("when", [date(2027, 1, 13), date(2027, 7, 14)], ids=["GMT", "BST"])
def test_time_of_day_is_read_on_the_london_clock(hour, minute, expected, when):
    starts_at = at(when, hour, minute)
    assert [t for t in TimeOfDay if t.includes(starts_at)] == [expected]


def test_time_of_day_narrows_the_search_in_summer_time(db, make_listing, make_session):
    listing = make_listing(title="Class")
    summer = date(2027, 7, 14)
    for hour in (11, 12, 16, 17):
        make_session(listing, starts_at=at(summer, hour))
    window = {"first_day": summer, "last_day": summer}
    # 12:00 in London is 11:00 UTC: still the afternoon.
    assert [s for _, s in found(Criteria(time_of_day=TimeOfDay.MORNING, **window))] == [
        at(summer, 11)
    ]
    assert [s for _, s in found(Criteria(time_of_day=TimeOfDay.AFTERNOON, **window))] == [
        at(summer, 12),
        at(summer, 16),
    ]
    assert [s for _, s in found(Criteria(time_of_day=TimeOfDay.EVENING, **window))] == [
        at(summer, 17)
    ]


def test_accessibility_features_must_all_be_offered(db, make_listing, make_session):
    make_session(make_listing(title="Ramp", step_free=True), starts_at=at(day(1), 9))
    make_session(
        make_listing(title="Ramp and loop", step_free=True, hearing_loop=True),
        starts_at=at(day(1), 10),
    )
    make_session(make_listing(title="Loop", hearing_loop=True), starts_at=at(day(1), 11))
    assert titles(Criteria(features={"step_free"})) == ["Ramp", "Ramp and loop"]
    assert titles(Criteria(features={"step_free", "hearing_loop"})) == ["Ramp and loop"]
    assert titles(Criteria(features={"bsl"})) == []
    with pytest.raises(ValueError):
        Criteria(features={"lift"})


def test_direct_payments_narrows_the_search(db, make_listing, make_session):
    make_session(make_listing(title="Allowed"), starts_at=at(day(1), 9))
    make_session(
        make_listing(title="Not allowed", direct_payments_allowed=False), starts_at=at(day(1), 10)
    )
    assert titles(Criteria(direct_payments=True)) == ["Allowed"]
    assert titles(Criteria()) == ["Allowed", "Not allowed"]


# --- Prices ------------------------------------------------------------------------------


@pytest.fixture
def gym_week(make_listing, make_session):
    """The gym (£10, half price for members on weekdays 10:00 to 15:00) and a free group."""
    gym = make_listing(title="Gym", price_pence=1000, off_peak=True)
    make_session(gym, starts_at=at(day(2), 11))  # Wednesday, off-peak
    make_session(gym, starts_at=at(day(2), 18))  # Wednesday evening, full price
    make_session(gym, starts_at=at(day(5), 11))  # Saturday, full price
    drop_in = make_listing(title="Drop-in", price_pence=0, category=Category.PEER_SUPPORT)
    make_session(drop_in, starts_at=at(day(3), 14))
    return gym


def test_members_see_the_off_peak_price_and_why(db, gym_week, make_member):
    member = make_member("budget_holder")
    results = search.search(Criteria(), member, now=NOW).results
    prices = [(r.listing.title, r.price.price_pence, r.price.label) for r in results]
    label = "Half price off-peak for co-op members, weekdays 10:00 to 15:00"
    assert prices == [
        ("Gym", 500, label),
        ("Gym", 1000, None),
        ("Drop-in", 0, None),
        ("Gym", 1000, None),
    ]


def test_people_who_are_not_members_see_the_full_price(db, gym_week, make_member):
    for buyer in (None, make_member("budget_holder", status="applied")):
        results = search.search(Criteria(), buyer, now=NOW).results
        assert [r.price.price_pence for r in results] == [1000, 1000, 0, 1000]


def test_most_you_will_pay_compares_the_price_for_you(db, gym_week, make_member):
    member = make_member("budget_holder")
    assert found(Criteria(max_price_pence=500), member) == [
        ("Gym", at(day(2), 11)),
        ("Drop-in", at(day(3), 14)),
    ]
    assert titles(Criteria(max_price_pence=500), None) == ["Drop-in"]
    assert titles(Criteria(max_price_pence=0), member) == ["Drop-in"]
    assert titles(Criteria(max_price_pence=1000), None) == ["Gym", "Gym", "Drop-in", "Gym"]


# --- Pages -------------------------------------------------------------------------------


def test_results_come_a_page_at_a_time(db, make_listing, make_session):
    listing = make_listing(title="Class", places=3)
    starts = [at(day(1 + n // 4), 9 + n % 4) for n in range(45)]
    for starts_at in starts:
        make_session(listing, starts_at=starts_at)

    first = search.search(Criteria(), None, now=NOW)
    assert (first.total, first.pages, first.page) == (45, 3, 1)
    assert (first.first_number, first.last_number) == (1, 20)
    assert [r.session.starts_at for r in first.results] == starts[:20]

    last = search.search(Criteria(), None, now=NOW, page=3)
    assert (last.first_number, last.last_number) == (41, 45)
    assert [r.session.starts_at for r in last.results] == starts[40:]
    # A page past the end shows the last one; a page before the start shows the first.
    assert search.search(Criteria(), None, now=NOW, page=99).page == 3
    assert search.search(Criteria(), None, now=NOW, page=-1).page == 1


def test_no_results_is_an_empty_first_page(db):
    page = search.search(Criteria(text="anything"), None, now=NOW)
    assert (page.results, page.total, page.pages, page.page) == ([], 0, 1, 1)
    assert (page.first_number, page.last_number) == (0, 0)


def test_ratings_come_with_the_results(db, make_listing, make_session, make_member):
    rated = make_listing(title="Rated")
    unrated = make_listing(title="Unrated")
    past = make_session(rated, starts_at=NOW - timedelta(days=7))
    make_session(rated, starts_at=at(day(1), 9))
    make_session(unrated, starts_at=at(day(1), 10))
    add_review(db, past, make_member(), 5)
    add_review(db, past, make_member(), 4)

    results = search.search(Criteria(), None, now=NOW).results
    ratings = {r.listing.title: r.rating for r in results}
    assert ratings["Unrated"] is None
    assert ratings["Rated"].summary == "4.5 out of 5 from 2 reviews"


@pytest.mark.parametrize(
    ("count", "total", "summary"),
    [
        (1, 4, "4 out of 5 from 1 review"),
        (2, 9, "4.5 out of 5 from 2 reviews"),
        (3, 13, "4.3 out of 5 from 3 reviews"),
        (3, 15, "5 out of 5 from 3 reviews"),
    ],
)
def test_rating_summary(count, total, summary):
    assert search.Rating(count, total).summary == summary


# --- The listing page's rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "can_view"),
    [
        ("anonymous", "published", True),
        ("member", "published", True),
        ("anonymous", "draft", False),
        ("member", "draft", False),
        ("other provider", "draft", False),
        ("staff", "draft", True),
        ("secretary", "draft", True),
        ("member", "archived", False),
        ("staff", "archived", True),
        ("secretary", "archived", True),
    ],
)
def test_who_may_see_a_listing(db, make_member, make_provider, make_listing, who, status, can_view):
    from flask_login import AnonymousUserMixin

    staff = make_member("provider")
    listing = make_listing(make_provider(staff=staff), status=status)
    actor = {
        "anonymous": AnonymousUserMixin(),
        "member": make_member("budget_holder"),
        "other provider": make_provider().staff[0].member,
        "staff": staff,
        "secretary": make_member(secretary=True),
    }[who]
    assert search.can_view_listing(actor, listing) is can_view


def test_staff_of_a_provider_that_is_not_live_may_still_preview(
    db, make_member, make_provider, make_listing
):
    staff = make_member("provider")
    listing = make_listing(make_provider(staff=staff, status="applied"))
    assert search.can_view_listing(staff, listing)
    assert not search.can_view_listing(make_member("budget_holder"), listing)


def test_why_a_listing_is_not_public(db, make_provider, make_listing):
    assert search.why_not_public(make_listing(), TODAY) is None
    assert "draft" in search.why_not_public(make_listing(status="draft"), TODAY)
    assert "archived" in search.why_not_public(make_listing(status="archived"), TODAY)
    applied = make_listing(make_provider(status="applied"))
    assert "not approved the provider" in search.why_not_public(applied, TODAY)
    lapsed = make_listing(make_provider(insurance_expires_on=date(2027, 1, 10)))
    assert search.why_not_public(lapsed, TODAY) == (
        "The provider's public liability insurance ran out on 10 January 2027. "
        "Give a new expiry date to show it again."
    )
    assert search.why_not_public(lapsed, date(2027, 1, 10)) is None


def test_coming_sessions_are_the_next_four_weeks_full_or_not(db, make_listing, make_session):
    listing = make_listing(title="Class", places=2)
    make_session(listing, starts_at=NOW - timedelta(hours=1))
    make_session(listing, starts_at=at(day(1), 10), booked=2)
    make_session(listing, starts_at=at(day(2), 10), cancelled_at=NOW, cancel_reason="Ill")
    make_session(listing, starts_at=at(day(3), 10))
    make_session(listing, starts_at=at(day(29), 10))
    offers = search.coming_sessions(listing, None, now=NOW)
    assert [(o.session.starts_at, o.full) for o in offers] == [
        (at(day(1), 10), True),
        (at(day(3), 10), False),
    ]
    assert len(search.coming_sessions(listing, None, now=NOW, limit=1)) == 1


def test_schedule_closures_and_discounts_in_words(db, make_listing):
    listing = make_listing(
        title="Gym",
        off_peak=True,
        schedule=((0, time(10, 0)), (2, time(10, 0)), (2, time(18, 30))),
        members_discount_percent=10,
    )
    listing.closures.append(Closure(first_day=date(2027, 1, 1), last_day=date(2027, 1, 1)))
    listing.closures.append(
        Closure(first_day=date(2027, 12, 24), last_day=date(2027, 12, 26), reason="Christmas")
    )
    db.session.commit()
    from coop.marketplace.schedule import describe_schedule

    assert describe_schedule(service.weekly_schedule(listing)) == (
        "Mondays at 10:00; Wednesdays at 10:00 and 18:30"
    )
    assert search.coming_closures(listing, TODAY) == [
        "Closed from 24 December 2027 to 26 December 2027 (Christmas)"
    ]
    assert search.price_rules_in_words(listing) == [
        "Half price off-peak for co-op members, weekdays 10:00 to 15:00",
        "10% off for co-op members",
    ]
    listing.price_pence = 0
    assert search.price_rules_in_words(listing) == []


def test_describe_start_uses_the_london_clock():
    assert clock.format_start(datetime(2027, 7, 5, 9, 0, tzinfo=UTC)) == (
        "Monday 5 July 2027 at 10:00am"
    )
    assert clock.format_start(datetime(2027, 1, 4, 13, 5, tzinfo=UTC)) == (
        "Monday 4 January 2027 at 1:05pm"
    )


def test_a_members_discount_counts_towards_the_most_you_will_pay(
    db, make_listing, make_session, make_member
):
    listing = make_listing(title="Coaching", price_pence=1000, members_discount_percent=10)
    make_session(listing, starts_at=at(day(1), 18))
    assert titles(Criteria(max_price_pence=900), make_member("budget_holder")) == ["Coaching"]
    assert titles(Criteria(max_price_pence=899), make_member("budget_holder")) == []
    assert titles(Criteria(max_price_pence=900), None) == []
