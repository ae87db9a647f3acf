"""Explained matching: hard rules exclude with every reason, soft criteria rank with facts."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coop.shared_lives import districts
from coop.shared_lives import matching as m

START = date(2027, 5, 1)


def household(id=1, **fields):
    defaults = dict(
        id=id,
        name=f"Household {id}",
        postcode="DE1 3AB",
        approved=True,
        types=frozenset({m.LONG_TERM, m.SHORT_BREAK, m.DAY_SUPPORT}),
        max_people=2,
        rooms=(m.RoomFacts(1, "Front", step_free=True, for_short_breaks=True, for_long_term=True),),
        languages=frozenset({"english"}),
    )
    defaults.update(fields)
    return m.HouseholdFacts(**defaults)


def referral(**fields):
    defaults = dict(
        arrangement_type=m.SHORT_BREAK,
        wanted_from=START,
        wanted_until=START + timedelta(days=3),
        postcode="DE1 1AA",
    )
    defaults.update(fields)
    return m.ReferralFacts(**defaults)


def test_each_hard_rule_names_itself():
    busy = m.RoomFacts(1, "Front", for_short_breaks=True, taken=((START, START + timedelta(1)),))
    failing = household(
        approved=False,
        lapsed=("no DBS check is recorded",),
        types=frozenset({m.LONG_TERM}),
        supporting=2,
        rooms=(busy,),
        pets="a dog",
        smoking=True,
        exclusions=frozenset({"overnight"}),
    )
    wanted = referral(
        must_haves=frozenset({"no_pets", "no_smoking", "woman_carer", "language", "step_free"}),
        language="Punjabi",
        needs=frozenset({"overnight"}),
    )
    result = m.match(wanted, [failing])
    assert result.ranked == ()
    (excluded,) = result.excluded
    assert excluded.reasons == (
        "The household is not approved.",
        "Checks out of date: no DBS check is recorded.",
        "Not approved for short break arrangements.",
        "Already supports 2 of the most 2 it is approved for.",
        "No suitable step-free room is free on the dates wanted.",
        "Must have no pets; the household has a dog.",
        "Must be a non-smoking home; someone in the household smokes.",
        "Must speak Punjabi; the household does not.",
        "Must have a woman carer; the household has none.",
        "The household has said it cannot support overnight support.",
    )


def test_ranked_with_the_facts_behind_each_criterion():
    near = household(1, name="Near", interests=frozenset({"football", "cooking"}))
    far = household(2, name="Far", postcode="NG1 1AA")
    result = m.match(referral(interests=frozenset({"football"})), [far, near])
    assert [r.household.name for r in result.ranked] == ["Near", "Far"]
    criteria = {c.name: c for c in result.ranked[0].criteria}
    assert criteria["distance"] == m.Criterion(
        "distance", m.MET, "In the same postcode district (DE1)."
    )
    assert criteria["interests"].facts == "Shares an interest in football."
    assert result.ranked[1].criteria[0].outcome == m.NOT_MET
    assert "Near where you want to be: Yes." in m.plain_english(result.ranked[0])[0]


def _at(postcode: str, **fields) -> m.HouseholdFacts:
    return household(postcode=postcode, location=districts.centre(postcode), **fields)


def test_the_distance_between_district_centres_is_a_fact_behind_the_ranking():
    wanted = referral(postcode="DE1 1AA", location=districts.centre("DE1 1AA"))
    result = m.match(
        wanted,
        [
            _at("NG1 1AA", id=1, name="Nottingham"),
            _at("SW1A 1AA", id=2, name="London"),
            _at("DE22 1AA", id=3, name="Darley Abbey"),
            _at("DE1 3AB", id=4, name="Derby"),
        ],
    )
    distance = {r.household.name: r.criteria[0] for r in result.ranked}
    assert distance["Derby"] == m.Criterion(
        "distance", m.MET, "In the same postcode district (DE1)."
    )
    assert distance["Darley Abbey"].outcome == m.MET
    assert distance["Darley Abbey"].facts.startswith("About 1.")
    assert distance["Darley Abbey"].facts.endswith("miles between the centres of DE22 and DE1.")
    assert distance["Nottingham"].outcome == m.PARTLY  # about 14 miles
    assert distance["London"].outcome == m.NOT_MET
    miles = {r.household.name: r.miles for r in result.ranked}
    assert 12 < miles["Nottingham"] < 16 and 100 < miles["London"] < 120
    assert [r.household.name for r in result.ranked] == [
        "Derby", "Darley Abbey", "Nottingham", "London"
    ]  # fmt: skip


def test_an_equal_score_puts_the_nearer_household_first():
    wanted = referral(postcode="DE1 1AA", location=districts.centre("DE1 1AA"))
    # Both fairly near (partly met), so their scores tie; Burton is nearer than Nottingham,
    # though its name would put it second.
    result = m.match(
        wanted, [_at("NG1 1AA", id=1, name="A Nottingham"), _at("DE14 1AA", id=2, name="Z Burton")]
    )
    assert [r.criteria[0].outcome for r in result.ranked] == [m.PARTLY, m.PARTLY]
    assert [r.household.name for r in result.ranked] == ["Z Burton", "A Nottingham"]
    assert result.ranked[0].miles < result.ranked[1].miles


def test_a_district_without_a_known_centre_falls_back_to_the_postcode_area():
    # Code-Point Open covers Great Britain: Northern Ireland's districts have no centre.
    assert districts.centre("BT1 1AA") is None
    wanted = referral(postcode="BT7 1NN", location=districts.centre("BT7 1NN"))
    result = m.match(wanted, [_at("BT1 1AA", id=1), _at("DE1 3AB", id=2)])
    facts = {r.household.postcode: r.criteria[0] for r in result.ranked}
    assert facts["BT1 1AA"] == m.Criterion(
        "distance", m.PARTLY, "Distance unknown: BT1 is in the same postcode area as BT7."
    )
    assert facts["DE1 3AB"] == m.Criterion(
        "distance", m.NOT_MET, "Distance unknown: DE1 is in a different postcode area from BT7."
    )


def test_great_circle_miles():
    london, edinburgh = districts.centre("SW1A 1AA"), districts.centre("EH1 1AA")
    assert 325 < m.miles_between(london, edinburgh) < 340
    assert m.miles_between(london, london) == 0
    assert m.miles_between(london, edinburgh) == m.miles_between(edinburgh, london)


def test_a_room_free_after_a_stay_ends_is_free_that_night():
    room = m.RoomFacts(1, "Front", for_short_breaks=True, taken=((START - timedelta(3), START),))
    assert m.match(referral(), [household(rooms=(room,))]).ranked


def test_the_carers_own_break_excludes_short_breaks():
    blocked = household(blocked=((START + timedelta(1), START + timedelta(2)),))
    (excluded,) = m.match(referral(), [blocked]).excluded
    assert "The carers are on their own break on those dates." in excluded.reasons


# --- Properties ---------------------------------------------------------------------------

words = st.sampled_from(["football", "cooking", "music", "gardening", "art"])
rooms = st.builds(
    m.RoomFacts,
    id=st.integers(1, 5),
    name=st.just("Room"),
    step_free=st.booleans(),
    for_long_term=st.booleans(),
    for_short_breaks=st.booleans(),
    taken=st.lists(
        st.tuples(st.integers(-5, 10), st.integers(1, 5)).map(
            lambda t: (START + timedelta(t[0]), START + timedelta(t[0] + t[1]))
        ),
        max_size=2,
    ).map(tuple),
)
households = st.builds(
    m.HouseholdFacts,
    id=st.integers(1, 10_000),
    name=st.sampled_from(["Ash", "Birch", "Cedar", "Damson"]),
    postcode=st.sampled_from(["DE1 3AB", "DE22 1AA", "NG1 1AA", "BT1 1AA"]),
    approved=st.booleans(),
    lapsed=st.lists(st.just("no DBS check is recorded"), max_size=1).map(tuple),
    types=st.frozensets(st.sampled_from([m.LONG_TERM, m.SHORT_BREAK, m.DAY_SUPPORT])),
    max_people=st.integers(1, 3),
    supporting=st.integers(0, 3),
    rooms=st.lists(rooms, max_size=3).map(tuple),
    pets=st.sampled_from(["", "a cat"]),
    smoking=st.booleans(),
    languages=st.frozensets(st.sampled_from(["english", "punjabi", "polish"]), min_size=1),
    faith=st.sampled_from(["", "Sikh", "Christian"]),
    interests=st.frozensets(words),
    makeup=st.sampled_from(["", "couple with teenagers", "single woman"]),
    has_woman_carer=st.booleans(),
    exclusions=st.frozensets(st.sampled_from(list(m.NEEDS))),
).map(lambda h: m.HouseholdFacts(**{**h.__dict__, "location": districts.centre(h.postcode)}))
referrals = st.builds(
    m.ReferralFacts,
    arrangement_type=st.sampled_from([m.LONG_TERM, m.SHORT_BREAK, m.DAY_SUPPORT]),
    wanted_from=st.just(START),
    wanted_until=st.sampled_from([None, START + timedelta(2)]),
    postcode=st.sampled_from(["DE1 1AA", "DE3 9AA", "S1 2AB"]),
    needs=st.frozensets(st.sampled_from(list(m.NEEDS))),
    must_haves=st.frozensets(st.sampled_from(list(m.MUST_HAVES))),
    language=st.sampled_from(["", "Punjabi"]),
    faith=st.sampled_from(["", "Sikh"]),
    interests=st.frozensets(words),
    household_wish=st.sampled_from(["", "a couple", "a single woman"]),
).map(lambda r: m.ReferralFacts(**{**r.__dict__, "location": districts.centre(r.postcode)}))


@given(referrals, st.lists(households, max_size=12, unique_by=lambda h: h.id))
def test_a_household_failing_any_hard_rule_is_never_ranked(wanted, found):
    result = m.match(wanted, found)
    assert len(result.ranked) + len(result.excluded) == len(found)
    for ranked in result.ranked:
        assert m.hard_rule_failures(ranked.household, wanted) == ()
        assert ranked.household.approved and not ranked.household.lapsed
        assert wanted.arrangement_type in ranked.household.types
        assert ranked.household.supporting < ranked.household.max_people
        assert ranked.rooms
    for excluded in result.excluded:
        assert excluded.reasons


@given(referrals, st.lists(households, max_size=12, unique_by=lambda h: h.id))
def test_every_ranked_household_lists_every_criterion(wanted, found):
    for ranked in m.match(wanted, found).ranked:
        assert tuple(c.name for c in ranked.criteria) == m.CRITERIA
        assert all(c.outcome in (m.MET, m.PARTLY, m.NOT_MET) and c.facts for c in ranked.criteria)


@given(referrals, st.lists(households, max_size=12, unique_by=lambda h: h.id), st.randoms())
def test_the_order_is_deterministic(wanted, found, random):
    shuffled = list(found)
    random.shuffle(shuffled)
    first, second = m.match(wanted, found), m.match(wanted, shuffled)
    assert [r.household for r in first.ranked] == [r.household for r in second.ranked]
    assert sorted(map(repr, first.excluded)) == sorted(map(repr, second.excluded))
    scores = [r.score for r in first.ranked]
    assert scores == sorted(scores, reverse=True)
