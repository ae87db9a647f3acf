"""A provider's listings (the service): details, publishing, schedules, closures, off-peak
prices and the sessions made from them, correct across the clock changes."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.marketplace import bookings, listings
from coop.marketplace.models import Category, Listing, ListingStatus, ProviderStatus, Session
from coop.marketplace.schedule import MONDAY

#: A Friday before the clocks go forward (Sunday 29 March 2026).
BEFORE_SPRING = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
#: A Friday before the clocks go back (Sunday 25 October 2026).
BEFORE_AUTUMN = datetime(2026, 10, 16, 12, 0, tzinfo=UTC)


def listing_details(**changes) -> listings.ListingDetails:
    fields = {
        "title": "Off-peak gym",
        "description": "Use of the gym.",
        "category": Category.GYM_FITNESS,
        "price_pence": 800,
        "duration_minutes": 60,
        "places_per_session": 10,
        "venue_address": "2 River Lane, Derby DE1 3AA",
    }
    return listings.ListingDetails(**(fields | changes))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Listings ----------------------------------------------------------------------------


def test_a_new_listing_is_a_draft_with_its_details(db, gym, gym_staff):
    listing = listings.create_listing(
        gym,
        listing_details(features=frozenset({"step_free", "bsl"}), members_discount_percent=10),
        gym_staff,
    )
    assert listing.status is ListingStatus.DRAFT
    assert listing.step_free and listing.bsl and not listing.hearing_loop
    assert listing.members_discount_percent == 10
    assert listings.listing_details(listing).features == {"step_free", "bsl"}


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": " "}, "title", "Enter a title"),
        ({"price_pence": -1}, "price", "price of a place"),
        ({"duration_minutes": 0}, "duration_minutes", "between 1 minute and 24 hours"),
        ({"places_per_session": 501}, "places", "between 1 and 500"),
        ({"venue_address": ""}, "venue_address", "Enter the address"),
        ({"members_discount_percent": 101}, "members_discount_percent", "between 1% and 100%"),
        ({"cancellation_notice_hours": -1}, "cancellation_notice_hours", "between 0 and"),
    ],
)
def test_listing_mistakes_are_named(db, gym, gym_staff, changes, field, message):
    with pytest.raises(listings.ProviderError) as refused:
        listings.create_listing(gym, listing_details(**changes), gym_staff)
    assert refused.value.field == field
    assert message in refused.value.message


def test_free_and_at_home_listings_need_no_price_or_venue(db, gym, gym_staff):
    listing = listings.create_listing(
        gym, listing_details(price_pence=0, at_home=True, venue_address=""), gym_staff
    )
    assert listing.price_pence == 0 and listing.at_home and listing.venue_address == ""


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        (ListingStatus.DRAFT, ListingStatus.PUBLISHED, True),
        (ListingStatus.DRAFT, ListingStatus.ARCHIVED, True),
        (ListingStatus.PUBLISHED, ListingStatus.DRAFT, True),
        (ListingStatus.PUBLISHED, ListingStatus.ARCHIVED, True),
        (ListingStatus.ARCHIVED, ListingStatus.DRAFT, True),
        (ListingStatus.ARCHIVED, ListingStatus.PUBLISHED, False),
    ],
)
def test_listing_moves(from_status, to_status, allowed):
    assert listings.can_move_listing(from_status, to_status) is allowed


@pytest.mark.parametrize(
    "status, draft, published",
    [
        (ListingStatus.DRAFT, True, False),
        (ListingStatus.PUBLISHED, False, True),
        (ListingStatus.ARCHIVED, False, False),
    ],
)
def test_a_listing_says_where_it_stands(status, draft, published):
    listing = Listing(status=status)
    assert (listing.is_draft, listing.is_published) == (draft, published)


def test_publishing_needs_a_schedule_and_an_approved_insured_provider(
    db, make_provider, make_listing, gym_staff
):
    waiting = make_provider(gym_staff, status="applied")
    draft = make_listing(waiting, status="draft")
    with pytest.raises(listings.ProviderError, match="once the secretary has approved"):
        listings.publish_listing(draft, gym_staff)

    # Approved, and (as for an established provider) past the review of its first listing,
    # which tests/marketplace/test_staff_and_review.py covers.
    waiting.status, waiting.approved_at = ProviderStatus.APPROVED, datetime.now(UTC)
    waiting.first_listing_approved_at = waiting.approved_at
    unscheduled = make_listing(waiting, status="draft", schedule=())
    with pytest.raises(listings.ProviderError, match="at least one day and start time"):
        listings.publish_listing(unscheduled, gym_staff)

    waiting.insurance_expires_on = date.today() - timedelta(days=1)
    with pytest.raises(listings.ProviderError, match="insurance ran out"):
        listings.publish_listing(draft, gym_staff)

    waiting.insurance_expires_on = date.today() + timedelta(days=100)
    made = listings.publish_listing(draft, gym_staff)
    db.session.commit()
    assert draft.status is ListingStatus.PUBLISHED
    assert 8 <= len(made) <= 9  # a Monday each week for the next 8 weeks
    assert all(s.places == draft.places_per_session for s in made)


def test_archiving_and_back_to_draft(db, gym, gym_staff, make_listing):
    listing = make_listing(gym)
    listings.unpublish_listing(listing, gym_staff)
    assert listing.status is ListingStatus.DRAFT
    listings.archive_listing(listing, gym_staff)
    with pytest.raises(listings.ProviderError, match="cannot be made published"):
        listings.publish_listing(listing, gym_staff)


# --- Sessions across the clock changes ---------------------------------------------------


def _starts(made) -> list[datetime]:
    return [s.starts_at for s in made]


def test_monday_10am_stays_10am_on_the_clock_across_the_spring_change(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    made = listings.generate_sessions(listing, through=date(2026, 4, 6), now=BEFORE_SPRING)
    db.session.commit()
    assert _starts(made) == [
        datetime(2026, 3, 23, 10, 0, tzinfo=UTC),  # GMT
        datetime(2026, 3, 30, 9, 0, tzinfo=UTC),  # BST: still 10:00 in London
        datetime(2026, 4, 6, 9, 0, tzinfo=UTC),
    ]
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in made} == {time(10, 0)}
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in made)
    # A second run makes nothing new.
    assert listings.generate_sessions(listing, through=date(2026, 4, 6), now=BEFORE_SPRING) == []
    assert count(db, Session) == 3


def test_monday_10am_stays_10am_on_the_clock_across_the_autumn_change(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    made = listings.generate_sessions(listing, through=date(2026, 11, 2), now=BEFORE_AUTUMN)
    db.session.commit()
    assert _starts(made) == [
        datetime(2026, 10, 19, 9, 0, tzinfo=UTC),  # BST
        datetime(2026, 10, 26, 10, 0, tzinfo=UTC),  # GMT: still 10:00 in London
        datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
    ]
    assert listings.generate_sessions(listing, through=date(2026, 11, 2), now=BEFORE_AUTUMN) == []
    assert count(db, Session) == 3


def test_generating_skips_starts_already_past_and_defaults_to_8_weeks(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),), places=6)
    monday_noon = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)  # that morning's session is over
    made = listings.generate_sessions(listing, now=monday_noon)
    assert made[0].starts_at == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert made[-1].starts_at.date() == date(2026, 5, 18)  # 8 weeks on
    assert len(made) == 8 and {s.places for s in made} == {6}


def test_the_daily_top_up_only_makes_sessions_for_published_listings(db, gym, make_listing):
    make_listing(gym, title="Published")
    make_listing(gym, title="Draft", status="draft")
    made = listings.top_up_sessions(now=BEFORE_SPRING)
    db.session.commit()
    assert made == 8  # Mondays from 23 March to 11 May
    assert {s.listing.title for s in db.session.scalars(select(Session))} == {"Published"}
    assert listings.top_up_sessions(now=BEFORE_SPRING) == 0


# --- Schedules and closures change the sessions ------------------------------------------


@pytest.fixture
def published(db, gym, make_listing):
    """A published Monday 10:00 listing with sessions for 8 weeks from Friday 20 March 2026."""
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),), price_pence=800, places=4)
    listings.generate_sessions(listing, now=BEFORE_SPRING)
    db.session.commit()
    return listing


def _session_on(db, listing, day: date) -> Session | None:
    for session in db.session.scalars(select(Session).where(Session.listing_id == listing.id)):
        if session.starts_at.astimezone(clock.LONDON).date() == day:
            return session
    return None


def test_a_closure_removes_unbooked_sessions_and_lists_booked_ones(
    db, published, gym_staff, holder
):
    booked = _session_on(db, published, date(2026, 4, 13))
    bookings.book(holder, booked, now=BEFORE_SPRING)
    db.session.commit()

    change = listings.add_closure(
        published, date(2026, 4, 6), date(2026, 4, 13), "Easter", gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert change.removed == 1
    assert change.still_booked == [booked]
    assert _session_on(db, published, date(2026, 4, 6)) is None
    assert _session_on(db, published, date(2026, 4, 13)).cancelled_at is None
    assert listings.sessions_outside_schedule(published, now=BEFORE_SPRING) == [booked]

    # Reopening brings the removed session back.
    change = listings.remove_closure(published.closures[0], gym_staff, now=BEFORE_SPRING)
    db.session.commit()
    assert _starts(change.added) == [datetime(2026, 4, 6, 9, 0, tzinfo=UTC)]
    assert listings.sessions_outside_schedule(published, now=BEFORE_SPRING) == []


def test_closure_mistakes(db, published, gym_staff):
    with pytest.raises(listings.ProviderError, match="ends before it starts"):
        listings.add_closure(
            published, date(2026, 4, 6), date(2026, 4, 1), "", gym_staff, now=BEFORE_SPRING
        )
    with pytest.raises(listings.ProviderError, match="end today or later"):
        listings.add_closure(published, date(2026, 3, 1), None, "", gym_staff, now=BEFORE_SPRING)


def test_a_session_with_only_cancelled_bookings_is_cancelled_not_deleted(
    db, published, gym_staff, holder
):
    session = _session_on(db, published, date(2026, 4, 6))
    booking = bookings.book(holder, session, now=BEFORE_SPRING)
    bookings.cancel(booking, holder, now=BEFORE_SPRING)
    db.session.commit()
    change = listings.add_closure(
        published, date(2026, 4, 6), None, "", gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert change.removed == 1 and change.still_booked == []
    assert db.session.get(Session, session.id).cancelled_at is not None


def test_adding_and_removing_start_times(db, published, gym_staff):
    change = listings.add_schedule_times(
        published, [2, 4], time(18, 30), gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert len(change.added) == 17  # 8 Wednesdays and 9 Fridays, 20 March to 15 May
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in change.added} == {time(18, 30)}
    with pytest.raises(listings.ProviderError, match="already start at that time"):
        listings.add_schedule_times(published, [2], time(18, 30), gym_staff, now=BEFORE_SPRING)
    with pytest.raises(listings.ProviderError, match="Choose at least one day"):
        listings.add_schedule_times(published, [], time(9, 0), gym_staff, now=BEFORE_SPRING)

    monday = next(t for t in published.schedule_times if t.weekday == MONDAY)
    change = listings.remove_schedule_time(monday, gym_staff, now=BEFORE_SPRING)
    db.session.commit()
    assert change.removed == 8
    remaining = db.session.scalars(select(Session).where(Session.listing_id == published.id))
    assert {s.starts_at.astimezone(clock.LONDON).weekday() for s in remaining} == {2, 4}


def test_a_draft_listings_schedule_makes_no_sessions(db, gym, gym_staff, make_listing):
    draft = make_listing(gym, status="draft", schedule=())
    change = listings.add_schedule_times(draft, [MONDAY], time(10, 0), gym_staff)
    assert change.added == [] and count(db, Session) == 0


def test_changing_places_updates_sessions_to_come_but_never_below_those_taken(
    db, published, gym_staff, holder
):
    session = _session_on(db, published, date(2026, 4, 6))
    bookings.book(holder, session, places=3, now=BEFORE_SPRING)
    db.session.commit()
    listings.update_listing(
        published, listing_details(places_per_session=2), gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert db.session.get(Session, session.id).places == 3
    assert _session_on(db, published, date(2026, 4, 13)).places == 2


def test_off_peak_prices_are_checked_and_labelled(db, published, gym_staff):
    with pytest.raises(listings.ProviderError, match="must be before the end") as refused:
        listings.add_concession(published, [0, 1], time(15, 0), time(10, 0), 50, True, gym_staff)
    assert refused.value.field == "window_end"
    with pytest.raises(listings.ProviderError, match="Choose at least one day"):
        listings.add_concession(published, [], time(10, 0), time(15, 0), 50, True, gym_staff)
    concession = listings.add_concession(
        published, [4, 0, 1, 2, 3], time(10, 0), time(15, 0), 50, True, gym_staff
    )
    assert concession.days == "01234"
    from coop.marketplace.service import pricing_rules

    labels = [d.label for d in pricing_rules(published).discounts]
    assert labels == ["Half price off-peak for co-op members, weekdays 10:00 to 15:00"]
    listings.remove_concession(concession, gym_staff)
    assert published.concessions == []


def test_the_generate_sessions_command_tops_up_published_listings_once(
    db, runner, gym, make_listing
):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)), (3, time(18, 0))))
    result = runner.invoke(args=["marketplace", "generate-sessions"])
    assert result.exit_code == 0, result.output
    made = count(db, Session)
    assert 16 <= made <= 18  # Mondays and Thursdays for 8 weeks
    assert result.output.strip() == f"Made {made} new sessions."
    assert runner.invoke(args=["marketplace", "generate-sessions"]).output.strip() == (
        "Made 0 new sessions."
    )
    assert {s.listing_id for s in db.session.scalars(select(Session))} == {listing.id}
