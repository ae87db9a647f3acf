"""The co-op's one clock: the current moment, the London zone, today, and how times are shown."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

#: The co-op's clock: slot times, closures, voting days and off-peak windows are wall-clock
#: rules in this zone; the database keeps moments in UTC.
LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current moment, timezone-aware in UTC.

    Every module asks ``clock.now()`` (never ``datetime.now``), so a test freezes time for the
    whole app by replacing this one function.
    """
    return datetime.now(UTC)


def london_today(at: datetime | None = None) -> date:
    """The date on the London clock at ``at`` (now when not given)."""
    return (at or now()).astimezone(LONDON).date()


def london_date(moment: datetime) -> date:
    """The London calendar date of a moment."""
    return moment.astimezone(LONDON).date()


def at_london(day: date, clock_time: time) -> datetime:
    """The moment a London wall-clock time falls on a given day, e.g. 10:00 on 29 March."""
    return datetime.combine(day, clock_time, tzinfo=LONDON)


def parse_time(text: str | None) -> time | None:
    """'9:00', '09:00' or '17.30' -> a time; None if it is not a real time of day."""
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", (text or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _twelve_hour(local: datetime | time) -> str:
    hour = local.strftime("%I").lstrip("0")
    return f"{hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def format_date(day: date | datetime | None) -> str:
    """Show a date the GOV.UK way, e.g. '3 March 2026'; a moment is shown on the London clock."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON).date() if day.tzinfo else day.date()
    return f"{day.day} {day:%B %Y}"


def format_time(at: time) -> str:
    """Show a wall-clock time on the 24-hour clock, e.g. '09:30'."""
    return f"{at:%H:%M}"


def format_moment(value: datetime | None) -> str:
    """Show a moment as London wall-clock time, e.g. '3 March 2026 at 2:30pm'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {_twelve_hour(local)}"


def format_start(starts_at: datetime) -> str:
    """When something starts on the London clock, e.g. 'Monday 2 March 2026 at 10:00am'."""
    local = starts_at.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y} at {_twelve_hour(local)}"
