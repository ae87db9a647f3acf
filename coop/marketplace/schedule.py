"""Weekly session schedules turned into bookable sessions in Europe/London wall-clock time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from coop import clock
from coop.clock import format_date, format_time

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
#: Day numbers follow ``date.weekday()``: Monday is 0, Sunday is 6.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS = frozenset(range(MONDAY, SATURDAY))
WEEKEND = frozenset({SATURDAY, SUNDAY})
EVERY_DAY = frozenset(range(7))

#: The longest session a schedule may describe, in minutes.
MAX_DURATION_MINUTES = 24 * 60

#: One weekly rule: (day number, local start time), e.g. (MONDAY, time(10, 0)).
Slot = tuple[int, time]


class ScheduleError(ValueError):
    """A schedule or date range that cannot produce sessions; ``problems`` says why."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class Closure:
    """Local days on which no sessions run: one date, or a range of dates (both included).

    Give only ``first_day`` for a single date. ``reason`` is shown to people, e.g.
    "Christmas Day".
    """

    first_day: date
    last_day: date | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.last_day is None:
            object.__setattr__(self, "last_day", self.first_day)

    def covers(self, day: date) -> bool:
        """Say whether this closure includes the local date ``day``."""
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class WeeklySchedule:
    """When a listing's sessions run: weekly slots, a length in minutes, and closures.

    ``slots`` is a set of (day number, local start time) pairs; ``closures`` are local dates.
    """

    slots: frozenset[Slot]
    duration_minutes: int
    closures: tuple[Closure, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "slots", frozenset(self.slots))
        object.__setattr__(self, "closures", tuple(self.closures))


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _slot_problems(slot: object) -> list[str]:
    if not (isinstance(slot, tuple) and len(slot) == 2):
        return [f"Each session needs a day and a start time; {slot!r} is not one."]
    weekday, at = slot
    problems = []
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        problems.append(f"The day {weekday!r} must be one of Monday to Sunday.")
    if not isinstance(at, time):
        problems.append(f"The start time {at!r} must be a time of day, such as 10:00.")
    elif at.tzinfo is not None:
        problems.append(
            f"The start time {format_time(at)} must be a UK clock time, without a time zone."
        )
    return problems


def _closure_problems(closure: object) -> list[str]:
    if not isinstance(closure, Closure):
        return [f"{closure!r} is not a closure."]
    if not (_is_date(closure.first_day) and _is_date(closure.last_day)):
        return ["A closure must be given as whole dates, not times."]
    if closure.last_day < closure.first_day:
        return [
            f"The closure from {format_date(closure.first_day)} to "
            f"{format_date(closure.last_day)} ends before it starts."
        ]
    return []


def validate_schedule(schedule: WeeklySchedule) -> list[str]:
    """List what is wrong with a schedule in plain English; an empty list means it is usable.

    Providers build schedules from forms, so the problems are written to be shown to them.
    """
    problems = []
    if not schedule.slots:
        problems.append("Add at least one day and start time for the sessions.")
    for slot in sorted(schedule.slots, key=repr):
        problems.extend(_slot_problems(slot))
    minutes = schedule.duration_minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        problems.append("The session length must be a whole number of minutes.")
    elif not 1 <= minutes <= MAX_DURATION_MINUTES:
        problems.append("The session length must be between 1 minute and 24 hours.")
    for closure in schedule.closures:
        problems.extend(_closure_problems(closure))
    return problems


def wall_clock_to_utc(day: date, wall_time: time) -> datetime:
    """Turn a Europe/London date and clock time into an aware UTC datetime.

    Clock changes are settled so every rule gives exactly one instant:
    a time the clocks skip (01:00 to 01:59 on the last Sunday of March) is read with the
    offset in force before the change, so 01:30 becomes 02:30 BST (01:30 UTC): the session
    moves forward by the hour the clocks jump. A time that happens twice (01:00 to 01:59 on
    the last Sunday of October) means its first occurrence, in BST.
    """
    if wall_time.tzinfo is not None:
        raise ValueError("Give a UK clock time without a time zone.")
    # PEP 495: fold=0 gives exactly those two readings; a time passed in with fold=1 must
    # not change that.
    local = datetime.combine(day, wall_time).replace(tzinfo=clock.LONDON, fold=0)
    return local.astimezone(UTC)


def closure_on(schedule: WeeklySchedule, day: date) -> Closure | None:
    """Give the closure covering the local date ``day``, or None if sessions run that day."""
    for closure in schedule.closures:
        if closure.covers(day):
            return closure
    return None


def sessions_between(
    schedule: WeeklySchedule, first_day: date, last_day: date
) -> list[tuple[datetime, datetime]]:
    """List the bookable sessions from ``first_day`` to ``last_day`` (local dates, inclusive).

    Each session is (start, end) as aware UTC datetimes, sorted by start: ready to store
    and to offer for booking. Days under a closure have no sessions. A weekly 09:00 session
    is 09:00 on the clock all year (08:00 UTC in summer, 09:00 UTC in winter); the end is
    the start plus the session length in real elapsed time, so a session that spans a clock
    change lasts exactly as long as any other. Times skipped or repeated by a clock change
    are settled as :func:`wall_clock_to_utc` describes; if that makes two slots start at the
    same instant, there is one session. A range with no matching days gives an empty list;
    a range that ends before it starts is a mistake and raises :class:`ScheduleError`.
    """
    problems = validate_schedule(schedule)
    if not (_is_date(first_day) and _is_date(last_day)):
        problems.append("The first and last days must be dates, not times.")
    elif last_day < first_day:
        problems.append(
            f"The last day ({format_date(last_day)}) is before the first day "
            f"({format_date(first_day)})."
        )
    if problems:
        raise ScheduleError(problems)

    times_by_day: dict[int, list[time]] = {}
    for weekday, at in schedule.slots:
        times_by_day.setdefault(weekday, []).append(at)
    length = timedelta(minutes=schedule.duration_minutes)

    sessions: dict[datetime, datetime] = {}
    day = first_day
    while day <= last_day:
        times = times_by_day.get(day.weekday())
        if times and closure_on(schedule, day) is None:
            for at in times:
                start = wall_clock_to_utc(day, at)
                sessions[start] = start + length
        day += timedelta(days=1)
    return sorted(sessions.items())


def _plural_day(weekday: int) -> str:
    return DAY_NAMES[weekday] + "s"


def join_words(words: list[str]) -> str:
    """Join words as in a sentence: 'a', 'a and b', 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe_days(days: Iterable[int]) -> str:
    """Name a set of days in plain English, e.g. 'weekdays', 'Mondays and Wednesdays'."""
    days = frozenset(days)
    if days == EVERY_DAY:
        return "every day"
    if days == WEEKDAYS:
        return "weekdays"
    if days == WEEKEND:
        return "weekends"
    if WEEKDAYS < days:
        return "weekdays and " + join_words([_plural_day(d) for d in sorted(days - WEEKDAYS)])
    return join_words([_plural_day(d) for d in sorted(days)])


def describe_schedule(schedule: WeeklySchedule) -> str:
    """Say when sessions run in plain English, e.g. 'Mondays and Wednesdays at 10:00'.

    Days that share the same start times are named together, so listings read naturally.
    """
    times_by_day: dict[int, list[time]] = {}
    for weekday, at in schedule.slots:
        times_by_day.setdefault(weekday, []).append(at)
    if not times_by_day:
        return "No regular sessions"
    days_by_times: dict[tuple[time, ...], list[int]] = {}
    for weekday in sorted(times_by_day):
        days_by_times.setdefault(tuple(sorted(times_by_day[weekday])), []).append(weekday)
    parts = []
    for times, days in sorted(days_by_times.items(), key=lambda item: item[1][0]):
        when = join_words([format_time(at) for at in times])
        parts.append(f"{describe_days(days)} at {when}")
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:]


def describe_duration(minutes: int) -> str:
    """Say how long a session lasts, e.g. '45 minutes', '1 hour 30 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest or not hours:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def describe_closure(closure: Closure) -> str:
    """Say when a closure is, with its reason, e.g. 'Closed on 25 December 2026 (Christmas)'."""
    if closure.first_day == closure.last_day:
        text = f"Closed on {format_date(closure.first_day)}"
    else:
        text = f"Closed from {format_date(closure.first_day)} to {format_date(closure.last_day)}"
    if closure.reason:
        text += f" ({closure.reason})"
    return text
