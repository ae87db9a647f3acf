"""The price of one place in a session, from a listing's base price and its pricing rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time

from coop import clock
from coop.marketplace.schedule import describe_days, format_time


class InvalidPricingRules(ValueError):
    """Pricing rules that cannot be used; ``problems`` lists what is wrong in plain English."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _percent_phrase(percent_off: int) -> str:
    if percent_off == 100:
        return "Free"
    if percent_off == 50:
        return "Half price"
    return f"{percent_off}% off"


@dataclass(frozen=True)
class ConcessionWindow:
    """A cheaper price for sessions starting in a weekly window of UK clock time.

    ``days`` are day numbers (Monday 0 to Sunday 6); the window runs from ``start``
    (included) to ``end`` (not included) on each of those days, in Europe/London time, so
    10:00 to 15:00 covers a 10:00 session but not a 15:00 one. ``members_only`` limits the
    concession to co-op members.
    """

    days: frozenset[int]
    start: time
    end: time
    percent_off: int
    members_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", frozenset(self.days))

    def applies(self, starts_at: datetime, *, is_member: bool) -> bool:
        """Say whether a session starting at ``starts_at`` gets this concession."""
        if self.members_only and not is_member:
            return False
        local = starts_at.astimezone(clock.LONDON)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    @property
    def label(self) -> str:
        """Describe the concession in plain English for the listing and the booking page."""
        if self.percent_off == 100:
            what = "Free off-peak"
        elif self.percent_off == 50:
            what = "Half price off-peak"
        else:
            what = f"{self.percent_off}% off-peak discount"
        if self.members_only:
            what += " for co-op members"
        when = f"{describe_days(self.days)} {format_time(self.start)} to {format_time(self.end)}"
        return f"{what}, {when}"


@dataclass(frozen=True)
class MembersDiscount:
    """A percentage off every session for co-op members."""

    percent_off: int

    def applies(self, starts_at: datetime, *, is_member: bool) -> bool:
        """Say whether the buyer gets this discount: only co-op members do."""
        return is_member

    @property
    def label(self) -> str:
        """Describe the discount in plain English, e.g. '10% off for co-op members'."""
        return f"{_percent_phrase(self.percent_off)} for co-op members"


Discount = ConcessionWindow | MembersDiscount


@dataclass(frozen=True)
class PricingRules:
    """The discounts a provider sets on a listing; no rules means everyone pays the base."""

    windows: tuple[ConcessionWindow, ...] = field(default=())
    members_discount: MembersDiscount | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))

    @property
    def discounts(self) -> tuple[Discount, ...]:
        """Every discount, concession windows first, in the order the provider gave them."""
        extra = (self.members_discount,) if self.members_discount is not None else ()
        return self.windows + extra


@dataclass(frozen=True)
class PlacePrice:
    """What one place costs: the price charged, the base, and the discount behind it.

    ``discount`` and ``label`` are None when the base price is charged, so the page shows
    exactly the price charged and, when there is one, the reason it is lower.
    """

    price_pence: int
    base_pence: int
    discount: Discount | None
    label: str | None

    @property
    def saving_pence(self) -> int:
        """How much less than the base price the buyer pays."""
        return self.base_pence - self.price_pence


def _percent_problem(percent_off: object, what: str) -> list[str]:
    if isinstance(percent_off, bool) or not isinstance(percent_off, int):
        return [f"{what} must be a whole number of percent."]
    if not 1 <= percent_off <= 100:
        return [f"{what} must be between 1% and 100%."]
    return []


def validate_rules(rules: PricingRules) -> list[str]:
    """List what is wrong with a provider's pricing rules; an empty list means they are usable.

    The problems are plain English, written to be shown beside the provider's form.
    """
    problems = []
    for number, window in enumerate(rules.windows, start=1):
        name = f"Off-peak price {number}"
        problems.extend(_percent_problem(window.percent_off, f"{name}: the discount"))
        if not window.days:
            problems.append(f"{name}: choose at least one day.")
        elif not all(
            isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6
            for day in window.days
        ):
            problems.append(f"{name}: the days must be Monday to Sunday.")
        if not (isinstance(window.start, time) and isinstance(window.end, time)):
            problems.append(f"{name}: the start and end must be times of day, such as 10:00.")
        elif window.start.tzinfo is not None or window.end.tzinfo is not None:
            problems.append(f"{name}: give UK clock times, without a time zone.")
        elif not window.start < window.end:
            problems.append(
                f"{name}: the start ({format_time(window.start)}) must be before the end "
                f"({format_time(window.end)})."
            )
    if rules.members_discount is not None:
        problems.extend(
            _percent_problem(rules.members_discount.percent_off, "The members' discount")
        )
    return problems


def discounted_pence(base_pence: int, percent_off: int) -> int:
    """Apply a whole-percent discount to a price in pence, in integer arithmetic.

    The result is rounded to the nearest penny and an exact half penny is rounded down, in
    the buyer's favour: 33% off 150p is 100.5p, charged as 100p.
    """
    pence, remainder = divmod(base_pence * (100 - percent_off), 100)
    return pence + 1 if remainder > 50 else pence


def price_of_place(
    base_pence: int, rules: PricingRules, starts_at: datetime, *, is_member: bool
) -> PlacePrice:
    """Give the price of one place in a session starting at ``starts_at`` (an aware datetime).

    Discounts never stack, so the price is never a surprise: of the discounts this buyer
    gets for this start time, the single one giving the lowest price applies (on a tie, the
    first concession window, then the members' discount). A concession window applies when
    the session starts inside it on the Europe/London clock. A discount that saves nothing
    once rounded (1% off 10p) is not shown, and a free listing (0p) stays free with no
    discount shown.
    """
    if isinstance(base_pence, bool) or not isinstance(base_pence, int) or base_pence < 0:
        raise ValueError("The price must be a whole number of pence, 0 or more.")
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("The session start must be an aware datetime, not a naive one.")
    problems = validate_rules(rules)
    if problems:
        raise InvalidPricingRules(problems)

    best = PlacePrice(base_pence, base_pence, None, None)
    if base_pence == 0:
        return best
    for discount in rules.discounts:
        if discount.applies(starts_at, is_member=is_member):
            price = discounted_pence(base_pence, discount.percent_off)
            if price < best.price_pence:
                best = PlacePrice(price, base_pence, discount, discount.label)
    return best
