"""Tests for weekly schedules: sessions on the UK clock across the clock changes, closures."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop import clock
from coop.marketplace.schedule import (
    FRIDAY,
    MONDAY,
    SATURDAY,
    SUNDAY,
    WEDNESDAY,
    WEEKDAYS,
    Closure,
    ScheduleError,
    WeeklySchedule,
    closure_on,
    describe_closure,
    describe_days,
    describe_duration,
    describe_schedule,
    sessions_between,
    validate_schedule,
    wall_clock_to_utc,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(sessions):
    return [start for start, _ in sessions]


MONDAYS_9 = WeeklySchedule({(MONDAY, time(9))}, 60)


@pytest.mark.parametrize(
    ("before", "after", "before_utc", "after_utc"),
    [
        # Clocks go forward on Sunday 29 March 2026 and 28 March 2027.
        (date(2026, 3, 23), date(2026, 3, 30), utc(2026, 3, 23, 9), utc(2026, 3, 30, 8)),
        (date(2027, 3, 22), date(2027, 3, 29), utc(2027, 3, 22, 9), utc(2027, 3, 29, 8)),
        # Clocks go back on Sunday 25 October 2026 and 31 October 2027.
        (date(2026, 10, 19), date(2026, 10, 26), utc(2026, 10, 19, 8), utc(2026, 10, 26, 9)),
        (date(2027, 10, 25), date(2027, 11, 1), utc(2027, 10, 25, 8), utc(2027, 11, 1, 9)),
    ],
)
def test_weekly_session_keeps_its_clock_time_across_the_change(
    before, after, before_utc, after_utc
):
    sessions = sessions_between(MONDAYS_9, before, after)
    assert sessions == [
        (before_utc, before_utc + timedelta(hours=1)),
        (after_utc, after_utc + timedelta(hours=1)),
    ]
    for start, _ in sessions:
        assert start.tzinfo is UTC
        assert start.astimezone(clock.LONDON).time() == time(9)


SUNDAYS_0130 = WeeklySchedule({(SUNDAY, time(1, 30))}, 60)


@pytest.mark.parametrize("change_day", [date(2026, 3, 29), date(2027, 3, 28)])
def test_a_skipped_time_moves_forward_by_the_jump(change_day):
    """01:30 does not exist when the clocks go forward: the session is at 02:30 BST."""
    [(start, end)] = sessions_between(SUNDAYS_0130, change_day, change_day)
    assert start == datetime.combine(change_day, time(1, 30), tzinfo=UTC)
    local = start.astimezone(clock.LONDON)
    assert (local.time(), local.utcoffset()) == (time(2, 30), timedelta(hours=1))
    assert end - start == timedelta(hours=1)


@pytest.mark.parametrize("change_day", [date(2026, 3, 29), date(2027, 3, 28)])
@pytest.mark.parametrize(
    ("wall", "expected_local"),
    [(time(1, 0), time(2, 0)), (time(1, 59), time(2, 59)), (time(0, 59), time(0, 59))],
)
def test_edges_of_the_spring_gap(change_day, wall, expected_local):
    assert wall_clock_to_utc(change_day, wall).astimezone(clock.LONDON).time() == expected_local


@pytest.mark.parametrize("change_day", [date(2026, 10, 25), date(2027, 10, 31)])
def test_a_repeated_time_means_the_first_occurrence(change_day):
    """01:30 happens twice when the clocks go back: the session is at the first, in BST."""
    [(start, end)] = sessions_between(SUNDAYS_0130, change_day, change_day)
    assert start == datetime.combine(change_day, time(0, 30), tzinfo=UTC)
    local = start.astimezone(clock.LONDON)
    assert (local.time(), local.utcoffset()) == (time(1, 30), timedelta(hours=1))
    # An hour later in real time the clock shows 01:30 again, now in GMT.
    assert end == start + timedelta(hours=1)
    assert end.astimezone(clock.LONDON).time() == time(1, 30)


def test_a_time_marked_as_the_second_occurrence_is_still_read_as_the_first():
    assert wall_clock_to_utc(date(2026, 10, 25), time(1, 30, fold=1)) == utc(2026, 10, 25, 0, 30)


def test_sunday_0130_on_ordinary_sundays():
    sessions = sessions_between(SUNDAYS_0130, date(2026, 3, 22), date(2026, 4, 5))
    assert starts(sessions) == [
        utc(2026, 3, 22, 1, 30),  # GMT
        utc(2026, 3, 29, 1, 30),  # the gap: 02:30 BST
        utc(2026, 4, 5, 0, 30),  # BST
    ]


@pytest.mark.parametrize(
    ("day", "start", "end_local"),
    [
        # 00:30 GMT plus two real hours is 02:30 UTC, which the clock shows as 03:30 BST.
        (date(2026, 3, 29), utc(2026, 3, 29, 0, 30), time(3, 30)),
        # 00:30 BST plus two real hours is 01:30 UTC, which the clock shows as 01:30 GMT.
        (date(2026, 10, 25), utc(2026, 10, 24, 23, 30), time(1, 30)),
    ],
)
def test_the_end_is_the_length_in_real_time(day, start, end_local):
    schedule = WeeklySchedule({(SUNDAY, time(0, 30))}, 120)
    [(got_start, got_end)] = sessions_between(schedule, day, day)
    assert got_start == start
    assert got_end - got_start == timedelta(hours=2)
    assert got_end.astimezone(clock.LONDON).time() == end_local


def test_two_slots_meeting_in_the_gap_make_one_session():
    schedule = WeeklySchedule({(SUNDAY, time(1, 30)), (SUNDAY, time(2, 30))}, 30)
    assert len(sessions_between(schedule, date(2026, 3, 29), date(2026, 3, 29))) == 1
    assert len(sessions_between(schedule, date(2026, 3, 22), date(2026, 3, 22))) == 2


def test_sessions_are_sorted_across_days_and_times():
    schedule = WeeklySchedule(
        {(WEDNESDAY, time(18)), (MONDAY, time(14)), (MONDAY, time(10)), (FRIDAY, time(9, 15))}, 45
    )
    sessions = sessions_between(schedule, date(2026, 1, 12), date(2026, 1, 18))
    assert sessions == [
        (utc(2026, 1, 12, 10), utc(2026, 1, 12, 10, 45)),
        (utc(2026, 1, 12, 14), utc(2026, 1, 12, 14, 45)),
        (utc(2026, 1, 14, 18), utc(2026, 1, 14, 18, 45)),
        (utc(2026, 1, 16, 9, 15), utc(2026, 1, 16, 10, 0)),
    ]


def test_the_range_includes_both_ends():
    sessions = sessions_between(MONDAYS_9, date(2026, 1, 5), date(2026, 1, 12))
    assert starts(sessions) == [utc(2026, 1, 5, 9), utc(2026, 1, 12, 9)]


def test_closures_remove_sessions():
    schedule = WeeklySchedule(
        {(day, time(10)) for day in WEEKDAYS},
        60,
        closures=(
            Closure(date(2026, 12, 25), reason="Christmas Day"),
            Closure(date(2026, 12, 29), date(2026, 12, 31), "Staff training"),
        ),
    )
    sessions = sessions_between(schedule, date(2026, 12, 21), date(2027, 1, 1))
    assert [start.date() for start in starts(sessions)] == [
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 24),
        date(2026, 12, 28),
        date(2027, 1, 1),
    ]
    assert closure_on(schedule, date(2026, 12, 30)).reason == "Staff training"
    assert closure_on(schedule, date(2026, 12, 28)) is None


def test_a_closure_is_by_local_date():
    """A 00:30 session on 1 July is on 30 June in UTC; the 1 July closure still covers it."""
    schedule = WeeklySchedule({(WEDNESDAY, time(0, 30))}, 30, closures=(Closure(date(2026, 7, 1)),))
    assert sessions_between(schedule, date(2026, 6, 24), date(2026, 7, 8)) == [
        (utc(2026, 6, 23, 23, 30), utc(2026, 6, 24, 0, 0)),
        (utc(2026, 7, 7, 23, 30), utc(2026, 7, 8, 0, 0)),
    ]


def test_empty_ranges_give_no_sessions():
    # One day with no session on it.
    assert sessions_between(MONDAYS_9, date(2026, 1, 6), date(2026, 1, 6)) == []
    # Six days that miss every Monday.
    assert sessions_between(MONDAYS_9, date(2026, 1, 6), date(2026, 1, 11)) == []
    # Every session closed.
    closed = WeeklySchedule(
        MONDAYS_9.slots, 60, closures=(Closure(date(2026, 1, 1), date(2026, 1, 31)),)
    )
    assert sessions_between(closed, date(2026, 1, 1), date(2026, 1, 31)) == []


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ScheduleError) as raised:
        sessions_between(MONDAYS_9, date(2026, 1, 12), date(2026, 1, 5))
    assert raised.value.problems == [
        "The last day (5 January 2026) is before the first day (12 January 2026)."
    ]


def test_a_range_of_datetimes_is_refused():
    with pytest.raises(ScheduleError, match="must be dates, not times"):
        sessions_between(MONDAYS_9, datetime(2026, 1, 5, 9), date(2026, 1, 12))


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        (WeeklySchedule(set(), 60), "Add at least one day and start time for the sessions."),
        (WeeklySchedule({(7, time(9))}, 60), "The day 7 must be one of Monday to Sunday."),
        (
            WeeklySchedule({("Monday", time(9))}, 60),
            "The day 'Monday' must be one of Monday to Sunday.",
        ),
        (
            WeeklySchedule({(MONDAY, "09:00")}, 60),
            "The start time '09:00' must be a time of day, such as 10:00.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9, tzinfo=UTC))}, 60),
            "The start time 09:00 must be a UK clock time, without a time zone.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9), 60)}, 60),
            "Each session needs a day and a start time; (0, datetime.time(9, 0), 60) is not one.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9))}, 0),
            "The session length must be between 1 minute and 24 hours.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9))}, 24 * 60 + 1),
            "The session length must be between 1 minute and 24 hours.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9))}, 30.5),
            "The session length must be a whole number of minutes.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9))}, True),
            "The session length must be a whole number of minutes.",
        ),
        (
            WeeklySchedule(
                {(MONDAY, time(9))}, 60, closures=(Closure(date(2027, 1, 2), date(2026, 12, 24)),)
            ),
            "The closure from 2 January 2027 to 24 December 2026 ends before it starts.",
        ),
        (
            WeeklySchedule({(MONDAY, time(9))}, 60, closures=(Closure(datetime(2026, 12, 25)),)),
            "A closure must be given as whole dates, not times.",
        ),
    ],
)
def test_bad_schedules_are_explained(schedule, problem):
    assert validate_schedule(schedule) == [problem]
    with pytest.raises(ScheduleError) as raised:
        sessions_between(schedule, date(2026, 1, 1), date(2026, 1, 31))
    assert raised.value.problems == [problem]
    assert str(raised.value) == problem


def test_a_good_schedule_has_no_problems():
    assert validate_schedule(MONDAYS_9) == []


def test_wall_clock_to_utc_refuses_a_time_with_a_zone():
    with pytest.raises(ValueError, match="without a time zone"):
        wall_clock_to_utc(date(2026, 7, 1), time(9, tzinfo=UTC))


@pytest.mark.parametrize(
    ("slots", "text"),
    [
        ({(MONDAY, time(10)), (WEDNESDAY, time(10))}, "Mondays and Wednesdays at 10:00"),
        ({(day, time(9, 30)) for day in WEEKDAYS}, "Weekdays at 09:30"),
        ({(SATURDAY, time(10)), (SUNDAY, time(10))}, "Weekends at 10:00"),
        ({(day, time(7)) for day in range(7)}, "Every day at 07:00"),
        (
            {(MONDAY, time(10)), (MONDAY, time(14)), (FRIDAY, time(10)), (FRIDAY, time(14))},
            "Mondays and Fridays at 10:00 and 14:00",
        ),
        (
            {(MONDAY, time(10)), (WEDNESDAY, time(10)), (FRIDAY, time(14))},
            "Mondays and Wednesdays at 10:00; Fridays at 14:00",
        ),
        (
            {(MONDAY, time(10)), (WEDNESDAY, time(10)), (FRIDAY, time(10))},
            "Mondays, Wednesdays and Fridays at 10:00",
        ),
        (set(), "No regular sessions"),
    ],
)
def test_describe_schedule(slots, text):
    assert describe_schedule(WeeklySchedule(slots, 60)) == text


def test_describe_days_with_weekdays_and_more():
    assert describe_days(WEEKDAYS | {SATURDAY}) == "weekdays and Saturdays"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "1 hour 30 minutes"),
        (121, "2 hours 1 minute"),
    ],
)
def test_describe_duration(minutes, text):
    assert describe_duration(minutes) == text


def test_describe_closure():
    assert (
        describe_closure(Closure(date(2026, 12, 25), reason="Christmas Day"))
        == "Closed on 25 December 2026 (Christmas Day)"
    )
    assert (
        describe_closure(Closure(date(2026, 12, 24), date(2027, 1, 2)))
        == "Closed from 24 December 2026 to 2 January 2027"
    )


slot_strategy = st.tuples(
    st.integers(0, 6), st.times().map(lambda at: at.replace(second=0, microsecond=0))
)


@given(
    slots=st.frozensets(slot_strategy, min_size=1, max_size=6),
    minutes=st.integers(1, 24 * 60),
    first=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 60),
)
def test_sessions_keep_their_clock_time_and_length(slots, minutes, first, days):
    last = first + timedelta(days=days)
    sessions = sessions_between(WeeklySchedule(slots, minutes), first, last)
    previous = None
    for start, end in sessions:
        assert start.tzinfo is UTC and end.tzinfo is UTC
        assert end - start == timedelta(minutes=minutes)
        assert previous is None or start > previous
        previous = start
        local = start.astimezone(clock.LONDON)
        # A time the autumn change repeats is its first occurrence.
        assert local.fold == 0
        if (local.weekday(), local.time()) not in slots:
            # Only a time skipped by the spring change moves: forward by the hour.
            moved = local - timedelta(hours=1)
            assert local.month == 3 and local.weekday() == SUNDAY
            assert (moved.weekday(), moved.time()) in slots
            assert time(1) <= moved.time() < time(2)
        assert first <= local.date() <= last
    expected = sum(
        1
        for offset in range(days + 1)
        for weekday, _ in slots
        if (first + timedelta(days=offset)).weekday() == weekday
    )
    # Only a slot in the spring gap landing on another slot an hour later merges with it.
    merged = sum(
        1
        for offset in range(days + 1)
        if is_spring_change(first + timedelta(days=offset))
        for weekday, at in slots
        if weekday == SUNDAY and time(1) <= at < time(2) and (SUNDAY, at.replace(hour=2)) in slots
    )
    assert len(sessions) == expected - merged


def is_spring_change(day: date) -> bool:
    return day.month == 3 and day.weekday() == SUNDAY and day.day >= 25
