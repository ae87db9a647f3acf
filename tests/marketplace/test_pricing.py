"""Tests for the price of a place: concession windows, members' discounts and rounding."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop import clock
from coop.marketplace.pricing import (
    ConcessionWindow,
    InvalidPricingRules,
    MembersDiscount,
    PlacePrice,
    PricingRules,
    discounted_pence,
    price_of_place,
    validate_rules,
)
from coop.marketplace.schedule import MONDAY, SATURDAY, WEDNESDAY, WEEKDAYS, WEEKEND

OFF_PEAK = ConcessionWindow(WEEKDAYS, time(10), time(15), 50)
OFF_PEAK_LABEL = "Half price off-peak, weekdays 10:00 to 15:00"
MEMBERS_OFF_PEAK = ConcessionWindow(WEEKDAYS, time(10), time(15), 50, members_only=True)
MEMBERS_10 = MembersDiscount(10)

EVERYONE_OFF_PEAK = PricingRules(windows=(OFF_PEAK,))
OFF_PEAK_AND_MEMBERS = PricingRules(windows=(OFF_PEAK,), members_discount=MEMBERS_10)
MEMBERS_ONLY_OFF_PEAK = PricingRules(windows=(MEMBERS_OFF_PEAK,))
NO_RULES = PricingRules()
THIRD = "33% off for co-op members"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("base", "rules", "starts_at", "is_member", "price", "label"),
    [
        # Summer (BST): 10:30 on the clock is 09:30 UTC, inside the window.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 9, 30), False, 500, OFF_PEAK_LABEL),
        # 09:30 BST is 08:30 UTC: before the window.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 8, 30), False, 1000, None),
        # 10:00 BST (09:00 UTC) is in; 15:00 BST (14:00 UTC) is out; 14:59 BST is in.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 9, 0), False, 500, OFF_PEAK_LABEL),
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 14, 0), False, 1000, None),
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 13, 59), False, 500, OFF_PEAK_LABEL),
        # 14:30 UTC is inside 10:00-15:00 in UTC, but it is 15:30 on a UK clock in July.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 14, 30), False, 1000, None),
        # Winter (GMT): the clock and UTC agree.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 1, 14, 10, 0), False, 500, OFF_PEAK_LABEL),
        (1000, EVERYONE_OFF_PEAK, utc(2026, 1, 14, 9, 59), False, 1000, None),
        (1000, EVERYONE_OFF_PEAK, utc(2026, 1, 14, 15, 0), False, 1000, None),
        (1000, EVERYONE_OFF_PEAK, utc(2026, 1, 14, 14, 59, 59), False, 500, OFF_PEAK_LABEL),
        # Saturday is not a weekday.
        (1000, EVERYONE_OFF_PEAK, utc(2026, 1, 17, 11, 0), False, 1000, None),
        # A start given in another time zone is judged on the UK clock: 05:30 in New York
        # in July is 10:30 in London.
        (
            1000,
            EVERYONE_OFF_PEAK,
            datetime(2026, 7, 1, 5, 30, tzinfo=ZoneInfo("America/New_York")),
            False,
            500,
            OFF_PEAK_LABEL,
        ),
        # Free listings stay free, with no discount shown.
        (0, OFF_PEAK_AND_MEMBERS, utc(2026, 7, 1, 9, 30), True, 0, None),
        (0, NO_RULES, utc(2026, 7, 1, 9, 30), False, 0, None),
        # Members-only concessions: members get them, others pay the base.
        (
            1000,
            MEMBERS_ONLY_OFF_PEAK,
            utc(2026, 7, 1, 9, 30),
            True,
            500,
            "Half price off-peak for co-op members, weekdays 10:00 to 15:00",
        ),
        (1000, MEMBERS_ONLY_OFF_PEAK, utc(2026, 7, 1, 9, 30), False, 1000, None),
        # The members' discount is for members only, and never stacks with off-peak.
        (1000, OFF_PEAK_AND_MEMBERS, utc(2026, 7, 1, 7, 0), True, 900, "10% off for co-op members"),
        (1000, OFF_PEAK_AND_MEMBERS, utc(2026, 7, 1, 7, 0), False, 1000, None),
        (1000, OFF_PEAK_AND_MEMBERS, utc(2026, 7, 1, 9, 30), True, 500, OFF_PEAK_LABEL),
        (1000, OFF_PEAK_AND_MEMBERS, utc(2026, 7, 1, 9, 30), False, 500, OFF_PEAK_LABEL),
        # 33% off an odd price: 1001 * 0.67 = 670.67p, charged as 671p.
        (
            1001,
            PricingRules(members_discount=MembersDiscount(33)),
            utc(2026, 7, 1),
            True,
            671,
            THIRD,
        ),
        # 33% off 150p is exactly 100.5p: the half penny goes to the buyer.
        (
            150,
            PricingRules(members_discount=MembersDiscount(33)),
            utc(2026, 7, 1),
            True,
            100,
            THIRD,
        ),
        # Half of an odd price: 999 / 2 = 499.5p, charged as 499p.
        (999, EVERYONE_OFF_PEAK, utc(2026, 7, 1, 9, 30), False, 499, OFF_PEAK_LABEL),
        # 1% off 10p rounds back to 10p: no saving, so no discount is shown.
        (10, PricingRules(members_discount=MembersDiscount(1)), utc(2026, 7, 1), True, 10, None),
        # 100% off makes a place free.
        (
            1200,
            PricingRules(members_discount=MembersDiscount(100)),
            utc(2026, 7, 1),
            True,
            0,
            "Free for co-op members",
        ),
    ],
)
def test_price_of_place(base, rules, starts_at, is_member, price, label):
    result = price_of_place(base, rules, starts_at, is_member=is_member)
    assert result.price_pence == price
    assert result.base_pence == base
    assert result.saving_pence == base - price
    assert result.label == label
    if price == base:
        assert result.discount is None and result.label is None
    else:
        assert result.discount is not None
        assert result.label == result.discount.label


def test_33_percent_label_and_discount():
    result = price_of_place(
        1001, PricingRules(members_discount=MembersDiscount(33)), utc(2026, 7, 1), is_member=True
    )
    assert result == PlacePrice(671, 1001, MembersDiscount(33), "33% off for co-op members")


def test_best_single_discount_wins_whichever_order():
    small = ConcessionWindow(WEEKDAYS, time(9), time(17), 20)
    big = ConcessionWindow({WEDNESDAY}, time(10), time(12), 40)
    for windows in [(small, big), (big, small)]:
        rules = PricingRules(windows=windows, members_discount=MembersDiscount(30))
        result = price_of_place(1000, rules, utc(2026, 7, 1, 9, 30), is_member=True)
        assert result.price_pence == 600
        assert result.discount == big
        assert result.label == "40% off-peak discount, Wednesdays 10:00 to 12:00"


def test_a_tie_shows_the_first_window():
    window = ConcessionWindow(WEEKDAYS, time(9), time(17), 20)
    rules = PricingRules(windows=(window,), members_discount=MembersDiscount(20))
    result = price_of_place(1000, rules, utc(2026, 7, 1, 9, 30), is_member=True)
    assert (result.price_pence, result.discount) == (800, window)


@pytest.mark.parametrize(
    ("window", "label"),
    [
        (OFF_PEAK, OFF_PEAK_LABEL),
        (
            ConcessionWindow(WEEKEND, time(8), time(9, 30), 100),
            "Free off-peak, weekends 08:00 to 09:30",
        ),
        (
            ConcessionWindow({MONDAY, WEDNESDAY}, time(9), time(12, 30), 25, members_only=True),
            "25% off-peak discount for co-op members, Mondays and Wednesdays 09:00 to 12:30",
        ),
        (
            ConcessionWindow(WEEKDAYS | {SATURDAY}, time(14), time(16), 50),
            "Half price off-peak, weekdays and Saturdays 14:00 to 16:00",
        ),
    ],
)
def test_window_labels(window, label):
    assert window.label == label


@pytest.mark.parametrize(
    ("percent", "label"),
    [
        (10, "10% off for co-op members"),
        (50, "Half price for co-op members"),
        (100, "Free for co-op members"),
    ],
)
def test_members_discount_labels(percent, label):
    assert MembersDiscount(percent).label == label


@pytest.mark.parametrize(
    ("base", "percent", "expected"),
    [(1000, 50, 500), (1001, 33, 671), (150, 33, 100), (151, 33, 101), (1, 50, 0), (3, 50, 1)],
)
def test_discounted_pence_rounds_halves_to_the_buyer(base, percent, expected):
    assert discounted_pence(base, percent) == expected


def test_valid_rules_have_no_problems():
    assert validate_rules(OFF_PEAK_AND_MEMBERS) == []
    assert validate_rules(NO_RULES) == []


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(10), time(15), 0),)),
            "Off-peak price 1: the discount must be between 1% and 100%.",
        ),
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(10), time(15), 101),)),
            "Off-peak price 1: the discount must be between 1% and 100%.",
        ),
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(10), time(15), 12.5),)),
            "Off-peak price 1: the discount must be a whole number of percent.",
        ),
        (
            PricingRules(windows=(OFF_PEAK, ConcessionWindow(set(), time(10), time(15), 50))),
            "Off-peak price 2: choose at least one day.",
        ),
        (
            PricingRules(windows=(ConcessionWindow({7}, time(10), time(15), 50),)),
            "Off-peak price 1: the days must be Monday to Sunday.",
        ),
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(15), time(10), 50),)),
            "Off-peak price 1: the start (15:00) must be before the end (10:00).",
        ),
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(10), time(10), 50),)),
            "Off-peak price 1: the start (10:00) must be before the end (10:00).",
        ),
        (
            PricingRules(windows=(ConcessionWindow(WEEKDAYS, time(10, tzinfo=UTC), time(15), 50),)),
            "Off-peak price 1: give UK clock times, without a time zone.",
        ),
        (
            PricingRules(members_discount=MembersDiscount(0)),
            "The members' discount must be between 1% and 100%.",
        ),
        (
            PricingRules(members_discount=MembersDiscount(True)),
            "The members' discount must be a whole number of percent.",
        ),
    ],
)
def test_invalid_rules_are_explained(rules, problem):
    assert validate_rules(rules) == [problem]
    with pytest.raises(InvalidPricingRules) as raised:
        price_of_place(1000, rules, utc(2026, 7, 1, 9, 30), is_member=True)
    assert raised.value.problems == [problem]


@pytest.mark.parametrize("base", [-1, 12.5, True, "1000"])
def test_base_price_must_be_whole_pence(base):
    with pytest.raises(ValueError, match="whole number of pence"):
        price_of_place(base, NO_RULES, utc(2026, 7, 1), is_member=False)


def test_start_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        price_of_place(1000, NO_RULES, datetime(2026, 7, 1, 10, 30), is_member=False)


windows = st.builds(
    ConcessionWindow,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.times(),
    end=st.times(),
    percent_off=st.integers(1, 100),
    members_only=st.booleans(),
).filter(lambda window: window.start < window.end)

rules_strategy = st.builds(
    PricingRules,
    windows=st.lists(windows, max_size=4).map(tuple),
    members_discount=st.none() | st.builds(MembersDiscount, st.integers(1, 100)),
)

starts = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.sampled_from([UTC, clock.LONDON, ZoneInfo("America/New_York")]),
)


@given(
    base=st.integers(0, 10_000_000), rules=rules_strategy, starts_at=starts, member=st.booleans()
)
def test_price_is_between_zero_and_base(base, rules, starts_at, member):
    result = price_of_place(base, rules, starts_at, is_member=member)
    assert 0 <= result.price_pence <= base
    assert isinstance(result.price_pence, int)
    # The single best discount applies: the lowest of the prices each one alone would give.
    alone = [
        discounted_pence(base, discount.percent_off)
        for discount in rules.discounts
        if discount.applies(starts_at, is_member=member)
    ]
    assert result.price_pence == min([base, *alone])
    # A discount is shown exactly when it lowers the price.
    assert (result.discount is None) == (result.price_pence == base)
    assert (result.label is None) == (result.discount is None)


@given(base=st.integers(0, 10_000_000), rules=rules_strategy, starts_at=starts)
def test_members_never_pay_more_than_non_members(base, rules, starts_at):
    member = price_of_place(base, rules, starts_at, is_member=True)
    other = price_of_place(base, rules, starts_at, is_member=False)
    assert member.price_pence <= other.price_pence
