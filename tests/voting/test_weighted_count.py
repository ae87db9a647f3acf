"""Tests for the pure weighted count of class-weighted motions (no app or database needed)."""

import enum
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coop.voting.weighted_count import (
    BUDGET_HOLDER,
    CARER,
    DEFAULT_CLASS_SHARES,
    MEMBER_CLASSES,
    PA,
    PROVIDER,
    Choice,
    Outcome,
    Resolution,
    WeightedCountError,
    count_motion,
    format_percent,
    members_needed_for_quorum,
    validate_class_shares,
)


def ballots(votes_for=0, votes_against=0, abstain=0):
    """One class's ballots, keyed the way a tally query would give them."""
    return {"for": votes_for, "against": votes_against, "abstain": abstain}


def everyone_eligible_voted(votes):
    """Eligible counts equal to the number who voted, for examples where quorum is beside
    the point."""
    return {member_class: sum(choices.values()) for member_class, choices in votes.items()}


def count(votes, eligible=None, *, resolution="ordinary", quorum=0, shares=None, class_quorum=None):
    """count_motion with the co-op's default shares unless told otherwise."""
    return count_motion(
        votes,
        everyone_eligible_voted(votes) if eligible is None else eligible,
        class_shares=DEFAULT_CLASS_SHARES if shares is None else shares,
        resolution=resolution,
        quorum_percent=quorum,
        class_quorum_percent=class_quorum,
    )


# --- Worked examples, checked by hand ------------------------------------------------------


def test_many_pas_cannot_outvote_fewer_budget_holders():
    # Eligible: 40 budget holders, 30 carers, 200 PAs, 10 providers = 280.
    # Head count: For 30 + 15 + 20 = 65, Against 10 + 5 + 180 + 10 = 205: would fail.
    # Weighted (shares 50/25/25/0, every class voted so none is passed on):
    #   budget holders 50 * 30/40  = 37.5  For, 50 * 10/40  = 12.5  Against
    #   carers         25 * 15/20  = 18.75 For, 25 * 5/20   = 6.25  Against
    #   PAs            25 * 20/200 = 2.5   For, 25 * 180/200 = 22.5 Against
    #   providers      0% share: shown, no weight
    #   total For 58.75, Against 41.25 -> more than 50%: passes.
    # Quorum 20% of 280 = 56 needed; 40 + 23 + 200 + 10 = 273 voted.
    votes = {
        BUDGET_HOLDER: ballots(30, 10),
        CARER: ballots(15, 5, abstain=3),
        PA: ballots(20, 180),
        PROVIDER: ballots(0, 10),
    }
    eligible = {BUDGET_HOLDER: 40, CARER: 30, PA: 200, PROVIDER: 10}

    result = count(votes, eligible, quorum=20)

    assert result.passed
    assert result.outcome is Outcome.PASSED
    assert result.weighted_for_percent == Fraction("58.75")
    assert result.weighted_against_percent == Fraction("41.25")
    assert result.for_class(BUDGET_HOLDER).weighted_for_percent == Fraction("37.5")
    assert result.for_class(CARER).weighted_for_percent == Fraction("18.75")
    assert result.for_class(PA).weighted_for_percent == Fraction("2.5")
    assert result.for_class(PA).weighted_against_percent == Fraction("22.5")
    assert result.for_class(PA).turnout_percent == 100
    assert result.for_class(CARER).turnout_percent == Fraction(23 * 100, 30)
    providers = result.for_class(PROVIDER)
    assert (providers.votes_against, providers.weighted_against_percent) == (10, 0)
    assert (result.eligible, result.voted, result.quorum_needed) == (280, 273, 56)
    # Against is shown as 100% minus the For shown, so the two add up to 100% on screen.
    assert (result.display_for, result.display_against) == ("58.8%", "41.2%")
    assert result.summary == (
        "The motion passed with 58.8% For; it needed more than 50%.",
        "Quorum was met: 273 of 280 eligible members voted; 56 were needed.",
        "3 abstentions count towards quorum but not towards the result.",
        "Providers have no share of the voting power, so their votes are shown but carry no "
        "weight.",
        "Counting each class's share of the voting power, the result was 58.8% For and 41.2% "
        "Against.",
        "An ordinary resolution needs more than 50% For.",
    )


@pytest.mark.parametrize(
    ("resolution", "passed", "headline"),
    [
        ("ordinary", True, "The motion passed with 66.7% For; it needed more than 50%."),
        (
            "special",
            False,
            "The motion did not pass: it had 66.7% For and needed 75% or more.",
        ),
    ],
)
def test_a_silent_class_passes_its_share_to_the_others_in_proportion(resolution, passed, headline):
    # PAs only abstain, so their 25% passes on in proportion 50:25 to the other two classes:
    #   budget holders 50/75 = 2/3 of the vote, carers 25/75 = 1/3.
    #   budget holders 3 For 1 Against: For 2/3 * 3/4 = 1/2,  Against 2/3 * 1/4 = 1/6
    #   carers         1 For 1 Against: For 1/3 * 1/2 = 1/6,  Against 1/6
    #   For 1/2 + 1/6 = 2/3 = 66.67%: passes ordinary (> 50%), fails special (< 75%).
    votes = {BUDGET_HOLDER: ballots(3, 1), CARER: ballots(1, 1), PA: ballots(abstain=3)}

    result = count(votes, resolution=resolution)

    assert result.passed is passed
    assert result.for_class(BUDGET_HOLDER).effective_share_percent == Fraction(200, 3)
    assert result.for_class(CARER).effective_share_percent == Fraction(100, 3)
    assert result.for_class(PA).effective_share_percent == 0
    assert result.for_class(PA).share_passed_on
    assert result.weighted_for_percent == Fraction(200, 3)
    assert result.weighted_against_percent == Fraction(100, 3)
    assert result.summary[0] == headline
    assert (
        "No personal assistants voted For or Against, so their 25% share passed to the other "
        "classes in proportion to their shares."
    ) in result.summary


def test_abstentions_count_towards_quorum_but_not_the_result():
    # 10 eligible in each of three classes = 30; quorum 50% = 15 needed.
    #   budget holders 2 For 1 Against          -> 3 voted
    #   carers         1 For, 5 abstain         -> 6 voted
    #   PAs            1 Against, 6 abstain     -> 7 voted
    # 16 voted, so quorum is met only because of the 11 abstentions (5 without them).
    # Weighted: For 50 * 2/3 + 25 * 1/1 + 25 * 0/1 = 100/3 + 25 = 175/3 (58.33%),
    #           Against 50 * 1/3 + 0 + 25 = 125/3 (41.67%).
    eligible = {BUDGET_HOLDER: 10, CARER: 10, PA: 10}
    with_abstentions = {
        BUDGET_HOLDER: ballots(2, 1),
        CARER: ballots(1, 0, abstain=5),
        PA: ballots(0, 1, abstain=6),
    }
    without = {BUDGET_HOLDER: ballots(2, 1), CARER: ballots(1, 0), PA: ballots(0, 1)}

    quorate = count(with_abstentions, eligible, quorum=50)
    inquorate = count(without, eligible, quorum=50)

    assert quorate.passed
    assert (quorate.voted, quorate.quorum_needed) == (16, 15)
    assert quorate.weighted_for_percent == Fraction(175, 3)
    assert quorate.weighted_against_percent == Fraction(125, 3)
    assert "11 abstentions count towards quorum but not towards the result." in quorate.summary

    assert inquorate.outcome is Outcome.QUORUM_NOT_MET
    assert (
        inquorate.summary[1]
        == "Quorum was not met: 5 of 30 eligible members voted; 15 were needed."
    )
    assert inquorate.weighted_for_percent == quorate.weighted_for_percent


@pytest.mark.parametrize(
    ("votes", "resolution", "weighted_for", "outcome", "shown"),
    [
        # Budget holders all For (50) against carers and PAs all Against (25 + 25): a tie.
        pytest.param(
            {BUDGET_HOLDER: ballots(1), CARER: ballots(0, 1), PA: ballots(0, 1)},
            "ordinary",
            Fraction(50),
            Outcome.DEFEATED,
            ("50.0%", "50.0%"),
            id="ordinary-tie-between-classes",
        ),
        # Every class split evenly: 25 + 12.5 + 12.5 = 50 For, a tie again.
        pytest.param(
            {BUDGET_HOLDER: ballots(1, 1), CARER: ballots(1, 1), PA: ballots(1, 1)},
            "ordinary",
            Fraction(50),
            Outcome.DEFEATED,
            ("50.0%", "50.0%"),
            id="ordinary-tie-within-classes",
        ),
        # 50 * 5001/10000 + 12.5 + 12.5 = 50.005: passes, and is never shown as 50.0%.
        pytest.param(
            {BUDGET_HOLDER: ballots(5001, 4999), CARER: ballots(1, 1), PA: ballots(1, 1)},
            "ordinary",
            Fraction("50.005"),
            Outcome.PASSED,
            ("50.01%", "49.99%"),
            id="ordinary-just-over-half",
        ),
        # Budget holders and carers For (50 + 25), PAs Against: exactly 75% passes special.
        pytest.param(
            {BUDGET_HOLDER: ballots(1), CARER: ballots(1), PA: ballots(0, 1)},
            "special",
            Fraction(75),
            Outcome.PASSED,
            ("75.0%", "25.0%"),
            id="special-exactly-75",
        ),
        # 50 + 0 + 25 * 624/625 = 74.96: fails special, and is never shown as 75.0%.
        pytest.param(
            {BUDGET_HOLDER: ballots(1), CARER: ballots(0, 1), PA: ballots(624, 1)},
            "special",
            Fraction("74.96"),
            Outcome.DEFEATED,
            ("74.96%", "25.04%"),
            id="special-just-under-75",
        ),
    ],
)
def test_pass_marks_are_exact(votes, resolution, weighted_for, outcome, shown):
    result = count(votes, resolution=resolution)

    assert result.weighted_for_percent == weighted_for
    assert result.outcome is outcome
    assert (result.display_for, result.display_against) == shown


def test_a_tie_is_explained_as_a_tie():
    result = count({BUDGET_HOLDER: ballots(1), CARER: ballots(0, 1), PA: ballots(0, 1)})

    assert not result.passed
    assert result.summary == (
        "The motion did not pass: the vote was tied at 50% For and 50% Against.",
        "No quorum was required; 3 of 3 eligible members voted.",
        "Counting each class's share of the voting power, the result was 50.0% For and 50.0% "
        "Against, a tie.",
        "An ordinary resolution needs more than 50% For. A tie does not pass.",
    )


def test_missing_the_overall_quorum_means_the_motion_does_not_pass():
    # 100 eligible, quorum 20% = 20 needed; only 12 voted (all For, which would otherwise pass).
    eligible = {BUDGET_HOLDER: 25, CARER: 25, PA: 50}
    result = count({BUDGET_HOLDER: ballots(12)}, eligible, quorum=20)

    assert not result.passed
    assert result.outcome is Outcome.QUORUM_NOT_MET
    assert not result.quorum_met and not result.quorate
    assert result.turnout_percent == 12
    assert result.summary[:2] == (
        "The motion did not pass because quorum was not met.",
        "Quorum was not met: 12 of 100 eligible members voted; 20 were needed.",
    )
    assert (
        "Counting each class's share of the voting power, the result was 100.0% For and 0.0% "
        "Against, but this does not count because quorum was not met."
    ) in result.summary


@pytest.mark.parametrize(("voted", "met"), [(20, False), (21, True)])
def test_a_quorum_needing_part_of_a_member_rounds_up(voted, met):
    # 20% of 101 is 20.2 members, which takes 21 people.
    result = count({PA: ballots(voted)}, {PA: 101}, quorum=20)

    assert result.quorum_needed == 21
    assert result.quorum_met is met


def test_missing_a_class_quorum_means_the_motion_does_not_pass():
    # Overall: 40 eligible, 10% = 4 needed, 20 voted: met.
    # Budget holders: 50% of 10 = 5 needed, 8 voted: met.
    # Carers: 25% of 20 = 5 needed, 4 voted: not met. PAs have no class quorum.
    votes = {BUDGET_HOLDER: ballots(8), CARER: ballots(4), PA: ballots(8)}
    eligible = {BUDGET_HOLDER: 10, CARER: 20, PA: 10}

    result = count(votes, eligible, quorum=10, class_quorum={BUDGET_HOLDER: 50, CARER: 25})

    assert result.outcome is Outcome.QUORUM_NOT_MET
    assert result.quorum_met and not result.class_quorums_met
    assert result.for_class(BUDGET_HOLDER).quorum_met is True
    assert result.for_class(CARER).quorum_met is False
    assert result.for_class(CARER).quorum_needed == 5
    assert result.for_class(PA).quorum_met is None
    assert result.summary[:4] == (
        "The motion did not pass because quorum was not met.",
        "Quorum was met: 20 of 40 eligible members voted; 4 were needed.",
        "Quorum among budget holders was met: 8 of 10 eligible budget holders voted; 5 were "
        "needed.",
        "Quorum among carers was not met: 4 of 20 eligible carers voted; 5 were needed.",
    )


def test_providers_with_no_share_are_shown_but_carry_no_weight():
    # 500 providers all vote Against; one member in each weighted class votes For: 100% For.
    votes = {
        BUDGET_HOLDER: ballots(1),
        CARER: ballots(1),
        PA: ballots(1),
        PROVIDER: ballots(0, 500),
    }

    result = count(votes)

    assert result.passed
    assert result.weighted_for_percent == 100
    providers = result.for_class(PROVIDER)
    assert providers.votes_against == 500
    assert not providers.carries_weight and not providers.share_passed_on
    assert providers.effective_share_percent == 0
    assert providers.weighted_against_percent == 0


def test_providers_weigh_in_when_the_rules_give_them_a_share():
    # Shares 40/25/25/10; providers all Against: For 40 + 25 + 25 = 90, Against 10.
    shares = {BUDGET_HOLDER: 40, CARER: 25, PA: 25, PROVIDER: 10}
    votes = {
        BUDGET_HOLDER: ballots(1),
        CARER: ballots(1),
        PA: ballots(1),
        PROVIDER: ballots(0, 500),
    }

    result = count(votes, shares=shares, resolution="special")

    assert result.passed
    assert (result.weighted_for_percent, result.weighted_against_percent) == (90, 10)


def test_votes_only_from_a_class_with_no_share_pass_nothing():
    result = count({PROVIDER: ballots(7, 2)})

    assert result.outcome is Outcome.NO_WEIGHTED_VOTES
    assert not result.any_weighted_votes
    assert result.summary == (
        "The motion did not pass because no votes For or Against were cast by any class with a "
        "share of the voting power.",
        "No quorum was required; 9 of 9 eligible members voted.",
        "Providers have no share of the voting power, so their votes are shown but carry no "
        "weight.",
    )


@pytest.mark.parametrize(
    ("quorum", "outcome", "quorum_line"),
    [
        (0, Outcome.NO_WEIGHTED_VOTES, "No quorum was required; 0 of 30 eligible members voted."),
        (
            10,
            Outcome.QUORUM_NOT_MET,
            "Quorum was not met: 0 of 30 eligible members voted; 3 were needed.",
        ),
    ],
)
def test_nobody_voting_passes_nothing(quorum, outcome, quorum_line):
    result = count({}, {BUDGET_HOLDER: 10, CARER: 10, PA: 10}, quorum=quorum)

    assert result.outcome is outcome
    assert not result.passed
    assert (result.weighted_for_percent, result.weighted_against_percent) == (0, 0)
    assert (result.display_for, result.display_against) == ("0.0%", "0.0%")
    assert result.summary[1] == quorum_line
    assert all(cls.voted == 0 and cls.turnout_percent == 0 for cls in result.classes[:3])


def test_nobody_eligible_passes_nothing():
    result = count({}, {}, quorum=20)

    assert result.outcome is Outcome.NO_WEIGHTED_VOTES
    assert result.quorum_needed == 0
    assert result.turnout_percent is None
    assert result.summary[1] == "No members are eligible to vote on this motion."


def test_one_member_is_spoken_of_in_the_singular():
    result = count(
        {CARER: ballots(abstain=1)}, {CARER: 1, PA: 1}, quorum=50, class_quorum={CARER: 100}
    )

    assert result.summary[1:4] == (
        "Quorum was met: 1 of 2 eligible members voted; 1 was needed.",
        "Quorum among carers was met: 1 of 1 eligible carer voted; 1 was needed.",
        "1 abstention counts towards quorum but not towards the result.",
    )


def test_choices_may_be_given_as_enum_members_or_strings():
    as_strings = count({BUDGET_HOLDER: {"for": 3, "against": 1}})
    as_enums = count({BUDGET_HOLDER: {Choice.FOR: 3, Choice.AGAINST: 1}})

    assert as_enums == as_strings
    assert as_enums.resolution is Resolution.ORDINARY
    assert [cls.member_class for cls in as_enums.classes] == list(MEMBER_CLASSES)


class PlainEnumClass(enum.Enum):
    """Stands in for members.models.MemberClass, a plain Enum whose values are class names."""

    BUDGET_HOLDER = "budget_holder"
    CARER = "carer"
    PA = "pa"
    PROVIDER = "provider"


def test_classes_may_be_keyed_by_enum_members():
    by_name = count({BUDGET_HOLDER: ballots(3, 1), PA: ballots(0, 2)}, quorum=50)
    shares = {PlainEnumClass(name): share for name, share in DEFAULT_CLASS_SHARES.items()}
    votes = {PlainEnumClass.BUDGET_HOLDER: ballots(3, 1), PlainEnumClass.PA: ballots(0, 2)}

    by_enum = count(votes, everyone_eligible_voted(votes), shares=shares, quorum=50)

    assert by_enum == by_name
    assert validate_class_shares(shares) == []


class PlainEnumChoice(enum.Enum):
    """Stands in for voting.models.Choice and Resolution, plain Enums keyed by value."""

    FOR = "for"
    AGAINST = "against"
    SPECIAL = "special"


def test_choices_and_resolution_may_be_any_enum_with_the_right_value():
    by_name = count({CARER: ballots(3, 1)}, resolution="special")

    by_enum = count(
        {CARER: {PlainEnumChoice.FOR: 3, PlainEnumChoice.AGAINST: 1}},
        {CARER: 4},
        resolution=PlainEnumChoice.SPECIAL,
    )

    assert by_enum == by_name
    assert by_enum.resolution is Resolution.SPECIAL


def test_a_class_given_twice_is_refused():
    votes = {PA: ballots(1), PlainEnumClass.PA: ballots(2)}

    with pytest.raises(WeightedCountError) as refused:
        count(votes, {PA: 3})

    assert refused.value.problems == ('The votes give "pa" more than once.',)


# --- Quorum arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eligible", "quorum", "needed"),
    [
        (100, 20, 20),
        (101, 20, 21),  # 20.2 -> 21
        (99, 20, 20),  # 19.8 -> 20
        (3, Fraction(100, 3), 1),  # exactly 1: a float third would give 1.0000000000000002 -> 2
        (6, Fraction(100, 3), 2),
        (7, Fraction(100, 3), 3),  # 2.33 -> 3
        (10, 100, 10),
        (10, 0, 0),
        (0, 50, 0),
        (1, Decimal("0.1"), 1),
    ],
)
def test_members_needed_for_quorum_rounds_up_exactly(eligible, quorum, needed):
    assert members_needed_for_quorum(eligible, quorum) == needed


@pytest.mark.parametrize(("eligible", "quorum"), [(10, 101), (10, -1), (10, 0.2), (-1, 20)])
def test_members_needed_for_quorum_refuses_nonsense(eligible, quorum):
    with pytest.raises(WeightedCountError):
        members_needed_for_quorum(eligible, quorum)


# --- Class shares ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shares",
    [
        DEFAULT_CLASS_SHARES,
        {BUDGET_HOLDER: 50, CARER: 25, PA: 25, PROVIDER: 0},
        {
            BUDGET_HOLDER: Fraction(100, 3),
            CARER: Fraction(100, 3),
            PA: Fraction(100, 3),
            PROVIDER: 0,
        },
        {BUDGET_HOLDER: Decimal("40.5"), CARER: Decimal("29.5"), PA: 25, PROVIDER: 5},
    ],
)
def test_valid_class_shares_have_no_problems(shares):
    assert validate_class_shares(shares) == []


@pytest.mark.parametrize(
    ("shares", "problems"),
    [
        (
            {BUDGET_HOLDER: 40, CARER: 25, PA: 25, PROVIDER: 0},
            ["The shares add up to 90%. They must add up to 100%."],
        ),
        (
            {
                BUDGET_HOLDER: Decimal("33.3"),
                CARER: Decimal("33.3"),
                PA: Decimal("33.3"),
                PROVIDER: 0,
            },
            ["The shares add up to 99.9%. They must add up to 100%."],
        ),
        (
            # 100.01 must not be shown as "100.0%", which would read as no problem at all.
            {BUDGET_HOLDER: Decimal("50.01"), CARER: 25, PA: 25, PROVIDER: 0},
            ["The shares add up to 100.01%. They must add up to 100%."],
        ),
        (
            {BUDGET_HOLDER: 60, CARER: 25, PA: 25, PROVIDER: -10},
            ["The share for providers is -10%. A share cannot be less than 0%."],
        ),
        (
            {BUDGET_HOLDER: 50, CARER: 25, PA: 25, PROVIDER: 0, "landlord": 0},
            ['There is no member class called "landlord".'],
        ),
        (
            {BUDGET_HOLDER: 50, CARER: 25, PA: 25},
            ["No share is given for providers."],
        ),
        (
            {BUDGET_HOLDER: 50, CARER: 25.0, PA: 25, PROVIDER: 0},
            [
                "The share for carers must be an exact number, such as 25, 33.5 or 100/3.",
                "The shares add up to 75%. They must add up to 100%.",
            ],
        ),
    ],
)
def test_class_share_problems_are_explained(shares, problems):
    assert validate_class_shares(shares) == problems


# --- Figures that cannot be counted ----------------------------------------------------------


GOOD = {
    "votes": {CARER: ballots(10, 5)},
    "eligible": {CARER: 20},
    "class_shares": DEFAULT_CLASS_SHARES,
    "resolution": "ordinary",
    "quorum_percent": 20,
    "class_quorum_percent": None,
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"class_shares": {BUDGET_HOLDER: 40, CARER: 25, PA: 25, PROVIDER: 0}},
            "The shares add up to 90%. They must add up to 100%.",
        ),
        (
            {"votes": {"landlord": ballots(1)}},
            'The votes include "landlord", which is not a member class.',
        ),
        (
            {"eligible": {CARER: 20, "landlord": 3}},
            'The eligible members include "landlord", which is not a member class.',
        ),
        (
            {"votes": {CARER: {"for": 1, "maybe": 1}}},
            '"maybe" is not a choice for carers; the choices are for, against and abstain.',
        ),
        ({"votes": {CARER: ballots(15, 6)}}, "21 carers voted but only 20 are eligible."),
        ({"eligible": {}}, "15 carers voted but only 0 are eligible."),
        (
            {"votes": {CARER: ballots(1, -1)}},
            "The number of carers voting against must be a whole number, 0 or more.",
        ),
        (
            {"eligible": {CARER: 20.0}},
            "The number of eligible carers must be a whole number, 0 or more.",
        ),
        ({"quorum_percent": 101}, "The quorum must be an exact percentage from 0% to 100%."),
        ({"quorum_percent": 0.2}, "The quorum must be an exact percentage from 0% to 100%."),
        (
            {"class_quorum_percent": {CARER: -5}},
            "The quorum for carers must be an exact percentage from 0% to 100%.",
        ),
        (
            {"class_quorum_percent": {"landlord": 5}},
            'The class quorums include "landlord", which is not a member class.',
        ),
        (
            {"resolution": "unanimous"},
            '"unanimous" is not a kind of resolution; use ordinary or special.',
        ),
    ],
)
def test_figures_that_cannot_be_counted_are_refused_with_reasons(change, problem):
    args = {**GOOD, **change}
    with pytest.raises(WeightedCountError) as refused:
        count_motion(
            args["votes"],
            args["eligible"],
            class_shares=args["class_shares"],
            resolution=args["resolution"],
            quorum_percent=args["quorum_percent"],
            class_quorum_percent=args["class_quorum_percent"],
        )
    assert refused.value.problems == (problem,)
    assert isinstance(refused.value, ValueError)


def test_the_good_figures_above_do_count():
    # Guards the refusal tests: each refusal comes from its one change, not from GOOD itself.
    result = count_motion(
        GOOD["votes"],
        GOOD["eligible"],
        class_shares=GOOD["class_shares"],
        resolution=GOOD["resolution"],
        quorum_percent=GOOD["quorum_percent"],
    )
    assert result.passed


# --- Showing percentages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (Fraction("12.5"), {}, "12.5%"),
        (Fraction("12.25"), {}, "12.3%"),  # half up; Python's round() would give 12.2
        (Decimal("12.25"), {}, "12.3%"),
        (Fraction("0.05"), {}, "0.1%"),  # half up; round() would give 0.0
        (Fraction(200, 3), {}, "66.7%"),
        (Fraction(100, 3), {}, "33.3%"),
        (Fraction("12.5"), {"places": 0}, "13%"),
        (0, {}, "0.0%"),
        (50, {}, "50.0%"),
        (100, {}, "100.0%"),
        # Never rounded onto a mark it does not equal: more places instead.
        (Fraction("0.04"), {}, "0.04%"),
        (Fraction("99.99"), {}, "99.99%"),
        (Fraction("50.0001"), {"keep_apart_from": (50,)}, "50.0001%"),
        (Fraction("49.96"), {"keep_apart_from": (50,)}, "49.96%"),
        (Fraction("74.96"), {"keep_apart_from": (75,)}, "74.96%"),
        # ... up to MAX_PLACES (4), then in words.
        (50 + Fraction(1, 10**7), {"keep_apart_from": (50,)}, "just over 50%"),
        (50 - Fraction(1, 10**7), {"keep_apart_from": (50,)}, "just under 50%"),
        (Fraction(1, 10**6), {}, "just over 0%"),
        # Without the mark, ordinary rounding applies.
        (Fraction("50.0001"), {"keep_apart_from": ()}, "50.0%"),
    ],
)
def test_format_percent(value, kwargs, shown):
    assert format_percent(value, **kwargs) == shown


def test_format_percent_refuses_floats():
    with pytest.raises(TypeError):
        format_percent(50.0001)


# --- Properties --------------------------------------------------------------------------------

#: Properties check results, not speed: no deadline, so a busy machine cannot fail them.
untimed = settings(deadline=None)


@st.composite
def class_shares(draw):
    """Shares for the four classes adding up to exactly 100, at least one of them positive."""
    weights = draw(st.lists(st.integers(0, 6), min_size=4, max_size=4).filter(any))
    return {
        member_class: Fraction(weight * 100, sum(weights))
        for member_class, weight in zip(MEMBER_CLASSES, weights, strict=True)
    }


@st.composite
def motions(draw):
    """Keyword arguments for count_motion: random shares, votes, eligibility and quorums."""
    votes, eligible = {}, {}
    for member_class in MEMBER_CLASSES:
        votes_for, against, abstain, stayed_away = (draw(st.integers(0, 30)) for _ in range(4))
        votes[member_class] = ballots(votes_for, against, abstain)
        eligible[member_class] = votes_for + against + abstain + stayed_away
    percents = st.fractions(min_value=0, max_value=100, max_denominator=7)
    return {
        "votes_by_class": votes,
        "eligible_by_class": eligible,
        "class_shares": draw(class_shares()),
        "resolution": draw(st.sampled_from(Resolution)),
        "quorum_percent": draw(percents),
        "class_quorum_percent": draw(
            st.dictionaries(st.sampled_from(MEMBER_CLASSES), percents, max_size=2)
        ),
    }


def scaled(motion, factor, only=None):
    """The same motion with every count (or only one class's counts) multiplied by `factor`."""
    votes = {
        member_class: {
            choice: n * factor if only in (None, member_class) else n
            for choice, n in choices.items()
        }
        for member_class, choices in motion["votes_by_class"].items()
    }
    eligible = {
        member_class: n * factor if only in (None, member_class) else n
        for member_class, n in motion["eligible_by_class"].items()
    }
    return {**motion, "votes_by_class": votes, "eligible_by_class": eligible}


def weights(result):
    """Everything the weighting decides, class by class and overall."""
    return (
        result.weighted_for_percent,
        result.weighted_against_percent,
        [
            (cls.effective_share_percent, cls.weighted_for_percent, cls.weighted_against_percent)
            for cls in result.classes
        ],
    )


@untimed
@given(motions())
def test_weighted_for_and_against_make_the_whole_vote_when_anyone_weighted_voted(motion):
    result = count_motion(**motion)
    anyone = any(
        motion["class_shares"][c] > 0 and choices["for"] + choices["against"] > 0
        for c, choices in motion["votes_by_class"].items()
    )

    assert result.any_weighted_votes is anyone
    total = result.weighted_for_percent + result.weighted_against_percent
    assert total == (100 if anyone else 0)
    assert isinstance(result.weighted_for_percent, Fraction)


@untimed
@given(motions(), st.integers(2, 5))
def test_scaling_every_class_by_the_same_factor_changes_nothing(motion, factor):
    before = count_motion(**motion)
    after = count_motion(**scaled(motion, factor))

    assert weights(after) == weights(before)
    assert (after.quorum_met, after.class_quorums_met) == (
        before.quorum_met,
        before.class_quorums_met,
    )
    assert after.outcome is before.outcome


@untimed
@given(motions(), st.integers(2, 5), st.sampled_from(MEMBER_CLASSES))
def test_a_class_size_never_changes_any_class_weight(motion, factor, member_class):
    before = count_motion(**motion)
    after = count_motion(**scaled(motion, factor, only=member_class))

    assert weights(after) == weights(before)


@untimed
@given(motions(), st.sampled_from(MEMBER_CLASSES), st.integers(1, 10))
def test_abstentions_never_change_the_weights(motion, member_class, extra):
    more = {
        **motion,
        "votes_by_class": {
            **motion["votes_by_class"],
            member_class: {
                **motion["votes_by_class"][member_class],
                "abstain": motion["votes_by_class"][member_class]["abstain"] + extra,
            },
        },
        "eligible_by_class": {
            **motion["eligible_by_class"],
            member_class: motion["eligible_by_class"][member_class] + extra,
        },
    }

    assert weights(count_motion(**more)) == weights(count_motion(**motion))


@untimed
@given(motions(), st.sampled_from(MEMBER_CLASSES))
def test_one_more_member_voting_for_never_hurts_the_motion(motion, member_class):
    choices = motion["votes_by_class"][member_class]
    assume(sum(choices.values()) < motion["eligible_by_class"][member_class])
    more = {
        **motion,
        "votes_by_class": {
            **motion["votes_by_class"],
            member_class: {**choices, "for": choices["for"] + 1},
        },
    }

    before, after = count_motion(**motion), count_motion(**more)

    assert after.weighted_for_percent >= before.weighted_for_percent
    assert after.passed or not before.passed


@untimed
@given(motions())
def test_the_verdict_follows_the_exact_figures(motion):
    result = count_motion(**motion)
    mark = result.pass_mark_percent
    beats_mark = (
        result.weighted_for_percent >= mark
        if result.resolution is Resolution.SPECIAL
        else result.weighted_for_percent > mark
    )

    assert result.passed == (result.quorate and result.any_weighted_votes and beats_mark)
    assert result.summary[0].startswith(
        "The motion passed" if result.passed else "The motion did not pass"
    )


def shown_value(text):
    """The number a member reads in format_percent's output, or None for words."""
    return None if text.startswith("just") else Fraction(Decimal(text.removesuffix("%")))


@untimed
@given(
    st.fractions(min_value=0, max_value=100, max_denominator=10**6),
    st.sampled_from([Fraction(50), Fraction(75), Fraction(200, 3)]),
)
def test_a_shown_percentage_is_on_the_same_side_of_a_mark_as_the_exact_one(value, mark):
    text = format_percent(value, keep_apart_from=(0, mark, 100))
    shown = shown_value(text)

    if shown is None:
        nearest = min((0, mark, 100), key=lambda landmark: abs(value - landmark))
        assert text.startswith(f"just {'over' if value > nearest else 'under'} ")
        assert 0 < abs(value - nearest) < Fraction(1, 10**4)
    else:
        for landmark in (0, mark, 100):
            assert (shown > landmark) == (value > landmark)
            assert (shown < landmark) == (value < landmark)
        assert abs(shown - value) <= Fraction(1, 20)


@untimed
@given(motions())
def test_for_and_against_as_shown_add_up_to_100(motion):
    result = count_motion(**motion)
    shown_for, shown_against = shown_value(result.display_for), shown_value(result.display_against)
    assume(result.any_weighted_votes and shown_for is not None)

    assert shown_for + shown_against == 100
