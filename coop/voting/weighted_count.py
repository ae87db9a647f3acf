"""The weighted count of a class-weighted motion, where each member class holds a fixed share."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

BUDGET_HOLDER = "budget_holder"
CARER = "carer"
PA = "pa"
PROVIDER = "provider"

#: The member classes, in the order results list them.
MEMBER_CLASSES: tuple[str, ...] = (BUDGET_HOLDER, CARER, PA, PROVIDER)

#: (singular, plural) names for each class, as members read them in sentences.
CLASS_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        BUDGET_HOLDER: ("budget holder", "budget holders"),
        CARER: ("carer", "carers"),
        PA: ("personal assistant", "personal assistants"),
        PROVIDER: ("provider", "providers"),
    }
)

#: The co-op's default rules: the percentage of the voting power each class holds.
DEFAULT_CLASS_SHARES: Mapping[str, Fraction] = MappingProxyType(
    {
        BUDGET_HOLDER: Fraction(50),
        CARER: Fraction(25),
        PA: Fraction(25),
        PROVIDER: Fraction(0),
    }
)

#: An ordinary resolution passes with MORE than this percentage For.
ORDINARY_PASS_MARK = Fraction(50)
#: A special resolution passes with this percentage For OR MORE.
SPECIAL_PASS_MARK = Fraction(75)

#: The most decimal places format_percent will show before saying "just over"/"just under".
MAX_PLACES = 4

_HUNDRED = Fraction(100)

Number = int | Fraction | Decimal
#: A member class: its name ("pa") or an enum member whose value is the name.
ClassKey = str | enum.Enum


class Choice(enum.StrEnum):
    """What a member chose on a ballot."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"

    @property
    def label(self) -> str:
        return {"for": "For", "against": "Against", "abstain": "Abstain"}[self.value]


class Resolution(enum.StrEnum):
    """The kind of resolution a motion is, which sets the pass mark."""

    ORDINARY = "ordinary"
    SPECIAL = "special"

    @property
    def label(self) -> str:
        return {
            "ordinary": "Ordinary resolution (passes with more than 50% of weighted votes)",
            "special": "Special resolution (passes with 75% or more of weighted votes)",
        }[self.value]

    @property
    def pass_mark(self) -> int:
        """The percentage For at the pass mark: 50 (to beat) or 75 (to reach)."""
        return int(pass_mark_percent(self))

    @property
    def needs(self) -> str:
        """What the motion needed to pass, e.g. 'more than 50% For'."""
        return "more than 50% For" if self is Resolution.ORDINARY else "75% or more For"


class Outcome(enum.StrEnum):
    """Why a motion passed or did not, checked in this order."""

    #: The overall quorum or a class's own quorum was not met.
    QUORUM_NOT_MET = "quorum_not_met"
    #: No class with a share of the voting power cast any vote For or Against.
    NO_WEIGHTED_VOTES = "no_weighted_votes"
    #: Quorate and counted, but For did not reach the pass mark (a tie included).
    DEFEATED = "defeated"
    PASSED = "passed"


class WeightedCountError(ValueError):
    """The figures given for a count cannot be counted; `problems` says why in plain English."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(" ".join(self.problems))


@dataclasses.dataclass(frozen=True)
class ClassResult:
    """How one member class voted and what its votes weighed. Percentages are exact."""

    member_class: str
    #: The class's share of the voting power under the rules, as a percentage.
    share_percent: Fraction
    eligible: int
    votes_for: int
    votes_against: int
    abstentions: int
    #: The share the class actually carried, after silent classes passed theirs on.
    effective_share_percent: Fraction
    #: The part of the whole vote (For + Against = 100) that this class put For.
    weighted_for_percent: Fraction
    #: The part of the whole vote that this class put Against.
    weighted_against_percent: Fraction
    #: The class's own quorum, or None when the rules set none for it.
    quorum_percent: Fraction | None
    quorum_needed: int | None
    quorum_met: bool | None

    @property
    def voted(self) -> int:
        """How many members of the class voted, abstentions included (what quorum counts)."""
        return self.votes_for + self.votes_against + self.abstentions

    @property
    def turnout_percent(self) -> Fraction | None:
        """The percentage of eligible members who voted, or None if none were eligible."""
        if self.eligible == 0:
            return None
        return Fraction(self.voted * 100, self.eligible)

    @property
    def carries_weight(self) -> bool:
        """Whether the rules give this class any share of the voting power."""
        return self.share_percent > 0

    @property
    def share_passed_on(self) -> bool:
        """Whether the class had a share but cast no For or Against, so others carried it."""
        return self.carries_weight and self.votes_for + self.votes_against == 0


@dataclasses.dataclass(frozen=True)
class MotionResult:
    """The weighted count of one motion; `summary` explains it, headline first."""

    resolution: Resolution
    #: One entry per member class, in MEMBER_CLASSES order.
    classes: tuple[ClassResult, ...]
    eligible: int
    #: Members who voted, abstentions included.
    voted: int
    quorum_percent: Fraction
    quorum_needed: int
    #: Whether the overall quorum was met.
    quorum_met: bool
    #: Whether every class with its own quorum met it (True when no class has one).
    class_quorums_met: bool
    #: Weighted For and Against add up to 100 whenever any weighted vote was cast, else both 0.
    weighted_for_percent: Fraction
    weighted_against_percent: Fraction
    outcome: Outcome
    #: Plain-English sentences: the headline, then the reasons behind it.
    summary: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether the motion passed."""
        return self.outcome is Outcome.PASSED

    @property
    def quorate(self) -> bool:
        """Whether the overall quorum and every class quorum were met."""
        return self.quorum_met and self.class_quorums_met

    @property
    def any_weighted_votes(self) -> bool:
        """Whether any class with a share of the voting power voted For or Against."""
        return self.weighted_for_percent + self.weighted_against_percent > 0

    @property
    def turnout_percent(self) -> Fraction | None:
        """The percentage of eligible members who voted, or None if none were eligible."""
        if self.eligible == 0:
            return None
        return Fraction(self.voted * 100, self.eligible)

    @property
    def pass_mark_percent(self) -> Fraction:
        """The percentage For the resolution must pass (beat for ordinary, reach for special)."""
        return pass_mark_percent(self.resolution)

    @property
    def display_for(self) -> str:
        """Weighted For for display, never rounded onto the pass mark it does not equal."""
        return format_percent(
            self.weighted_for_percent, keep_apart_from=(0, self.pass_mark_percent, 100)
        )

    @property
    def display_against(self) -> str:
        """Weighted Against for display: 100% minus the For shown, so the pair adds up to 100%.

        Rounding both halves up would show 58.75/41.25 as 58.8% and 41.3%, which members
        would add up and query; this shows 58.8% and 41.2%.
        """
        if not self.any_weighted_votes:
            return format_percent(self.weighted_against_percent)
        value = self.weighted_for_percent
        marks = [Fraction(0), self.pass_mark_percent, _HUNDRED]
        places = _display_places(value, 1, marks)
        if places is None:
            mark = _nearest_mark(value, marks)
            side = "under" if value > mark else "over"
            return f"just {side} {_plain_percent(_HUNDRED - mark)}"
        scaled = 100 * 10**places - _round_half_up(value * 10**places)
        return _digits(scaled, places) + "%"

    def for_class(self, member_class: str) -> ClassResult:
        """The result for one member class, so views need not search the tuple."""
        for result in self.classes:
            if result.member_class == member_class:
                return result
        raise KeyError(member_class)


def pass_mark_percent(resolution: str | enum.Enum) -> Fraction:
    """The percentage For a resolution must beat (ordinary) or reach (special) to pass."""
    if Resolution(_plain(resolution)) is Resolution.SPECIAL:
        return SPECIAL_PASS_MARK
    return ORDINARY_PASS_MARK


def members_needed_for_quorum(eligible: int, quorum_percent: Number) -> int:
    """How many members must vote to meet a percentage quorum: any part of a member rounds up.

    A quorum of 20% of 101 members is 20.2 members, which only 21 people can make, so a
    quorum is never met by fewer people than the rules ask for.
    """
    percent = _exact(quorum_percent)
    if percent is None or not 0 <= percent <= 100:
        raise WeightedCountError(["A quorum must be an exact percentage from 0% to 100%."])
    if _count_or_none(eligible) is None:
        raise WeightedCountError(["The number of eligible members must be 0 or more."])
    return math.ceil(percent * eligible / 100)


def validate_class_shares(shares: Mapping[ClassKey, Number]) -> list[str]:
    """List, in plain English, what is wrong with a set of class shares (empty when valid).

    Shares are percentages of the voting power, one for every member class (0 allowed),
    adding up to exactly 100. The rules are checked before any count, so that a mistyped
    share can never quietly change the outcome of a vote.
    """
    problems: list[str] = []
    shares = _keyed_by_class_name(shares, "shares", problems)
    total = Fraction(0)
    for key in shares:
        if key not in MEMBER_CLASSES:
            problems.append(f'There is no member class called "{key}".')
    for member_class in MEMBER_CLASSES:
        plural = CLASS_NAMES[member_class][1]
        if member_class not in shares:
            problems.append(f"No share is given for {plural}.")
            continue
        share = _exact(shares[member_class])
        if share is None:
            problems.append(
                f"The share for {plural} must be an exact number, such as 25, 33.5 or 100/3."
            )
            continue
        if share < 0:
            problems.append(
                f"The share for {plural} is {_plain_percent(share)}. "
                "A share cannot be less than 0%."
            )
        total += share
    if total != 100:
        problems.append(f"The shares add up to {_plain_percent(total)}. They must add up to 100%.")
    return problems


def count_motion(
    votes_by_class: Mapping[ClassKey, Mapping[str | enum.Enum, int]],
    eligible_by_class: Mapping[ClassKey, int],
    *,
    class_shares: Mapping[ClassKey, Number],
    resolution: str | enum.Enum,
    quorum_percent: Number,
    class_quorum_percent: Mapping[ClassKey, Number] | None = None,
) -> MotionResult:
    """Count a class-weighted motion exactly, so that no class outvotes another by numbers.

    Each class's share (a percentage, e.g. DEFAULT_CLASS_SHARES) is split equally among its
    members who voted For or Against. A class whose members cast none passes its share to the
    other classes in proportion to their shares; a class with a 0% share is shown but weighs
    nothing. Abstentions count towards quorum only. Quorum is a percentage of eligible members
    overall and, where `class_quorum_percent` names a class, within that class too; a motion
    that is not quorate does not pass. Missing classes or choices count as 0. Classes,
    choices and the resolution may be given by name or as any enum member with that value
    (members.models.MemberClass.PA, voting.models.Choice.FOR).

    Raises WeightedCountError when the figures cannot be counted (invalid shares, unknown
    classes or choices, negative counts, more votes than eligible members).
    """
    problems = validate_class_shares(class_shares)
    class_shares = _keyed_by_class_name(class_shares, "shares", [])
    votes_by_class = _keyed_by_class_name(votes_by_class, "votes", problems)
    eligible_by_class = _keyed_by_class_name(eligible_by_class, "eligible members", problems)
    class_quorums = _keyed_by_class_name(class_quorum_percent or {}, "class quorums", problems)
    try:
        resolution = Resolution(_plain(resolution))
    except ValueError:
        problems.append(f'"{resolution}" is not a kind of resolution; use ordinary or special.')
    quorum = _exact(quorum_percent)
    if quorum is None or not 0 <= quorum <= 100:
        problems.append("The quorum must be an exact percentage from 0% to 100%.")
    for label, mapping in (
        ("votes", votes_by_class),
        ("eligible members", eligible_by_class),
        ("class quorums", class_quorums),
    ):
        for key in mapping:
            if key not in MEMBER_CLASSES:
                problems.append(f'The {label} include "{key}", which is not a member class.')

    tallies: dict[str, tuple[int, int, int, int]] = {}
    quorums: dict[str, Fraction] = {}
    for member_class in MEMBER_CLASSES:
        singular, plural = CLASS_NAMES[member_class]
        class_votes = votes_by_class.get(member_class, {})
        counts = dict.fromkeys(Choice, 0)
        for key, value in class_votes.items():
            try:
                choice = Choice(_plain(key))
            except ValueError:
                problems.append(
                    f'"{key}" is not a choice for {plural}; the choices are for, against and '
                    "abstain."
                )
                continue
            count = _count_or_none(value)
            if count is None:
                problems.append(
                    f"The number of {plural} voting {choice} must be a whole number, 0 or more."
                )
                continue
            counts[choice] = count
        eligible = _count_or_none(eligible_by_class.get(member_class, 0))
        voted = sum(counts.values())
        if eligible is None:
            problems.append(f"The number of eligible {plural} must be a whole number, 0 or more.")
            eligible = 0
        elif voted > eligible:
            problems.append(
                f"{_count(voted, singular, plural)} voted but only {eligible} "
                f"{'is' if eligible == 1 else 'are'} eligible."
            )
        tallies[member_class] = (
            eligible,
            counts[Choice.FOR],
            counts[Choice.AGAINST],
            counts[Choice.ABSTAIN],
        )
        if member_class in class_quorums:
            class_quorum = _exact(class_quorums[member_class])
            if class_quorum is None or not 0 <= class_quorum <= 100:
                problems.append(
                    f"The quorum for {plural} must be an exact percentage from 0% to 100%."
                )
            else:
                quorums[member_class] = class_quorum
    if problems:
        raise WeightedCountError(problems)
    assert quorum is not None  # for type checkers: a bad quorum was reported above

    shares = {member_class: Fraction(class_shares[member_class]) for member_class in tallies}
    active_share = sum(
        (
            shares[c]
            for c, (_, votes_for, votes_against, _) in tallies.items()
            if shares[c] > 0 and votes_for + votes_against > 0
        ),
        Fraction(0),
    )

    classes = []
    for member_class, (eligible, votes_for, votes_against, abstentions) in tallies.items():
        share = shares[member_class]
        cast = votes_for + votes_against
        if share > 0 and cast > 0:
            effective = share * 100 / active_share
            weighted_for = effective * votes_for / cast
            weighted_against = effective * votes_against / cast
        else:
            effective = weighted_for = weighted_against = Fraction(0)
        class_quorum = quorums.get(member_class)
        needed = None if class_quorum is None else math.ceil(class_quorum * eligible / 100)
        met = None if needed is None else votes_for + votes_against + abstentions >= needed
        classes.append(
            ClassResult(
                member_class=member_class,
                share_percent=share,
                eligible=eligible,
                votes_for=votes_for,
                votes_against=votes_against,
                abstentions=abstentions,
                effective_share_percent=effective,
                weighted_for_percent=weighted_for,
                weighted_against_percent=weighted_against,
                quorum_percent=class_quorum,
                quorum_needed=needed,
                quorum_met=met,
            )
        )

    eligible = sum(result.eligible for result in classes)
    voted = sum(result.voted for result in classes)
    quorum_needed = math.ceil(quorum * eligible / 100)
    weighted_for = sum((result.weighted_for_percent for result in classes), Fraction(0))
    weighted_against = sum((result.weighted_against_percent for result in classes), Fraction(0))
    quorum_met = voted >= quorum_needed
    class_quorums_met = all(result.quorum_met is not False for result in classes)
    mark = pass_mark_percent(resolution)
    if not (quorum_met and class_quorums_met):
        outcome = Outcome.QUORUM_NOT_MET
    elif active_share == 0:
        outcome = Outcome.NO_WEIGHTED_VOTES
    elif weighted_for >= mark if resolution is Resolution.SPECIAL else weighted_for > mark:
        outcome = Outcome.PASSED
    else:
        outcome = Outcome.DEFEATED

    draft = MotionResult(
        resolution=resolution,
        classes=tuple(classes),
        eligible=eligible,
        voted=voted,
        quorum_percent=quorum,
        quorum_needed=quorum_needed,
        quorum_met=quorum_met,
        class_quorums_met=class_quorums_met,
        weighted_for_percent=weighted_for,
        weighted_against_percent=weighted_against,
        outcome=outcome,
        summary=(),
    )
    return dataclasses.replace(draft, summary=_summarise(draft))


def format_percent(
    percent: Number, places: int = 1, *, keep_apart_from: Iterable[Number] = (0, 100)
) -> str:
    """Show an exact percentage to `places` decimal places, e.g. Fraction(200, 3) -> '66.7%'.

    Rounding is half up (a half goes away from zero: 12.25 shows as 12.3%), as taught at
    school, not Python's round-half-to-even; the value is exact, so a half really is a half.

    A member reading "50.0% For - passed", or "75.0% For - not passed", would rightly think
    the count was wrong. So a value is never shown rounded onto a mark in `keep_apart_from`
    (by default 0% and 100%; pass marks are added by MotionResult.display_for) unless it is
    exactly that mark: more places are shown instead (50.0001 -> '50.0001%', 49.96 ->
    '49.96%'), up to MAX_PLACES, beyond which it reads 'just over 50%' or 'just under 50%'.
    An exact mark shows plainly at the usual places ('50.0%').
    """
    value = _exact(percent)
    if value is None:
        raise TypeError(f"format_percent needs an int, Fraction or Decimal, not {percent!r}")
    marks = [Fraction(mark) for mark in keep_apart_from]
    shown_places = _display_places(value, places, marks)
    if shown_places is not None:
        return _digits(_round_half_up(value * 10**shown_places), shown_places) + "%"
    mark = _nearest_mark(value, marks)
    return f"just {'over' if value > mark else 'under'} {_plain_percent(mark)}"


def _summarise(result: MotionResult) -> tuple[str, ...]:
    """The plain-English explanation of a result: headline first, then the reasons."""
    ordinary = result.resolution is Resolution.ORDINARY
    mark = _plain_percent(result.pass_mark_percent)
    rule = (
        f"An ordinary resolution needs more than {mark} For."
        if ordinary
        else f"A special resolution needs {mark} For or more."
    )
    needed = f"more than {mark}" if ordinary else f"{mark} or more"
    tie = ordinary and result.weighted_for_percent == ORDINARY_PASS_MARK

    if result.outcome is Outcome.PASSED:
        headline = f"The motion passed with {result.display_for} For; it needed {needed}."
    elif result.outcome is Outcome.QUORUM_NOT_MET:
        headline = "The motion did not pass because quorum was not met."
    elif result.outcome is Outcome.NO_WEIGHTED_VOTES:
        headline = (
            "The motion did not pass because no votes For or Against were cast by any class "
            "with a share of the voting power."
        )
    elif tie:
        headline = "The motion did not pass: the vote was tied at 50% For and 50% Against."
    else:
        headline = f"The motion did not pass: it had {result.display_for} For and needed {needed}."
    lines = [headline]

    if result.eligible == 0:
        lines.append("No members are eligible to vote on this motion.")
    elif result.quorum_percent == 0:
        lines.append(
            f"No quorum was required; {result.voted} of "
            f"{_count(result.eligible, 'eligible member', 'eligible members')} voted."
        )
    else:
        lines.append(
            f"Quorum was {'met' if result.quorum_met else 'not met'}: {result.voted} of "
            f"{_count(result.eligible, 'eligible member', 'eligible members')} voted; "
            f"{result.quorum_needed} {_was(result.quorum_needed)} needed."
        )
    for cls in result.classes:
        if cls.quorum_needed is None:
            continue
        singular, plural = CLASS_NAMES[cls.member_class]
        if cls.eligible == 0:
            lines.append(f"No {plural} are eligible, so there was no quorum to meet among them.")
        elif cls.quorum_percent == 0:
            lines.append(
                f"No quorum was required among {plural}; {cls.voted} of "
                f"{_count(cls.eligible, 'eligible ' + singular, 'eligible ' + plural)} voted."
            )
        else:
            lines.append(
                f"Quorum among {plural} was {'met' if cls.quorum_met else 'not met'}: "
                f"{cls.voted} of "
                f"{_count(cls.eligible, 'eligible ' + singular, 'eligible ' + plural)} voted; "
                f"{cls.quorum_needed} {_was(cls.quorum_needed)} needed."
            )

    abstentions = sum(cls.abstentions for cls in result.classes)
    if abstentions:
        lines.append(
            f"{_count(abstentions, 'abstention', 'abstentions')} "
            f"{'counts' if abstentions == 1 else 'count'} towards quorum but not towards the "
            "result."
        )
    for cls in result.classes:
        plural = CLASS_NAMES[cls.member_class][1]
        if not cls.carries_weight and cls.votes_for + cls.votes_against:
            lines.append(
                f"{plural.capitalize()} have no share of the voting power, so their votes are "
                "shown but carry no weight."
            )
        elif cls.share_passed_on and result.any_weighted_votes:
            lines.append(
                f"No {plural} voted For or Against, so their {_plain_percent(cls.share_percent)} "
                "share passed to the other classes in proportion to their shares."
            )

    if result.any_weighted_votes:
        counted = (
            "Counting each class's share of the voting power, the result was "
            f"{result.display_for} For and {result.display_against} Against"
        )
        if tie:
            counted += ", a tie"
        if result.outcome is Outcome.QUORUM_NOT_MET:
            counted += ", but this does not count because quorum was not met"
        lines.append(counted + ".")
        lines.append(rule + (" A tie does not pass." if tie else ""))
    return tuple(lines)


def _keyed_by_class_name(mapping: Mapping, label: str, problems: list[str]) -> dict:
    """The mapping keyed by plain class names, so members.models.MemberClass members work too.

    Any enum member is replaced by its value; a class given twice (as a name and as an enum
    member) is reported in `problems`.
    """
    keyed: dict = {}
    for key, value in mapping.items():
        name = _plain(key)
        if name in keyed:
            problems.append(f'The {label} give "{name}" more than once.')
        keyed[name] = value
    return keyed


def _plain(key: object) -> object:
    """An enum member's value (e.g. models.Choice.FOR -> 'for'); anything else unchanged."""
    return key.value if isinstance(key, enum.Enum) else key


def _exact(value: object) -> Fraction | None:
    """An int, Fraction or finite Decimal as a Fraction; None for anything inexact or odd."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    return None


def _count_or_none(value: object) -> int | None:
    """A head count as an int, or None if it is not a whole number of 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _display_places(value: Fraction, places: int, marks: list[Fraction]) -> int | None:
    """The fewest decimal places at which `value` does not round onto a mark it does not equal.

    Tries from `places` up to MAX_PLACES; None if even MAX_PLACES is not enough.
    """
    for shown_places in range(places, max(places, MAX_PLACES) + 1):
        shown = Fraction(_round_half_up(value * 10**shown_places), 10**shown_places)
        if not any(shown == mark != value for mark in marks):
            return shown_places
    return None


def _nearest_mark(value: Fraction, marks: list[Fraction]) -> Fraction:
    """The mark closest to `value` (the one it would otherwise be shown as)."""
    return min(marks, key=lambda mark: abs(mark - value))


def _round_half_up(value: Fraction) -> int:
    """Round to the nearest whole number, halves away from zero."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return -magnitude if value < 0 else magnitude


def _digits(scaled: int, places: int) -> str:
    """Write a whole number of 10**-places units as a decimal, e.g. (1225, 2) -> '12.25'."""
    sign = "-" if scaled < 0 else ""
    whole, rest = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{rest:0{places}d}" if places else f"{sign}{whole}"


def _plain_percent(value: Fraction) -> str:
    """A percentage without needless decimals: 50 -> '50%', 99.9 -> '99.9%'."""
    if value.denominator == 1:
        return f"{value.numerator}%"
    return format_percent(value, keep_apart_from=(0, 100, math.floor(value), math.ceil(value)))


def _count(n: int, singular: str, plural: str) -> str:
    """'1 member', '3 members'."""
    return f"{n} {singular if n == 1 else plural}"


def _was(n: int) -> str:
    """'was' for one, 'were' for any other number."""
    return "was" if n == 1 else "were"
