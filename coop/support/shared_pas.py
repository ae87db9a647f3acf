"""Shared PAs: one calendar for each PA, whichever family they work for, that never holds two
shifts at once.

Regular weekly shifts are written into the calendar (``Shift``) for the weeks ahead
(``HORIZON_DAYS``, kept ahead by the worker), so a cover shift or a new regular shift is
refused by the database itself when it overlaps any of them: on PostgreSQL an exclusion
constraint, on SQLite the check in :func:`book` inside the BEGIN IMMEDIATE transaction every
write starts with. Each family sees only its own shifts.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import circles, roles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.support.models import RegularShift, Shift
from coop.support.pa_register import DAYS, SupportError, checks_in_date, profile_of

#: How far ahead the weeks of regular shifts are written into PAs' calendars.
HORIZON_DAYS = 56


class Clash(SupportError):
    """The PA is already working then."""


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open ranges [a_start, a_end) and [b_start, b_end) share a moment."""
    return a_start < b_end and b_start < a_end


def weeks_of(
    weekday: int, starts: time, ends: time, first: date, last: date | None, frm: date, to: date
) -> Iterator[tuple[datetime, datetime]]:
    """The moments of a weekly shift on each of its days from `frm` to `to` (inclusive),
    within its own first and last days, on the London clock (right across clock changes)."""
    day = max(first, frm)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while day <= to and (last is None or day <= last):
        yield clock.at_london(day, starts), clock.at_london(day, ends)
        day += timedelta(days=7)


def regular_clash(new: RegularShift, others: list[RegularShift]) -> RegularShift | None:
    """Another regular shift of the PA on the same weekday whose hours and dates overlap."""
    for other in others:
        if other.id == new.id or other.weekday != new.weekday:
            continue
        if not overlaps(new.starts, new.ends, other.starts, other.ends):
            continue
        new_last, other_last = new.until or date.max, other.until or date.max
        if new.starts_on <= other_last and other.starts_on <= new_last:
            return other
    return None


def busy(pa_id: int, starts_at: datetime, ends_at: datetime) -> Shift | None:
    """The PA's shift that overlaps [starts_at, ends_at), if any."""
    return db.session.scalar(
        select(Shift)
        .where(Shift.pa_id == pa_id, Shift.starts_at < ends_at, Shift.ends_at > starts_at)
        .limit(1)
    )


def busy_pas(pa_ids, starts_at: datetime, ends_at: datetime) -> set[int]:
    """Which of these PAs already have a shift overlapping [starts_at, ends_at)."""
    if not pa_ids:
        return set()
    return set(
        db.session.scalars(
            select(Shift.pa_id).where(
                Shift.pa_id.in_(list(pa_ids)), Shift.starts_at < ends_at, Shift.ends_at > starts_at
            )
        )
    )


def book(
    pa_id: int,
    budget_holder_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    regular_shift_id: int | None = None,
    cover_request_id: int | None = None,
) -> Shift:
    """Put a shift in the PA's calendar, or raise Clash if they are working then.

    The check gives the friendly answer; the database decides a race (the exclusion
    constraint on PostgreSQL; one writer at a time on SQLite).
    """
    if busy(pa_id, starts_at, ends_at) is not None:
        raise Clash("The PA is already working then.")
    shift = Shift(
        pa_id=pa_id,
        budget_holder_id=budget_holder_id,
        starts_at=starts_at,
        ends_at=ends_at,
        regular_shift_id=regular_shift_id,
        cover_request_id=cover_request_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(shift)
    except IntegrityError:
        raise Clash("The PA took another shift at that time just now.") from None
    return shift


# --- Regular shifts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Regular:
    weekday: int
    starts: time
    ends: time
    starts_on: date
    until: date | None = None


def add_regular(
    pa: Member, budget_holder: Member, wanted: Regular, by: Member, now: datetime | None = None
) -> RegularShift:
    """A family (or a helper with the cover permission) agrees a regular weekly shift with a
    PA from the register. Refused when it would overlap any shift of the PA's, with any
    family, now or in the weeks ahead."""
    now = now or clock.now()
    circles.require(by, budget_holder, Permission.COVER, now)
    if not roles.is_budget_holder(budget_holder):
        raise SupportError("Regular shifts are for budget holders' PAs.")
    profile = profile_of(pa)
    today = clock.london_today(now)
    if profile is None or not profile.published or not checks_in_date(profile, today):
        raise SupportError("That PA is not in the register with their checks in date.", "pa")
    if wanted.ends <= wanted.starts:
        raise SupportError("The end time must be after the start time", "ends")
    if wanted.starts_on < today:
        raise SupportError("The first week must be today or later", "starts_on")
    if wanted.until is not None and wanted.until < wanted.starts_on:
        raise SupportError("The last day must be on or after the first", "until")
    shift = RegularShift(
        pa_id=pa.id,
        budget_holder_id=budget_holder.id,
        weekday=wanted.weekday,
        starts=wanted.starts,
        ends=wanted.ends,
        starts_on=wanted.starts_on,
        until=wanted.until,
        created_by_id=by.id,
        created_at=now,
    )
    others = list(db.session.scalars(select(RegularShift).where(RegularShift.pa_id == pa.id)))
    if regular_clash(shift, others) is not None:
        raise Clash(
            f"{pa.name} already works a regular shift on {DAYS[wanted.weekday]}s at that time.",
            "starts",
        )
    db.session.add(shift)
    db.session.flush()
    try:
        _write_weeks(shift, today, today + timedelta(days=HORIZON_DAYS))
    except Clash:
        raise Clash(
            f"{pa.name} is already working at that time on a {DAYS[wanted.weekday]} "
            "in the weeks ahead.",
            "starts",
        ) from None
    circles.record_act(
        by,
        budget_holder,
        Permission.COVER,
        f"Agreed a regular shift with {pa.name} on {DAYS[wanted.weekday]}s "
        f"{clock.format_time(wanted.starts)} to {clock.format_time(wanted.ends)}",
        now,
    )
    return shift


def _write_weeks(regular: RegularShift, frm: date, to: date) -> int:
    written = 0
    have = set(
        db.session.scalars(select(Shift.starts_at).where(Shift.regular_shift_id == regular.id))
    )
    for starts_at, ends_at in weeks_of(
        regular.weekday, regular.starts, regular.ends, regular.starts_on, regular.until, frm, to
    ):
        if starts_at in have:
            continue
        book(
            regular.pa_id, regular.budget_holder_id, starts_at, ends_at,
            regular_shift_id=regular.id,
        )  # fmt: skip
        written += 1
    return written


def end_regular(regular: RegularShift, by: Member, now: datetime | None = None) -> RegularShift:
    """The family ends a regular shift after today; its later weeks leave the calendar."""
    now = now or clock.now()
    person = db.session.get(Member, regular.budget_holder_id)
    circles.require(by, person, Permission.COVER, now)
    today = clock.london_today(now)
    regular.until = max(today, regular.starts_on)
    db.session.execute(
        delete(Shift).where(
            Shift.regular_shift_id == regular.id,
            Shift.starts_at >= clock.at_london(regular.until + timedelta(days=1), time(0)),
        )
    )
    circles.record_act(
        by, person, Permission.COVER, f"Ended a regular shift with {regular.pa.name}", now
    )
    db.session.flush()
    return regular


def extend_calendars(now: datetime | None = None) -> tuple[int, list[str]]:
    """Write the weeks of every running regular shift up to the horizon (the worker's job).

    A week that would overlap a shift already there is left out and reported."""
    now = now or clock.now()
    today = clock.london_today(now)
    written, clashes = 0, []
    running = db.session.scalars(
        select(RegularShift).where(or_(RegularShift.until.is_(None), RegularShift.until >= today))
    )
    for regular in running:
        try:
            written += _write_weeks(regular, today, today + timedelta(days=HORIZON_DAYS))
        except Clash:
            clashes.append(f"regular shift {regular.id}")
    return written, clashes


def extend_calendars_now() -> str:
    written, clashes = extend_calendars()
    db.session.commit()
    words = f"Wrote {written} week{'s' if written != 1 else ''} of regular shifts."
    if clashes:
        words += " Overlaps left out: " + ", ".join(clashes) + "."
    return words


# --- Reading calendars -------------------------------------------------------------------


def regular_shifts_of_family(budget_holder: Member, today: date) -> list[RegularShift]:
    return list(
        db.session.scalars(
            select(RegularShift)
            .where(
                RegularShift.budget_holder_id == budget_holder.id,
                or_(RegularShift.until.is_(None), RegularShift.until >= today),
            )
            .order_by(RegularShift.weekday, RegularShift.starts, RegularShift.id)
        )
    )


def family_calendar(budget_holder: Member, frm: datetime, to: datetime) -> list[Shift]:
    """A family's own shifts, with any PA; never another family's."""
    return list(
        db.session.scalars(
            select(Shift)
            .where(
                Shift.budget_holder_id == budget_holder.id,
                Shift.ends_at > frm,
                Shift.starts_at < to,
            )
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def pa_calendar(pa: Member, frm: datetime, to: datetime) -> list[Shift]:
    """Every shift of the PA's, with every family, on one calendar."""
    return list(
        db.session.scalars(
            select(Shift)
            .where(Shift.pa_id == pa.id, Shift.ends_at > frm, Shift.starts_at < to)
            .order_by(Shift.starts_at, Shift.id)
        )
    )
