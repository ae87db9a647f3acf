"""Running a provider (the service): approval, staff, listings, schedules, sessions and money."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.marketplace import bookings, providers
from coop.marketplace.models import (
    Category,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    Session,
)
from coop.marketplace.schedule import MONDAY

#: A Friday before the clocks go forward (Sunday 29 March 2026).
BEFORE_SPRING = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
#: A Friday before the clocks go back (Sunday 25 October 2026).
BEFORE_AUTUMN = datetime(2026, 10, 16, 12, 0, tzinfo=UTC)


def details(**changes) -> providers.ProviderDetails:
    fields = {
        "name": "Riverside Gym",
        "kind": ProviderKind.COMMUNITY_VENUE,
        "description": "A friendly community gym.",
        "email": "Hello@Riverside.example",
        "phone": "01332 111222",
        "address_line_1": "2 River Lane",
        "town": "Derby",
        "postcode": "de1 3aa",
        "insurance_expires_on": date.today() + timedelta(days=200),
    }
    return providers.ProviderDetails(**(fields | changes))


def listing_details(**changes) -> providers.ListingDetails:
    fields = {
        "title": "Off-peak gym",
        "description": "Use of the gym.",
        "category": Category.GYM_FITNESS,
        "price_pence": 800,
        "duration_minutes": 60,
        "places_per_session": 10,
        "venue_address": "2 River Lane, Derby DE1 3AA",
    }
    return providers.ListingDetails(**(fields | changes))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "member_class, status, secretary, allowed",
    [
        ("provider", "approved", False, True),
        ("provider", "applied", False, False),
        ("provider", "left", False, False),
        ("budget_holder", "approved", False, False),
        ("carer", "approved", False, False),
        ("budget_holder", "approved", True, False),
    ],
)
def test_only_approved_provider_members_may_register_a_provider(
    db, make_member, member_class, status, secretary, allowed
):
    member = make_member(member_class, status, secretary=secretary)
    assert providers.can_register_provider(member) is allowed


def test_only_a_providers_own_staff_may_manage_it(db, make_member, make_provider, gym, gym_staff):
    other_staff = make_member("provider")
    make_provider(other_staff)
    secretary = make_member(secretary=True)
    assert providers.can_manage_provider(gym_staff, gym)
    assert not providers.can_manage_provider(other_staff, gym)
    assert not providers.can_manage_provider(secretary, gym)
    assert not providers.can_manage_provider(None, gym)
    # The secretary may look, to decide; another provider may not.
    assert providers.can_view_provider(secretary, gym)
    assert not providers.can_view_provider(other_staff, gym)


def test_staff_who_leave_the_coop_can_no_longer_manage(db, gym, gym_staff):
    from coop.members import service as members

    members.leave(db.session.merge(gym_staff))
    db.session.commit()
    assert not providers.can_manage_provider(gym_staff, gym)


# --- Registering and approving -----------------------------------------------------------


def test_registering_makes_a_waiting_provider_with_its_first_staff(db, gym_staff):
    provider = providers.register_provider(gym_staff, details())
    db.session.commit()
    assert provider.status is ProviderStatus.APPLIED
    assert provider.postcode == "DE1 3AA"
    assert provider.email == "hello@riverside.example"
    assert [s.member_id for s in provider.staff] == [gym_staff.id]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"postcode": "nowhere"}, "postcode", "Enter a real UK postcode"),
        (
            {"insurance_expires_on": date.today() - timedelta(days=1)},
            "insurance_expires_on",
            "must be today or in the future",
        ),
        (
            {"dbs_checked_on": date.today() + timedelta(days=3)},
            "dbs_checked_on",
            "must be today or in the past",
        ),
        ({"name": "  "}, "name", "cannot be left empty"),
    ],
)
def test_registering_refuses_bad_details_naming_the_field(db, gym_staff, changes, field, message):
    with pytest.raises(providers.ProviderError) as refused:
        providers.register_provider(gym_staff, details(**changes))
    assert refused.value.field == field
    assert message in refused.value.message
    assert count(db, Provider) == 0


def test_a_budget_holder_cannot_register_a_provider(db, make_member):
    with pytest.raises(providers.ProviderError, match="joined as providers"):
        providers.register_provider(make_member("budget_holder"), details())


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        (ProviderStatus.APPLIED, ProviderStatus.APPROVED, True),
        (ProviderStatus.APPLIED, ProviderStatus.REJECTED, True),
        (ProviderStatus.REJECTED, ProviderStatus.APPLIED, True),
        (ProviderStatus.APPROVED, ProviderStatus.REJECTED, False),
        (ProviderStatus.APPROVED, ProviderStatus.APPLIED, False),
        (ProviderStatus.REJECTED, ProviderStatus.APPROVED, False),
    ],
)
def test_provider_moves(from_status, to_status, allowed):
    assert providers.can_move_provider(from_status, to_status) is allowed


def test_the_secretary_approves_and_rejects_with_a_reason(db, make_member, make_provider):
    secretary = make_member(secretary=True)
    waiting = make_provider(status="applied")
    turned_down = make_provider(status="applied")
    assert providers.waiting_providers() == [waiting, turned_down]

    providers.approve_provider(waiting, secretary)
    with pytest.raises(providers.ProviderError, match="Enter the reason"):
        providers.reject_provider(turned_down, secretary, "  ")
    providers.reject_provider(turned_down, secretary, "No insurance certificate")
    db.session.commit()

    assert waiting.status is ProviderStatus.APPROVED and waiting.approved_at is not None
    assert turned_down.rejection_reason == "No insurance certificate"
    assert providers.waiting_providers() == []
    with pytest.raises(providers.ProviderError, match="cannot be changed"):
        providers.approve_provider(turned_down, secretary)


def test_only_the_secretary_decides(db, make_provider, gym_staff):
    waiting = make_provider(gym_staff, status="applied")
    with pytest.raises(providers.ProviderError, match="Only the secretary"):
        providers.approve_provider(waiting, gym_staff)
    assert waiting.status is ProviderStatus.APPLIED


def test_a_rejected_provider_can_ask_again(db, make_provider, gym_staff):
    rejected = make_provider(gym_staff, status="rejected")
    providers.apply_again(rejected, gym_staff)
    assert rejected.status is ProviderStatus.APPLIED


def test_updating_details_needs_staff_and_accepts_a_new_insurance_date(
    db, make_member, gym, gym_staff
):
    new_date = date.today() + timedelta(days=400)
    with pytest.raises(providers.ProviderError):
        providers.update_provider(gym, details(insurance_expires_on=new_date), make_member())
    providers.update_provider(gym, details(insurance_expires_on=new_date), gym_staff)
    assert gym.insurance_expires_on == new_date and gym.name == "Riverside Gym"


# --- Staff -------------------------------------------------------------------------------


def test_staff_add_an_approved_member_by_email_once(db, make_member, gym, gym_staff):
    make_member("carer", email="pat@example.org", name="Pat")
    make_member("carer", "applied", email="new@example.org")
    providers.add_staff(gym, " PAT@example.org ", gym_staff)
    db.session.commit()
    assert {s.member.email for s in gym.staff} == {"gym@example.org", "pat@example.org"}

    with pytest.raises(providers.ProviderError, match="already one of your staff"):
        providers.add_staff(gym, "pat@example.org", gym_staff)
    for unknown in ("new@example.org", "nobody@example.org"):
        with pytest.raises(providers.ProviderError, match="no approved member") as refused:
            providers.add_staff(gym, unknown, gym_staff)
        assert refused.value.field == "email"


def test_another_providers_staff_cannot_add_staff(db, make_member, make_provider, gym):
    intruder = make_member("provider")
    make_provider(intruder)
    with pytest.raises(providers.ProviderError, match="own staff"):
        providers.add_staff(gym, intruder.email, intruder)
    assert count(db, ProviderStaff) == 2


def test_staff_remove_someone_else_by_row_or_by_member(db, make_member, gym, gym_staff):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    sam = make_member("carer", email="sam@example.org", name="Sam")
    pats_row = providers.add_staff(gym, pat.email, gym_staff)
    providers.add_staff(gym, sam.email, gym_staff)
    db.session.commit()

    assert providers.remove_staff(gym, pats_row, gym_staff) == pat
    assert providers.remove_staff(gym, sam, gym_staff) == sam
    db.session.commit()
    assert [s.member_id for s in gym.staff] == [gym_staff.id]
    assert not providers.can_manage_provider(pat, gym)
    assert count(db, ProviderStaff) == 1


def test_the_last_staff_account_cannot_be_removed(db, make_member, gym, gym_staff):
    with pytest.raises(providers.ProviderError) as refused:
        providers.remove_staff(gym, gym.staff[0], gym_staff)
    assert refused.value.message == (
        "A provider needs at least one staff account. Add someone else before removing yourself."
    )

    pat = make_member("carer", email="pat@example.org", name="Pat")
    providers.add_staff(gym, pat.email, gym_staff)
    providers.remove_staff(gym, gym_staff, pat)
    db.session.commit()
    with pytest.raises(providers.ProviderError, match="at least one staff account") as refused:
        providers.remove_staff(gym, pat, pat)
    assert refused.value.message.endswith("before removing yourself.")
    assert [s.member_id for s in gym.staff] == [pat.id]


def test_staff_may_remove_themselves_while_someone_else_remains(db, make_member, gym, gym_staff):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    providers.add_staff(gym, pat.email, gym_staff)
    db.session.commit()

    assert providers.remove_staff(gym, gym_staff, gym_staff) == gym_staff
    db.session.commit()
    assert not providers.can_manage_provider(gym_staff, gym)
    assert providers.provider_for(gym_staff, gym.id) is None
    assert providers.can_manage_provider(pat, gym)
    # Having left, they cannot remove anyone else.
    with pytest.raises(providers.ProviderError, match="own staff"):
        providers.remove_staff(gym, pat, gym_staff)


def test_another_providers_staff_cannot_remove_staff_or_be_removed(
    db, make_member, make_provider, gym, gym_staff
):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    providers.add_staff(gym, pat.email, gym_staff)
    intruder = make_member("provider", name="Ivy Intruder")
    theirs = make_provider(intruder)
    make_member("carer", email="ian@example.org")
    their_second = providers.add_staff(theirs, "ian@example.org", intruder)
    db.session.commit()

    # Not their provider: refused, whichever staff account they aim at.
    for target in (gym.staff[0], pat, gym_staff):
        with pytest.raises(providers.ProviderError, match="own staff"):
            providers.remove_staff(gym, target, intruder)
    # My provider, but their staff: not found through mine, and refused if passed directly.
    assert providers.staff_of(gym, their_second.id) is None
    assert providers.staff_of(gym, gym.staff[1].id).member_id == pat.id
    for target in (their_second, intruder):
        with pytest.raises(providers.ProviderError, match="not one of Riverside Gym's staff"):
            providers.remove_staff(gym, target, gym_staff)
    assert count(db, ProviderStaff) == 4


# --- Listings ----------------------------------------------------------------------------


def test_a_new_listing_is_a_draft_with_its_details(db, gym, gym_staff):
    listing = providers.create_listing(
        gym,
        listing_details(features=frozenset({"step_free", "bsl"}), members_discount_percent=10),
        gym_staff,
    )
    assert listing.status is ListingStatus.DRAFT
    assert listing.step_free and listing.bsl and not listing.hearing_loop
    assert listing.members_discount_percent == 10
    assert providers.listing_details(listing).features == {"step_free", "bsl"}


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
    with pytest.raises(providers.ProviderError) as refused:
        providers.create_listing(gym, listing_details(**changes), gym_staff)
    assert refused.value.field == field
    assert message in refused.value.message


def test_free_and_at_home_listings_need_no_price_or_venue(db, gym, gym_staff):
    listing = providers.create_listing(
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
    assert providers.can_move_listing(from_status, to_status) is allowed


def test_publishing_needs_a_schedule_and_an_approved_insured_provider(
    db, make_provider, make_listing, gym_staff
):
    waiting = make_provider(gym_staff, status="applied")
    draft = make_listing(waiting, status="draft")
    with pytest.raises(providers.ProviderError, match="once the secretary has approved"):
        providers.publish_listing(draft, gym_staff)

    waiting.status, waiting.approved_at = ProviderStatus.APPROVED, datetime.now(UTC)
    unscheduled = make_listing(waiting, status="draft", schedule=())
    with pytest.raises(providers.ProviderError, match="at least one day and start time"):
        providers.publish_listing(unscheduled, gym_staff)

    waiting.insurance_expires_on = date.today() - timedelta(days=1)
    with pytest.raises(providers.ProviderError, match="insurance ran out"):
        providers.publish_listing(draft, gym_staff)

    waiting.insurance_expires_on = date.today() + timedelta(days=100)
    made = providers.publish_listing(draft, gym_staff)
    db.session.commit()
    assert draft.status is ListingStatus.PUBLISHED
    assert 8 <= len(made) <= 9  # a Monday each week for the next 8 weeks
    assert all(s.places == draft.places_per_session for s in made)


def test_archiving_and_back_to_draft(db, gym, gym_staff, make_listing):
    listing = make_listing(gym)
    providers.unpublish_listing(listing, gym_staff)
    assert listing.status is ListingStatus.DRAFT
    providers.archive_listing(listing, gym_staff)
    with pytest.raises(providers.ProviderError, match="cannot be made published"):
        providers.publish_listing(listing, gym_staff)


# --- Sessions across the clock changes ---------------------------------------------------


def _starts(made) -> list[datetime]:
    return [s.starts_at for s in made]


def test_monday_10am_stays_10am_on_the_clock_across_the_spring_change(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    made = providers.generate_sessions(listing, through=date(2026, 4, 6), now=BEFORE_SPRING)
    db.session.commit()
    assert _starts(made) == [
        datetime(2026, 3, 23, 10, 0, tzinfo=UTC),  # GMT
        datetime(2026, 3, 30, 9, 0, tzinfo=UTC),  # BST: still 10:00 in London
        datetime(2026, 4, 6, 9, 0, tzinfo=UTC),
    ]
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in made} == {time(10, 0)}
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in made)
    # A second run makes nothing new.
    assert providers.generate_sessions(listing, through=date(2026, 4, 6), now=BEFORE_SPRING) == []
    assert count(db, Session) == 3


def test_monday_10am_stays_10am_on_the_clock_across_the_autumn_change(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    made = providers.generate_sessions(listing, through=date(2026, 11, 2), now=BEFORE_AUTUMN)
    db.session.commit()
    assert _starts(made) == [
        datetime(2026, 10, 19, 9, 0, tzinfo=UTC),  # BST
        datetime(2026, 10, 26, 10, 0, tzinfo=UTC),  # GMT: still 10:00 in London
        datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
    ]
    assert providers.generate_sessions(listing, through=date(2026, 11, 2), now=BEFORE_AUTUMN) == []
    assert count(db, Session) == 3


def test_generating_skips_starts_already_past_and_defaults_to_8_weeks(db, gym, make_listing):
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),), places=6)
    monday_noon = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)  # that morning's session is over
    made = providers.generate_sessions(listing, now=monday_noon)
    assert made[0].starts_at == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert made[-1].starts_at.date() == date(2026, 5, 18)  # 8 weeks on
    assert len(made) == 8 and {s.places for s in made} == {6}


def test_the_daily_top_up_only_makes_sessions_for_published_listings(db, gym, make_listing):
    make_listing(gym, title="Published")
    make_listing(gym, title="Draft", status="draft")
    made = providers.top_up_sessions(now=BEFORE_SPRING)
    db.session.commit()
    assert made == 8  # Mondays from 23 March to 11 May
    assert {s.listing.title for s in db.session.scalars(select(Session))} == {"Published"}
    assert providers.top_up_sessions(now=BEFORE_SPRING) == 0


# --- Schedules and closures change the sessions ------------------------------------------


@pytest.fixture
def published(db, gym, make_listing):
    """A published Monday 10:00 listing with sessions for 8 weeks from Friday 20 March 2026."""
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),), price_pence=800, places=4)
    providers.generate_sessions(listing, now=BEFORE_SPRING)
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

    change = providers.add_closure(
        published, date(2026, 4, 6), date(2026, 4, 13), "Easter", gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert change.removed == 1
    assert change.still_booked == [booked]
    assert _session_on(db, published, date(2026, 4, 6)) is None
    assert _session_on(db, published, date(2026, 4, 13)).cancelled_at is None
    assert providers.sessions_outside_schedule(published, now=BEFORE_SPRING) == [booked]

    # Reopening brings the removed session back.
    change = providers.remove_closure(published.closures[0], gym_staff, now=BEFORE_SPRING)
    db.session.commit()
    assert _starts(change.added) == [datetime(2026, 4, 6, 9, 0, tzinfo=UTC)]
    assert providers.sessions_outside_schedule(published, now=BEFORE_SPRING) == []


def test_closure_mistakes(db, published, gym_staff):
    with pytest.raises(providers.ProviderError, match="ends before it starts"):
        providers.add_closure(
            published, date(2026, 4, 6), date(2026, 4, 1), "", gym_staff, now=BEFORE_SPRING
        )
    with pytest.raises(providers.ProviderError, match="end today or later"):
        providers.add_closure(published, date(2026, 3, 1), None, "", gym_staff, now=BEFORE_SPRING)


def test_a_session_with_only_cancelled_bookings_is_cancelled_not_deleted(
    db, published, gym_staff, holder
):
    session = _session_on(db, published, date(2026, 4, 6))
    booking = bookings.book(holder, session, now=BEFORE_SPRING)
    bookings.cancel(booking, holder, now=BEFORE_SPRING)
    db.session.commit()
    change = providers.add_closure(
        published, date(2026, 4, 6), None, "", gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert change.removed == 1 and change.still_booked == []
    assert db.session.get(Session, session.id).cancelled_at is not None


def test_adding_and_removing_start_times(db, published, gym_staff):
    change = providers.add_schedule_times(
        published, [2, 4], time(18, 30), gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert len(change.added) == 17  # 8 Wednesdays and 9 Fridays, 20 March to 15 May
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in change.added} == {time(18, 30)}
    with pytest.raises(providers.ProviderError, match="already start at that time"):
        providers.add_schedule_times(published, [2], time(18, 30), gym_staff, now=BEFORE_SPRING)
    with pytest.raises(providers.ProviderError, match="Choose at least one day"):
        providers.add_schedule_times(published, [], time(9, 0), gym_staff, now=BEFORE_SPRING)

    monday = next(t for t in published.schedule_times if t.weekday == MONDAY)
    change = providers.remove_schedule_time(monday, gym_staff, now=BEFORE_SPRING)
    db.session.commit()
    assert change.removed == 8
    remaining = db.session.scalars(select(Session).where(Session.listing_id == published.id))
    assert {s.starts_at.astimezone(clock.LONDON).weekday() for s in remaining} == {2, 4}


def test_a_draft_listings_schedule_makes_no_sessions(db, gym, gym_staff, make_listing):
    draft = make_listing(gym, status="draft", schedule=())
    change = providers.add_schedule_times(draft, [MONDAY], time(10, 0), gym_staff)
    assert change.added == [] and count(db, Session) == 0


def test_changing_places_updates_sessions_to_come_but_never_below_those_taken(
    db, published, gym_staff, holder
):
    session = _session_on(db, published, date(2026, 4, 6))
    bookings.book(holder, session, places=3, now=BEFORE_SPRING)
    db.session.commit()
    providers.update_listing(
        published, listing_details(places_per_session=2), gym_staff, now=BEFORE_SPRING
    )
    db.session.commit()
    assert db.session.get(Session, session.id).places == 3
    assert _session_on(db, published, date(2026, 4, 13)).places == 2


def test_off_peak_prices_are_checked_and_labelled(db, published, gym_staff):
    with pytest.raises(providers.ProviderError, match="must be before the end") as refused:
        providers.add_concession(published, [0, 1], time(15, 0), time(10, 0), 50, True, gym_staff)
    assert refused.value.field == "window_end"
    with pytest.raises(providers.ProviderError, match="Choose at least one day"):
        providers.add_concession(published, [], time(10, 0), time(15, 0), 50, True, gym_staff)
    concession = providers.add_concession(
        published, [4, 0, 1, 2, 3], time(10, 0), time(15, 0), 50, True, gym_staff
    )
    assert concession.days == "01234"
    from coop.marketplace.service import pricing_rules

    labels = [d.label for d in pricing_rules(published).discounts]
    assert labels == ["Half price off-peak for co-op members, weekdays 10:00 to 15:00"]
    providers.remove_concession(concession, gym_staff)
    assert published.concessions == []


# --- Looking things up stays inside the provider -----------------------------------------


def test_lookups_never_cross_to_another_provider(
    db, make_member, make_provider, make_listing, make_session, gym, gym_staff
):
    theirs = make_listing(make_provider())
    their_session = make_session(theirs)
    assert providers.listing_of(gym, theirs.id) is None
    assert providers.session_of(gym, their_session.id) is None
    assert providers.provider_for(gym_staff, theirs.provider_id) is None
    assert providers.provider_for(gym_staff, gym.id) == gym
    assert providers.bookings_for(gym) == []


# --- Money -------------------------------------------------------------------------------


def test_earnings_are_payments_less_refunds_split_by_commission(
    db, published, gym, holder, make_member, fund, make_listing, make_provider
):
    first = _session_on(db, published, date(2026, 4, 6))
    second = _session_on(db, published, date(2026, 4, 13))
    kept = bookings.book(holder, first, places=2, now=BEFORE_SPRING)  # £16.00
    refunded = bookings.book(holder, second, now=BEFORE_SPRING)  # £8.00, then cancelled
    bookings.cancel(refunded, holder, now=BEFORE_SPRING)
    # Another provider's booking counts for them, not the gym.
    other = make_listing(make_provider(), price_pence=500)
    other_session = providers.generate_sessions(other, now=BEFORE_SPRING)[0]
    bookings.book(holder, other_session, now=BEFORE_SPRING)
    db.session.commit()

    money = providers.earnings(gym)
    assert money == providers.Earnings(gross_pence=1600, commission_pence=128, net_pence=1472)
    by_booking = providers.earnings_by_booking(gym)
    assert by_booking[kept.id] == money
    assert by_booking[refunded.id] == providers.Earnings(0, 0, 0)
    assert providers.earnings(other.provider).gross_pence == 500


def test_the_bookings_csv_has_a_row_per_booking_and_no_formulas(
    db, published, gym, make_member, fund
):
    sly = make_member("budget_holder", name="=HYPERLINK(1)")
    fund(sly, 5000)
    sly = db.session.merge(sly)
    booking = bookings.book(sly, _session_on(db, published, date(2026, 4, 6)), now=BEFORE_SPRING)
    db.session.commit()

    rows = list(csv.reader(io.StringIO(providers.bookings_csv(gym))))
    assert rows[0] == providers.BOOKING_COLUMNS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Member name"] == "'=HYPERLINK(1)"
    assert row["Reference"] == booking.reference
    assert row["Listing"] == "Gym session"
    assert row["Session start"] == "6 April 2026 at 10:00am"
    assert (row["Gross"], row["Commission"], row["Net"]) == ("£8.00", "£0.64", "£7.36")
    assert (row["Status"], row["Refund"], row["Places"]) == ("Booked", "£0.00", "1")


# --- Insurance ---------------------------------------------------------------------------


def test_insurance_warnings(db, gym):
    today = date(2026, 6, 1)
    gym.insurance_expires_on = date(2026, 5, 31)
    assert "ran out on 31 May 2026" in providers.insurance_warning(gym, today)
    assert "hidden" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 6, 1)
    assert "runs out on 1 June 2026 (today)" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 7, 1)
    assert "(in 30 days)" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 7, 2)
    assert providers.insurance_warning(gym, today) is None


def test_lapsed_providers_are_claimed_once_per_lapse(db, make_provider):
    today = date.today()
    lapsed = make_provider(insurance_expires_on=today - timedelta(days=1))
    make_provider(insurance_expires_on=today)  # still covered today
    make_provider(status="applied", insurance_expires_on=today - timedelta(days=5))
    assert providers.lapsed_providers(today) == [lapsed]
    assert providers.claim_lapse_notice(lapsed) is True
    db.session.commit()
    assert providers.lapsed_providers(today) == []
    assert providers.claim_lapse_notice(lapsed) is False


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
