"""What a carer household is owed for a month: pure arithmetic over the rate table and what was
actually delivered, so the payment run and its tests agree on every penny."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Rates:
    #: Long-term weekly care fees for bands 1 to 4, in pence.
    band_weekly: tuple[int, int, int, int]
    short_break_nightly: int
    #: Day support per session of up to 4, 6 or 8 hours, for one person.
    day_session: dict[int, int]


@dataclass(frozen=True)
class Line:
    """One thing delivered in the month and what it earns, with who pays the care fee."""

    what: str
    care_fee_pence: int
    rent_pence: int = 0
    contribution_pence: int = 0
    #: "council", or the budget holder's member id when their budget pays.
    payer: str | int = "council"
    #: Whose rent and household contribution they are (the referral's id).
    person: int | None = None

    @property
    def total_pence(self) -> int:
        return self.care_fee_pence + self.rent_pence + self.contribution_pence


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of the month and the first day of the next."""
    start = month.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def days_in(start: date, end_inclusive: date | None, month: date) -> int:
    """Days of [start, end_inclusive] that fall in the month."""
    first, after = month_bounds(month)
    stop = after if end_inclusive is None else min(after, end_inclusive + timedelta(days=1))
    return max(0, (stop - max(first, start)).days)


def nights_in(starts_on: date, ends_on: date, month: date) -> int:
    """Nights of a stay [starts_on, ends_on) that fall in the month (a night is its evening)."""
    first, after = month_bounds(month)
    return max(0, (min(ends_on, after) - max(starts_on, first)).days)


def pro_rata(weekly_pence: int, days: int) -> int:
    """A weekly amount for some days, rounded down to the penny."""
    return weekly_pence * days // 7


def day_session_fee(rates: Rates, hours: int, people: int) -> int:
    """A day support session: the rate for its length, and 50% more for each extra person
    (up to 3), rounded down to the penny."""
    if hours not in rates.day_session:
        raise ValueError("A day support session is up to 4, 6 or 8 hours")
    if not 1 <= people <= 3:
        raise ValueError("A session supports 1 to 3 people")
    return rates.day_session[hours] * (people + 1) // 2


def long_term_line(
    rates: Rates,
    month: date,
    *,
    who: str,
    band: int,
    starts_on: date,
    ends_on: date | None,
    rent_weekly: int,
    contribution_weekly: int,
    payer: str | int,
    person: int,
) -> Line | None:
    days = days_in(starts_on, ends_on, month)
    if not days:
        return None
    return Line(
        f"Long-term arrangement with {who}: {days} days at band {band}",
        pro_rata(rates.band_weekly[band - 1], days),
        pro_rata(rent_weekly, days),
        pro_rata(contribution_weekly, days),
        payer,
        person,
    )


def short_break_line(
    rates: Rates, month: date, *, who: str, starts_on: date, ends_on: date, payer: str | int
) -> Line | None:
    nights = nights_in(starts_on, ends_on, month)
    if not nights:
        return None
    plural = "" if nights == 1 else "s"
    return Line(
        f"Short break for {who}: {nights} night{plural}",
        nights * rates.short_break_nightly,
        payer=payer,
    )


def day_support_line(
    rates: Rates, month: date, *, who: str, on: date, hours: int, people: int, payer: str | int
) -> Line | None:
    if nights_in(on, on + timedelta(days=1), month) == 0:
        return None
    together = "" if people == 1 else f", {people} people together"
    return Line(
        f"Day support for {who}: {hours} hours{together}",
        day_session_fee(rates, hours, people),
        payer=payer,
    )


def tax_year_of(day: date) -> tuple[date, date]:
    """The UK tax year holding the day: 6 April to 5 April."""
    start_year = day.year if day >= date(day.year, 4, 6) else day.year - 1
    return date(start_year, 4, 6), date(start_year + 1, 4, 5)
