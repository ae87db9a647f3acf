"""Explained matching: every household either excluded with each hard rule it fails, or ranked
with each soft criterion met, partly met or not met and the facts behind it.

Pure: plain values in, plain values out, so it is tested with Hypothesis and benchmarked alone
(`bench/matching.py`). The service turns households and referrals into these values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

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

#: Miles between the centres of two postcode districts that count as near, and as fairly near.
NEAR_MILES, FAIRLY_NEAR_MILES = 5.0, 15.0
EARTH_RADIUS_MILES = 3958.8

#: A place as (latitude, longitude) in degrees: here, the centre of a postcode district.
Place = tuple[float, float]


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
    #: The centre of its postcode district, when known.
    location: Place | None = None


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
    #: The centre of the postcode district wanted, when known.
    location: Place | None = None


class Criterion(NamedTuple):
    name: str
    outcome: str
    #: The facts behind it, in plain English.
    facts: str


class Excluded(NamedTuple):
    household: HouseholdFacts
    #: Each hard rule it fails, in plain English.
    reasons: tuple[str, ...]


class Ranked(NamedTuple):
    household: HouseholdFacts
    criteria: tuple[Criterion, ...]
    score: int
    #: The rooms that suit and are free on the dates wanted.
    rooms: tuple[RoomFacts, ...] = ()
    #: Great-circle miles between the district centres, when both are known.
    miles: float | None = None


@dataclass(frozen=True)
class Result:
    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]


_STOP_WORDS = {"a", "an", "the", "and", "or", "with", "of", "in", "to"}
_OUTWARD = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)")


def district(postcode: str) -> str:
    """The postcode district (outward code): "DE1 3AB" gives "DE1"."""
    return (postcode or "").strip().upper().split(" ")[0]


def area(postcode: str) -> str:
    """The postcode area (its letters): "DE1 3AB" gives "DE"."""
    found = _OUTWARD.match(district(postcode))
    return found[1] if found else ""


def miles_between(here: Place, there: Place) -> float:
    """Great-circle miles between two places (the haversine formula on a round Earth)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*here, *there))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether [start, end) and [other_start, other_end) share a night; None is open-ended."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


class _Wanted:
    """What a referral asks, worked out once for all the households it is matched against."""

    def __init__(self, referral: ReferralFacts):
        self.referral = referral
        self.long_term = referral.arrangement_type == LONG_TERM
        self.start = referral.wanted_from
        if self.long_term:
            self.end = referral.wanted_until
        else:
            self.end = referral.wanted_until or referral.wanted_from + timedelta(days=1)
        must = referral.must_haves
        self.step_free = "step_free" in must
        self.no_pets = "no_pets" in must
        self.no_smoking = "no_smoking" in must
        self.language_must = "language" in must
        self.faith_must = "faith" in must
        self.woman_carer = "woman_carer" in must
        self.language = referral.language.strip().lower()
        self.faith = referral.faith.strip().lower()
        self.kind = referral.arrangement_type.replace("_", " ")
        self.district = district(referral.postcode)
        self.area = area(referral.postcode)
        self.wish = set(re.findall(r"[a-z]+", referral.household_wish.lower())) - _STOP_WORDS


def _rooms(household: HouseholdFacts, wanted: _Wanted) -> tuple[RoomFacts, ...]:
    start, end = wanted.start, wanted.end
    found = []
    for room in household.rooms:
        if not (room.for_long_term if wanted.long_term else room.for_short_breaks):
            continue
        if wanted.step_free and not room.step_free:
            continue
        for taken_start, taken_end in room.taken:
            if (taken_end is None or start < taken_end) and (end is None or taken_start < end):
                break
        else:
            found.append(room)
    return tuple(found)


def suitable_rooms(household: HouseholdFacts, referral: ReferralFacts) -> tuple[RoomFacts, ...]:
    """Rooms for this kind of arrangement, step-free where that is a must-have, free on the
    dates wanted."""
    return _rooms(household, _Wanted(referral))


def hard_rule_failures(household: HouseholdFacts, referral: ReferralFacts) -> tuple[str, ...]:
    """Every hard rule the household fails for this referral, in plain English."""
    wanted = _Wanted(referral)
    return _failures(household, wanted, _rooms(household, wanted))


def _failures(household: HouseholdFacts, wanted: _Wanted, rooms: tuple) -> tuple[str, ...]:
    reasons = []
    if not household.approved:
        reasons.append("The household is not approved.")
    for lapse in household.lapsed:
        reasons.append(f"Checks out of date: {lapse}.")
    referral = wanted.referral
    if referral.arrangement_type not in household.types:
        reasons.append(f"Not approved for {wanted.kind} arrangements.")
    if household.supporting >= household.max_people:
        reasons.append(
            f"Already supports {household.supporting} of the most {household.max_people} "
            "it is approved for."
        )
    if household.blocked and not wanted.long_term:
        if any(overlaps(wanted.start, wanted.end, s, e) for s, e in household.blocked):
            reasons.append("The carers are on their own break on those dates.")
    if not rooms:
        step_free = " step-free" if wanted.step_free else ""
        reasons.append(f"No suitable{step_free} room is free on the dates wanted.")
    if wanted.no_pets and household.pets.strip():
        reasons.append(f"Must have no pets; the household has {household.pets.strip()}.")
    if wanted.no_smoking and household.smoking:
        reasons.append("Must be a non-smoking home; someone in the household smokes.")
    if wanted.language_must and wanted.language not in household.languages:
        reasons.append(f"Must speak {referral.language}; the household does not.")
    if wanted.faith_must and wanted.faith != household.faith.strip().lower():
        reasons.append(f"Must share the {referral.faith} faith; the household does not.")
    if wanted.woman_carer and not household.has_woman_carer:
        reasons.append("Must have a woman carer; the household has none.")
    if household.exclusions:
        refused = sorted(household.exclusions & referral.needs)
        if refused:
            words = ", ".join(NEEDS.get(need, need) for need in refused)
            reasons.append(f"The household has said it cannot support {words}.")
    return tuple(reasons)


def _miles(household: HouseholdFacts, wanted: _Wanted) -> float | None:
    if household.location is None or wanted.referral.location is None:
        return None
    return miles_between(household.location, wanted.referral.location)


def _distance(household: HouseholdFacts, wanted: _Wanted, miles: float | None) -> Criterion:
    """Near: the same district, or district centres at most 5 miles apart; partly: at most 15
    miles. Where a district's centre is not known, the same postcode area counts as partly."""
    here, there = district(household.postcode), wanted.district
    if here == there:
        return Criterion("distance", MET, f"In the same postcode district ({here}).")
    if miles is not None:
        outcome = MET if miles <= NEAR_MILES else PARTLY if miles <= FAIRLY_NEAR_MILES else NOT_MET
        return Criterion(
            "distance",
            outcome,
            f"About {miles:.1f} miles between the centres of {here} and {there}.",
        )
    if area(household.postcode) == wanted.area:
        return Criterion(
            "distance", PARTLY, f"Distance unknown: {here} is in the same postcode area as {there}."
        )
    return Criterion(
        "distance",
        NOT_MET,
        f"Distance unknown: {here} is in a different postcode area from {there}.",
    )


def _interests(household: HouseholdFacts, wanted: _Wanted) -> Criterion:
    referral = wanted.referral
    shared = sorted(household.interests & referral.interests)
    if not referral.interests:
        return Criterion("interests", MET, "No interests were given to match.")
    if not shared:
        return Criterion("interests", NOT_MET, "No interests in common.")
    outcome = MET if len(shared) * 2 >= len(referral.interests) else PARTLY
    return Criterion("interests", outcome, "Shares an interest in " + ", ".join(shared) + ".")


def _language(household: HouseholdFacts, wanted: _Wanted) -> Criterion:
    referral = wanted.referral
    if not wanted.language:
        return Criterion("language", MET, "No language was asked for.")
    if wanted.language in household.languages:
        return Criterion("language", MET, f"Speaks {referral.language}.")
    return Criterion("language", NOT_MET, f"Does not speak {referral.language}.")


def _faith(household: HouseholdFacts, wanted: _Wanted) -> Criterion:
    referral = wanted.referral
    if not wanted.faith:
        return Criterion("faith", MET, "No faith was asked for.")
    if wanted.faith == household.faith.strip().lower():
        return Criterion("faith", MET, f"Shares the {referral.faith} faith.")
    have = household.faith.strip() or "no stated faith"
    return Criterion("faith", NOT_MET, f"Asked for {referral.faith}; the household: {have}.")


def _household(household: HouseholdFacts, wanted: _Wanted) -> Criterion:
    referral, wish = wanted.referral, wanted.wish
    if not wish:
        return Criterion("household", MET, "No kind of household was asked for.")
    have = set(re.findall(r"[a-z]+", household.makeup.lower()))
    common = sorted(wish & have)
    makeup = household.makeup or "not described"
    if not common:
        return Criterion("household", NOT_MET, f"Wished for {referral.household_wish}; {makeup}.")
    outcome = MET if len(common) == len(wish) else PARTLY
    return Criterion("household", outcome, f"Wished for {referral.household_wish}; {makeup}.")


_OTHER_SOFT = (_interests, _language, _faith, _household)


def match(referral: ReferralFacts, households: list[HouseholdFacts] | tuple) -> Result:
    """Sort every household into excluded (with the hard rules it fails) or ranked (best first,
    ties by distance, name then id, so the order never depends on the input's)."""
    wanted = _Wanted(referral)
    ranked, excluded = [], []
    for household in households:
        rooms = _rooms(household, wanted)
        failures = _failures(household, wanted, rooms)
        if failures:
            excluded.append(Excluded(household, failures))
            continue
        miles = _miles(household, wanted)
        criteria = (_distance(household, wanted, miles),) + tuple(
            rule(household, wanted) for rule in _OTHER_SOFT
        )
        score = sum(_SCORE[criterion.outcome] for criterion in criteria)
        ranked.append(Ranked(household, criteria, score, rooms, miles))
    ranked.sort(key=_rank)
    excluded.sort(key=lambda e: (e.household.name, e.household.id))
    return Result(tuple(ranked), tuple(excluded))


def _rank(ranked: Ranked) -> tuple:
    """Best score first; then the nearer (a distance not known last); then name and id."""
    miles = math.inf if ranked.miles is None else round(ranked.miles, 6)
    return (-ranked.score, miles, ranked.household.name, ranked.household.id)


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
