"""Explained matching: every household either excluded with each hard rule it fails, or ranked
with each soft criterion met, partly met or not met and the facts behind it.

Pure: plain values in, plain values out, so it is tested with Hypothesis and benchmarked alone
(`bench/matching.py`). The service turns households and referrals into these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

LONG_TERM, SHORT_BREAK, DAY_SUPPORT = "long_term", "short_break", "day_support"

#: Must-haves a referral may name, in the words pages show.
MUST_HAVES = {
    "step_free": "a step-free home",
    "no_pets": "no pets",
    "no_smoking": "no smoking",
    "language": "a carer who speaks their language",
    "faith": "a faith community the household shares",
    "woman_carer": "a woman carer",
}

#: Needs a referral may name (special-category data), in the words pages show.
NEEDS = {
    "personal_care": "personal care",
    "medication": "medication support",
    "mobility": "mobility",
    "communication": "communication",
    "behaviour": "behaviour that challenges",
    "overnight": "overnight support",
}

#: The soft criteria, in the order every ranked household lists them.
CRITERIA = ("distance", "interests", "language", "faith", "household")

MET, PARTLY, NOT_MET = "met", "partly met", "not met"
_SCORE = {MET: 2, PARTLY: 1, NOT_MET: 0}


@dataclass(frozen=True)
class RoomFacts:
    id: int
    name: str
    step_free: bool = False
    en_suite: bool = False
    for_long_term: bool = False
    for_short_breaks: bool = False
    #: Nights already taken, as [start, end) pairs (short breaks, carers' breaks, long-term).
    taken: tuple[tuple[date, date | None], ...] = ()


@dataclass(frozen=True)
class HouseholdFacts:
    id: int
    name: str
    postcode: str
    approved: bool
    #: Reasons the household's checks are out of date, e.g. ("the DBS check is over 3 years old",)
    lapsed: tuple[str, ...] = ()
    types: frozenset[str] = frozenset()
    max_people: int = 1
    #: People supported now, or on the dates wanted.
    supporting: int = 0
    rooms: tuple[RoomFacts, ...] = ()
    pets: str = ""
    smoking: bool = False
    languages: frozenset[str] = frozenset()
    faith: str = ""
    interests: frozenset[str] = frozenset()
    makeup: str = ""
    has_woman_carer: bool = False
    exclusions: frozenset[str] = frozenset()
    #: The household's own break dates, as [start, end) pairs.
    blocked: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class ReferralFacts:
    arrangement_type: str
    wanted_from: date
    wanted_until: date | None
    postcode: str
    needs: frozenset[str] = frozenset()
    must_haves: frozenset[str] = frozenset()
    language: str = ""
    faith: str = ""
    interests: frozenset[str] = frozenset()
    household_wish: str = ""


@dataclass(frozen=True)
class Criterion:
    name: str
    outcome: str
    #: The facts behind it, in plain English.
    facts: str


@dataclass(frozen=True)
class Excluded:
    household: HouseholdFacts
    #: Each hard rule it fails, in plain English.
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranked:
    household: HouseholdFacts
    criteria: tuple[Criterion, ...]
    score: int
    #: The rooms that suit and are free on the dates wanted.
    rooms: tuple[RoomFacts, ...] = field(default=())


@dataclass(frozen=True)
class Result:
    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]


_OUTWARD = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)")


def district(postcode: str) -> str:
    """The postcode district (outward code): "DE1 3AB" gives "DE1"."""
    return (postcode or "").strip().upper().split(" ")[0]


def area(postcode: str) -> str:
    """The postcode area (its letters): "DE1 3AB" gives "DE"."""
    found = _OUTWARD.match(district(postcode))
    return found[1] if found else ""


def _overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether [start, end) and [other_start, other_end) share a night; None is open-ended."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def _wanted_end(referral: ReferralFacts) -> date | None:
    if referral.arrangement_type == LONG_TERM:
        return referral.wanted_until
    return referral.wanted_until or referral.wanted_from + timedelta(days=1)


def suitable_rooms(household: HouseholdFacts, referral: ReferralFacts) -> tuple[RoomFacts, ...]:
    """Rooms for this kind of arrangement, step-free where that is a must-have, free on the
    dates wanted."""
    long_term = referral.arrangement_type == LONG_TERM
    end = _wanted_end(referral)
    return tuple(
        room
        for room in household.rooms
        if (room.for_long_term if long_term else room.for_short_breaks)
        and (room.step_free or "step_free" not in referral.must_haves)
        and not any(_overlaps(referral.wanted_from, end, s, e) for s, e in room.taken)
    )


def hard_rule_failures(household: HouseholdFacts, referral: ReferralFacts) -> tuple[str, ...]:
    """Every hard rule the household fails for this referral, in plain English."""
    reasons = []
    if not household.approved:
        reasons.append("The household is not approved.")
    reasons.extend(f"Checks out of date: {lapse}." for lapse in household.lapsed)
    if referral.arrangement_type not in household.types:
        kind = referral.arrangement_type.replace("_", " ")
        reasons.append(f"Not approved for {kind} arrangements.")
    if household.supporting >= household.max_people:
        reasons.append(
            f"Already supports {household.supporting} of the most {household.max_people} "
            "it is approved for."
        )
    end = _wanted_end(referral)
    if referral.arrangement_type != LONG_TERM and any(
        _overlaps(referral.wanted_from, end, s, e) for s, e in household.blocked
    ):
        reasons.append("The carers are on their own break on those dates.")
    if not suitable_rooms(household, referral):
        needs_step_free = " step-free" if "step_free" in referral.must_haves else ""
        reasons.append(f"No suitable{needs_step_free} room is free on the dates wanted.")
    must = referral.must_haves
    if "no_pets" in must and household.pets.strip():
        reasons.append(f"Must have no pets; the household has {household.pets.strip()}.")
    if "no_smoking" in must and household.smoking:
        reasons.append("Must be a non-smoking home; someone in the household smokes.")
    if "language" in must and referral.language.lower() not in household.languages:
        reasons.append(f"Must speak {referral.language}; the household does not.")
    if "faith" in must and referral.faith.strip().lower() != household.faith.strip().lower():
        reasons.append(f"Must share the {referral.faith} faith; the household does not.")
    if "woman_carer" in must and not household.has_woman_carer:
        reasons.append("Must have a woman carer; the household has none.")
    refused = sorted(household.exclusions & referral.needs)
    if refused:
        words = ", ".join(NEEDS.get(need, need) for need in refused)
        reasons.append(f"The household has said it cannot support {words}.")
    return tuple(reasons)


def _distance(household: HouseholdFacts, referral: ReferralFacts) -> Criterion:
    here, there = district(household.postcode), district(referral.postcode)
    if here == there:
        return Criterion("distance", MET, f"In the same postcode district ({here}).")
    if area(household.postcode) == area(referral.postcode):
        return Criterion(
            "distance", PARTLY, f"In the same postcode area: {here}, wanted near {there}."
        )
    return Criterion("distance", NOT_MET, f"In {here}, a different postcode area from {there}.")


def _interests(household: HouseholdFacts, referral: ReferralFacts) -> Criterion:
    shared = sorted(household.interests & referral.interests)
    if not referral.interests:
        return Criterion("interests", MET, "No interests were given to match.")
    if not shared:
        return Criterion("interests", NOT_MET, "No interests in common.")
    outcome = MET if len(shared) * 2 >= len(referral.interests) else PARTLY
    return Criterion("interests", outcome, "Shares an interest in " + ", ".join(shared) + ".")


def _language(household: HouseholdFacts, referral: ReferralFacts) -> Criterion:
    wanted = referral.language.strip().lower()
    if not wanted:
        return Criterion("language", MET, "No language was asked for.")
    if wanted in household.languages:
        return Criterion("language", MET, f"Speaks {referral.language}.")
    return Criterion("language", NOT_MET, f"Does not speak {referral.language}.")


def _faith(household: HouseholdFacts, referral: ReferralFacts) -> Criterion:
    wanted = referral.faith.strip().lower()
    if not wanted:
        return Criterion("faith", MET, "No faith was asked for.")
    if wanted == household.faith.strip().lower():
        return Criterion("faith", MET, f"Shares the {referral.faith} faith.")
    have = household.faith.strip() or "no stated faith"
    return Criterion("faith", NOT_MET, f"Asked for {referral.faith}; the household: {have}.")


def _household(household: HouseholdFacts, referral: ReferralFacts) -> Criterion:
    wish = set(re.findall(r"[a-z]+", referral.household_wish.lower())) - _STOP_WORDS
    if not wish:
        return Criterion("household", MET, "No kind of household was asked for.")
    have = set(re.findall(r"[a-z]+", household.makeup.lower()))
    common = sorted(wish & have)
    makeup = household.makeup or "not described"
    if not common:
        return Criterion("household", NOT_MET, f"Wished for {referral.household_wish}; {makeup}.")
    outcome = MET if len(common) == len(wish) else PARTLY
    return Criterion("household", outcome, f"Wished for {referral.household_wish}; {makeup}.")


_STOP_WORDS = {"a", "an", "the", "and", "or", "with", "of", "in", "to"}
_SOFT = (_distance, _interests, _language, _faith, _household)


def match(referral: ReferralFacts, households: list[HouseholdFacts] | tuple) -> Result:
    """Sort every household into excluded (with the hard rules it fails) or ranked (best first,
    ties by name then id, so the order never depends on the input's)."""
    ranked, excluded = [], []
    for household in households:
        failures = hard_rule_failures(household, referral)
        if failures:
            excluded.append(Excluded(household, failures))
            continue
        criteria = tuple(rule(household, referral) for rule in _SOFT)
        score = sum(_SCORE[criterion.outcome] for criterion in criteria)
        ranked.append(Ranked(household, criteria, score, suitable_rooms(household, referral)))
    ranked.sort(key=lambda r: (-r.score, r.household.name, r.household.id))
    excluded.sort(key=lambda e: (e.household.name, e.household.id))
    return Result(tuple(ranked), tuple(excluded))


def plain_english(ranked: Ranked) -> list[str]:
    """The reasons a household was suggested, as the person's page says them."""
    words = {MET: "Yes", PARTLY: "Partly", NOT_MET: "No"}
    titles = {
        "distance": "Near where you want to be",
        "interests": "Interests you share",
        "language": "Your language",
        "faith": "Your faith",
        "household": "The kind of household you wished for",
    }
    return [f"{titles[c.name]}: {words[c.outcome]}. {c.facts}" for c in ranked.criteria]
