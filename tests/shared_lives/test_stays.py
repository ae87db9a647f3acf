"""Short breaks: the rules for booking a room, and the database refusing overlapping nights."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coop.shared_lives import service
from coop.shared_lives.models import Arrangement, ArrangementType, Stay, StayKind
from tests.shared_lives.conftest import TODAY

START = TODAY + timedelta(days=20)


def _room(household, short_breaks=True):
    return next(r for r in household.rooms if r.for_short_breaks == short_breaks)


def test_overlapping_nights_in_one_room_are_refused(db, coordinator, make_household):
    room = _room(make_household())
    service.book_stay(room, StayKind.SHORT_BREAK, START, START + timedelta(3), coordinator)
    with pytest.raises(service.RoomTaken, match="already taken"):
        service.book_stay(
            room, StayKind.SHORT_BREAK, START + timedelta(2), START + timedelta(5), coordinator
        )
    # The morning someone leaves, the next can arrive.
    service.book_stay(
        room, StayKind.SHORT_BREAK, START + timedelta(3), START + timedelta(4), coordinator
    )


def test_the_database_itself_refuses_an_overlap_on_postgresql(app, db, make_household):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip(
            reason="SQLite has no exclusion constraints; there BEGIN IMMEDIATE serialises writers"
        )
    household = make_household()
    room = _room(household)
    now = datetime.now(UTC)

    def stay(first, last):
        return Stay(household_id=household.id, room_id=room.id, kind=StayKind.SHORT_BREAK,
                    starts_on=first, ends_on=last, booked_at=now)  # fmt: skip

    db.session.add(stay(START, START + timedelta(3)))
    db.session.flush()
    with pytest.raises(IntegrityError, match="no_overlap"):
        with db.session.begin_nested():
            db.session.add(stay(START + timedelta(1), START + timedelta(2)))


def test_a_room_holding_a_long_term_arrangement_is_never_offered(
    db, coordinator, make_household, make_referral
):
    household = make_household(
        rooms=[dict(name="Only room", for_long_term=True, for_short_breaks=True)]
    )
    room = household.rooms[0]
    lives_here = make_referral("long_term", wanted_from=TODAY)
    db.session.add(
        Arrangement(referral_id=lives_here.id, household_id=household.id, room_id=room.id,
                    arrangement_type=ArrangementType.LONG_TERM, starts_on=TODAY)
    )  # fmt: skip
    db.session.flush()
    with pytest.raises(service.RoomTaken):
        service.book_stay(room, StayKind.SHORT_BREAK, START, START + timedelta(2), coordinator)
    short_break = make_referral(wanted_from=START, wanted_until=START + timedelta(2))
    (excluded,) = service.run_matching(short_break).excluded
    assert "No suitable room is free on the dates wanted." in excluded.reasons


def test_the_carers_own_break_blocks_short_breaks(db, coordinator, make_household):
    household = make_household(
        rooms=[dict(name="A", for_short_breaks=True), dict(name="B", for_short_breaks=True)]
    )
    a, b = household.rooms
    service.book_stay(
        a, StayKind.CARERS_BREAK, START, START + timedelta(7), household.carers[0].member
    )
    with pytest.raises(service.SharedLivesError, match="own break"):
        service.book_stay(
            b, StayKind.SHORT_BREAK, START + timedelta(1), START + timedelta(2), coordinator
        )


def test_a_household_never_supports_more_than_it_is_approved_for(db, coordinator, make_household):
    household = make_household(
        max_people=1,
        rooms=[dict(name="A", for_short_breaks=True), dict(name="B", for_short_breaks=True)],
    )
    a, b = household.rooms
    service.book_stay(a, StayKind.SHORT_BREAK, START, START + timedelta(3), coordinator)
    with pytest.raises(service.SharedLivesError, match="more than the 1"):
        service.book_stay(
            b, StayKind.SHORT_BREAK, START + timedelta(1), START + timedelta(2), coordinator
        )


def test_a_lapsed_household_cannot_be_booked(db, coordinator, make_household):
    household = make_household(dbs_checked_on=TODAY - timedelta(days=4 * 365))
    with pytest.raises(service.SharedLivesError, match="lapsed"):
        service.book_stay(
            _room(household), StayKind.SHORT_BREAK, START, START + timedelta(1), coordinator
        )
