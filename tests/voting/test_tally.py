"""Tests for the exact surplus-ballot count (Method of Equal Shares, Add1, comparison)."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.money import format_pence
from coop.voting import tally as tally_module
from coop.voting.pabulib import read_pb
from coop.voting.tally import (
    Ballot,
    Proposal,
    class_weights,
    explain,
    explain_share,
    tally,
)

DATA = Path(__file__).parent.parent / "data" / "pabulib"


# A deliberately plain reference count: one voter at a time, Fractions throughout,
# following the words of the rules. The fast count must agree with it exactly.


def _ref_equal_shares(proposals, ballots, endowment):
    """Equal shares for a fixed money per unit of weight: the rounds as (id, rho)."""
    voters = [(set(b.approved), Fraction(b.weight)) for b in ballots if b.weight > 0]
    money = [endowment * w for _, w in voters]
    support = {p.id: sum((w for a, w in voters if p.id in a), Fraction(0)) for p in proposals}
    order = {p.id: i for i, p in enumerate(proposals)}
    remaining = [p for p in proposals if support[p.id] > 0]
    rounds = []
    while True:
        best = None
        for p in list(remaining):
            cost = Fraction(p.cost)
            backers = [i for i, (a, _) in enumerate(voters) if p.id in a]
            if sum(money[i] for i in backers) < cost:
                remaining.remove(p)
                continue
            # The smallest rho: backers sorted by money per unit of weight; whoever
            # cannot pay rho * weight * cost pays all they have.
            backers.sort(key=lambda i: money[i] / voters[i][1])
            paid, rest = Fraction(0), support[p.id]
            for i in backers:
                w = voters[i][1]
                if money[i] / w < (cost - paid) / rest:
                    paid += money[i]
                    rest -= w
                else:
                    break
            rho = (cost - paid) / rest / cost
            key = (rho, -support[p.id], order[p.id])
            if best is None or key < best[0]:
                best = (key, p)
        if best is None:
            return rounds
        (rho, _, _), p = best
        remaining.remove(p)
        rounds.append((p.id, rho))
        for i, (a, w) in enumerate(voters):
            if p.id in a:
                money[i] -= min(money[i], rho * w * Fraction(p.cost))


def _ref_greedy(proposals, ballots, budget):
    support = {
        p.id: sum((Fraction(b.weight) for b in ballots if p.id in b.approved), Fraction(0))
        for p in proposals
    }
    order = sorted(
        (p for p in proposals if support[p.id] > 0),
        key=lambda p: (-support[p.id], proposals.index(p)),
    )
    chosen, left = set(), Fraction(budget)
    for p in order:
        if p.cost <= left:
            chosen.add(p.id)
            left -= p.cost
    return chosen


def _ref_tally(proposals, ballots, budget, *, rule="mes", completion=True, comparison=True, unit=1):
    """The selected ids (ballot order), the outcome's source and the final endowment."""
    budget = Fraction(budget)
    cost = {p.id: Fraction(p.cost) for p in proposals}
    ids = [p.id for p in proposals]
    greedy = _ref_greedy(proposals, ballots, budget)
    if rule == "greedy":
        return [i for i in ids if i in greedy], "greedy", None
    total = sum((Fraction(b.weight) for b in ballots if b.weight > 0), Fraction(0))
    if total == 0:
        endowment = Fraction(0)
        chosen = set()
    elif not completion:
        endowment = budget / total
        chosen = {pid for pid, _ in _ref_equal_shares(proposals, ballots, endowment)}
    else:
        endowment = math.floor(budget / (total * unit)) * unit
        chosen = {pid for pid, _ in _ref_equal_shares(proposals, ballots, endowment)}
        backed = {pid for b in ballots if b.weight > 0 for pid in b.approved}
        # Raise while the next outcome fits, even past an exhaustive one; once everything
        # backed is funded, every later outcome fits and raising would never end.
        while not backed <= chosen:
            bigger = {pid for pid, _ in _ref_equal_shares(proposals, ballots, endowment + unit)}
            if sum((cost[c] for c in bigger), Fraction(0)) > budget:
                break
            endowment += unit
            chosen = bigger
    source = "mes"
    if comparison:
        prefer_mes = prefer_greedy = Fraction(0)
        for b in ballots:
            if b.weight <= 0:
                continue
            a, g = len(b.approved & chosen), len(b.approved & greedy)
            if a > g:
                prefer_mes += Fraction(b.weight)
            elif g > a:
                prefer_greedy += Fraction(b.weight)
        if prefer_greedy > prefer_mes:
            chosen, source = greedy, "greedy"
    return [i for i in ids if i in chosen], source, endowment


# Random small elections.

WEIGHTS = [Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 4), Fraction(5, 3), Fraction(0)]
WHOLE = [0, 1, 2, 3, 4]


@st.composite
def elections(draw, weights=WEIGHTS, max_voters=9):
    n = draw(st.integers(1, 6))
    proposals = [Proposal(f"p{i}", draw(st.integers(1, 40))) for i in range(n)]
    ids = [p.id for p in proposals]
    ballots = [
        Ballot(
            f"v{v}",
            frozenset(draw(st.sets(st.sampled_from(ids)))),
            draw(st.sampled_from(weights)),
        )
        for v in range(draw(st.integers(0, max_voters)))
    ]
    budget = draw(st.integers(0, 120))
    return proposals, ballots, budget


@st.composite
def crowded_elections(draw, weights=WEIGHTS[:5]):
    """Few proposals, many overlapping ballots and a tight budget, so that backers often
    run out and pay all they have left."""
    n = draw(st.integers(2, 5))
    proposals = [Proposal(f"p{i}", draw(st.integers(5, 60))) for i in range(n)]
    ids = [p.id for p in proposals]
    ballots = [
        Ballot(
            f"v{v}",
            frozenset(draw(st.sets(st.sampled_from(ids), min_size=1))),
            draw(st.sampled_from(weights)),
        )
        for v in range(draw(st.integers(3, 12)))
    ]
    budget = draw(st.integers(sum(p.cost for p in proposals) // 3, sum(p.cost for p in proposals)))
    return proposals, ballots, budget


def any_election():
    return st.one_of(elections(), crowded_elections())


def whole_weight_election():
    return st.one_of(elections(weights=WHOLE, max_voters=7), crowded_elections(weights=WHOLE[1:]))


OPTIONS = st.fixed_dictionaries(
    {
        "completion": st.booleans(),
        "comparison": st.booleans(),
        "unit": st.sampled_from([1, 2, 5]),
    }
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(any_election())
def test_equal_shares_rounds_match_the_reference_exactly(election):
    proposals, ballots, budget = election
    result = tally(proposals, ballots, budget, completion=False, comparison=False)
    total = sum((Fraction(b.weight) for b in ballots if b.weight > 0), Fraction(0))
    endowment = Fraction(budget) / total if total else Fraction(0)
    expected = _ref_equal_shares(proposals, ballots, endowment) if total else []
    assert [(r.proposal, r.rho) for r in result.rounds] == expected
    assert result.endowment == endowment


@FAST
@given(any_election(), OPTIONS)
def test_every_option_matches_the_reference(election, options):
    proposals, ballots, budget = election
    result = tally(proposals, ballots, budget, **options)
    selected, source, endowment = _ref_tally(proposals, ballots, budget, **options)
    assert list(result.selected) == selected
    assert result.outcome == source
    assert result.endowment == endowment
    assert result.spent <= budget


@settings(max_examples=100, deadline=None)
@given(any_election(), OPTIONS)
def test_forgetting_remembered_backer_groups_changes_nothing(election, options):
    proposals, ballots, budget = election
    limit = tally_module._CLASS_CACHE_LIMIT
    tally_module._CLASS_CACHE_LIMIT = 0
    try:
        result = tally(proposals, ballots, budget, **options)
    finally:
        tally_module._CLASS_CACHE_LIMIT = limit
    assert list(result.selected) == _ref_tally(proposals, ballots, budget, **options)[0]


@FAST
@given(any_election())
def test_greedy_rule_matches_the_reference(election):
    proposals, ballots, budget = election
    result = tally(proposals, ballots, budget, rule="greedy")
    assert list(result.selected) == _ref_tally(proposals, ballots, budget, rule="greedy")[0]
    assert result.rounds == ()


def _repeated(ballots):
    """The unweighted election in which each ballot appears `weight` times."""
    return [
        Ballot(f"{b.voter}-{copy}", b.approved) for b in ballots for copy in range(int(b.weight))
    ]


@FAST
@given(whole_weight_election())
def test_whole_weights_equal_repeated_ballots_for_equal_shares_alone(election):
    proposals, ballots, budget = election
    weighted = tally(proposals, ballots, budget, completion=False, comparison=False)
    repeated = tally(proposals, _repeated(ballots), budget, completion=False, comparison=False)
    assert weighted.selected == repeated.selected
    assert [(r.proposal, r.rho) for r in weighted.rounds] == [
        (r.proposal, r.rho) for r in repeated.rounds
    ]


@FAST
@given(whole_weight_election(), st.sampled_from([1, 3]))
def test_whole_weights_equal_repeated_ballots_with_completion(election, unit):
    proposals, ballots, budget = election
    weighted = tally(proposals, ballots, budget, comparison=False, unit=unit)
    repeated = tally(proposals, _repeated(ballots), budget, comparison=False, unit=unit)
    assert weighted.selected == repeated.selected
    assert weighted.endowment == repeated.endowment


@FAST
@given(whole_weight_election(), st.sampled_from([1, 3]))
def test_whole_weights_equal_repeated_ballots_with_comparison(election, unit):
    proposals, ballots, budget = election
    weighted = tally(proposals, ballots, budget, unit=unit)
    repeated = tally(proposals, _repeated(ballots), budget, unit=unit)
    assert weighted.selected == repeated.selected
    assert weighted.outcome == repeated.outcome
    assert weighted.prefer_mes == repeated.prefer_mes
    assert weighted.prefer_greedy == repeated.prefer_greedy


@FAST
@given(any_election())
def test_payments_add_up_to_the_cost_and_never_exceed_a_share(election):
    proposals, ballots, budget = election
    result = tally(proposals, ballots, budget, comparison=False)
    for round_ in result.rounds:
        paid = result.payments(round_.proposal)
        assert sum(paid.values()) == result.proposal(round_.proposal).cost
        groups = result.proposal(round_.proposal).payments
        assert sum(g.paid for g in groups) == result.proposal(round_.proposal).cost
        assert sum(g.voters for g in groups) == result.proposal(round_.proposal).approvals
        for g in groups:
            assert g.least <= g.most <= g.share
            assert g.least * g.voters <= g.paid <= g.most * g.voters
            if not g.paid_all:
                assert g.least == g.most == round_.payment_per_weight * g.weight
    for ballot in ballots:
        share = result.share(ballot.voter)
        assert share.left >= 0
        assert sum(share.payments.values()) + share.left == share.share


# Worked examples, checked by hand.


def _ballots(*rows):
    return [Ballot(f"v{i + 1}", frozenset(a), w) for i, (a, w) in enumerate(rows)]


def test_a_tie_in_rho_and_approvals_goes_to_the_proposal_listed_first():
    # 4 members with £25 each. Garden (£60): its 2 backers have only £50.
    # Bench (£40) and Lamp (£30) both cost each backer half of their price (rho 1/2),
    # with 2 approvals each: Bench is listed first, so it is bought first. Then v3 has
    # £5 left and pays it all for Lamp, and v4 pays the other £25 (rho 25/30).
    proposals = [Proposal("garden", 6000), Proposal("bench", 4000), Proposal("lamp", 3000)]
    ballots = _ballots(
        ({"garden", "bench"}, 1), ({"garden"}, 1), ({"bench", "lamp"}, 1), ({"lamp"}, 1)
    )
    result = tally(proposals, ballots, 10000, completion=False, comparison=False)
    assert [(r.proposal, r.rho) for r in result.rounds] == [
        ("bench", Fraction(1, 2)),
        ("lamp", Fraction(5, 6)),
    ]
    assert result.selected == ("bench", "lamp")
    assert result.endowment == 2500
    assert result.proposal("garden").backers_left == 3000
    assert result.payments("lamp") == {"v3": 500, "v4": 2500}
    assert result.share("v3").payments == {"bench": 2000, "lamp": 500}
    # Listed the other way round, Lamp wins the tie; each of its backers pays £15, and
    # Bench's backers are then left with £25 + £10 = £35, short of its £40.
    swapped = tally(proposals[::-1], ballots, 10000, completion=False, comparison=False)
    assert [(r.proposal, r.rho) for r in swapped.rounds] == [("lamp", Fraction(1, 2))]
    assert swapped.proposal("bench").backers_left == 3500


def test_a_tie_in_rho_goes_to_more_weighted_approvals_before_ballot_order():
    # Money per unit of weight 20. Round 1: X (cost 64, 4 backers) at rho 1/4; v1 keeps 4.
    # Round 2: P (cost 36, one backer of weight 9/4: rho 4/9) ties with Q (cost 36; v1 pays
    # their 4, v2 and v3 pay 16 each: rho 16/36 = 4/9). Q has 3 weighted approvals to P's
    # 9/4, so Q is bought first although P is listed first.
    proposals = [Proposal("X", 64), Proposal("P", 36), Proposal("Q", 36)]
    ballots = _ballots(
        ({"X", "Q"}, 1),
        ({"Q"}, 1),
        ({"Q"}, 1),
        ({"P"}, Fraction(9, 4)),
        ({"X"}, 1),
        ({"X"}, 1),
        ({"X"}, 1),
    )
    result = tally(proposals, ballots, 165, completion=False, comparison=False)
    assert result.endowment == 20
    assert [(r.proposal, r.rho) for r in result.rounds] == [
        ("X", Fraction(1, 4)),
        ("Q", Fraction(4, 9)),
        ("P", Fraction(4, 9)),
    ]
    q = result.proposal("Q")
    assert q.round == 2
    assert q.payment_per_weight == 16
    assert [(g.voters, g.paid_all, g.paid, g.least, g.most) for g in q.payments] == [
        (2, False, 32, 16, 16),
        (1, True, 4, 4, 4),
    ]


def test_completion_raises_shares_while_the_outcome_fits():
    # Budget 10, two members: 5 each. A (6) is out of reach and B (4) is bought. Raising
    # shares to 6 buys both, for exactly 10, and then everything backed is funded.
    proposals = [Proposal("A", 6), Proposal("B", 4)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1))
    plain = tally(proposals, ballots, 10, completion=False, comparison=False)
    assert plain.selected == ("B",)
    completed = tally(proposals, ballots, 10, comparison=False)
    assert completed.selected == ("A", "B")
    assert completed.endowment == 6
    assert completed.completion_steps == 1


def test_completion_raises_through_unchanged_outcomes():
    # Budget 80, two members: 40 each. A (10) is bought; B (60) needs a share of 60.
    # Every raise from 41 to 59 gives the same outcome; at 60 both fit (70 <= 80).
    proposals = [Proposal("A", 10), Proposal("B", 60)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1))
    result = tally(proposals, ballots, 80, comparison=False)
    assert (result.selected, result.endowment, result.completion_steps) == (("A", "B"), 60, 20)
    assert _ref_tally(proposals, ballots, 80, comparison=False) == (["A", "B"], "mes", 60)


def test_completion_of_a_small_ballot_with_a_long_way_to_go():
    # 19 members of weight 21/20 and one of weight 1/20 (total weight 20), budget £10,000:
    # shares start at £500. Everything fits the budget, and "big" (£3,000) is backed only
    # by the light member, who needs a share of £60,000 per unit of weight to afford it.
    proposals = [Proposal(f"p{i}", 40000) for i in range(10)] + [Proposal("big", 300000)]
    ballots = [
        Ballot(f"m{i}", {f"p{i % 10}", f"p{(i + 3) % 10}"}, Fraction(21, 20)) for i in range(19)
    ] + [Ballot("x", {"big"}, Fraction(1, 20))]
    result = tally(proposals, ballots, 1_000_000, unit=100)
    assert result.endowment == 6_000_000
    assert result.completion_steps == 59_500
    assert result.selected == tuple(p.id for p in proposals)


def test_completion_keeps_the_last_outcome_that_fits_and_comparison_can_switch():
    # Budget 13, three members: shares start at 4 and nothing (cost 5 each) is affordable.
    # At 5 all three would be bought for 15 > 13, so completion keeps the empty outcome.
    # Greedy funds A and B; two members prefer that and none prefers nothing, so it wins.
    proposals = [Proposal("A", 5), Proposal("B", 5), Proposal("C", 5)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1), ({"C"}, 1))
    no_switch = tally(proposals, ballots, 13, comparison=False)
    assert no_switch.selected == ()
    assert no_switch.endowment == 4
    assert no_switch.completion_steps == 0
    result = tally(proposals, ballots, 13)
    assert result.mes_selected == ()
    assert result.greedy_selected == ("A", "B")
    assert (result.prefer_mes, result.prefer_greedy) == (0, 2)
    assert result.outcome == "greedy"
    assert result.selected == ("A", "B")


# Hand-built elections on which the two completion rules disagree: the short reference code
# on equalshares.net stops raising shares as soon as nothing more fits the budget; the tool
# that counts real elections keeps raising while the next outcome fits. The count follows
# the tool.


def _exhaustive(proposals, selected, budget):
    """Whether nothing more could be added to `selected` within the budget."""
    spent = sum(p.cost for p in proposals if p.id in selected)
    return all(spent + p.cost > budget for p in proposals if p.id not in selected)


def test_completion_raises_past_an_exhaustive_outcome_to_a_different_one():
    # Budget £20, four members: £5 each. The van (£17) is backed by v1, v2 and v3, the
    # garden (£9) by v1 and v2, the kiln (£12) by v4 alone. At £5 the van's backers have
    # only £15, so the garden is bought; then neither the van nor the kiln fits beside it.
    proposals = [Proposal("van", 17), Proposal("garden", 9), Proposal("kiln", 12)]
    ballots = _ballots(({"van", "garden"}, 1), ({"van", "garden"}, 1), ({"van"}, 1), ({"kiln"}, 1))
    at_start = tally(proposals, ballots, 20, completion=False, comparison=False)
    assert at_start.selected == ("garden",)
    assert _exhaustive(proposals, at_start.selected, 20)  # where the short code stops
    # At £6 the van is affordable, each backer paying a third of it (rho 1/3, against the
    # garden's 1/2), so it is bought first and the garden's backers have too little left.
    # The van alone fits, and stays the outcome up to £10; at £11 the garden would come
    # too, for £26, over the budget.
    result = tally(proposals, ballots, 20, comparison=False)
    assert result.selected == ("van",)
    assert (result.start_endowment, result.endowment, result.completion_steps) == (5, 10, 5)
    assert result.next_cost == 26
    assert [(r.proposal, r.rho) for r in result.rounds] == [("van", Fraction(1, 3))]
    assert _ref_tally(proposals, ballots, 20, comparison=False) == (["van"], "mes", 10)


def test_completion_past_an_exhaustive_outcome_with_weights_in_pounds():
    # The same shape with weights, counted in pence and raised £1 per unit of weight:
    # v1 (weight 2) backs the van and the garden, v2 (weight 1/2) the van, v3 (weight 3/2)
    # the kiln. Budget £20 over weight 4: £5 per unit of weight. At £5 and £6 the van's
    # backers have £12.50 and £15, so the garden is bought and nothing fits beside it. At £7
    # they have £17.50 and buy the van (rho 2/5); at £8 the kiln's backer could buy it too,
    # for £29 in all, so the count stops at £7.
    proposals = [Proposal("van", 1700), Proposal("garden", 900), Proposal("kiln", 1200)]
    ballots = _ballots(
        ({"van", "garden"}, 2), ({"van"}, Fraction(1, 2)), ({"kiln"}, Fraction(3, 2))
    )
    at_start = tally(proposals, ballots, 2000, completion=False, comparison=False)
    assert at_start.selected == ("garden",)
    assert _exhaustive(proposals, at_start.selected, 2000)
    result = tally(proposals, ballots, 2000, comparison=False, unit=100)
    assert result.selected == ("van",)
    assert (result.start_endowment, result.endowment, result.next_cost) == (500, 700, 2900)
    assert result.rounds[0].rho == Fraction(2, 5)
    assert result.share("v1").payments == {"van": 1360}
    assert _ref_tally(proposals, ballots, 2000, comparison=False, unit=100)[:2] == (["van"], "mes")


def test_completion_past_an_exhaustive_outcome_changes_what_the_comparison_decides():
    # Budget £11, four members: shares start at £2, and both rules raise them to £3.
    # v1 backs the garden (£8) and the bench (£2), v3 the garden, v4 the lamp (£3), and v2
    # voted for nothing. At £3 the bench and the lamp are bought, for £5, and the garden
    # no longer fits: the short code would stop there, and then greedy (garden and bench,
    # the most approved first) would win the comparison, preferred by v1 and v3 against v4.
    proposals = [Proposal("garden", 800), Proposal("bench", 200), Proposal("lamp", 300)]
    ballots = _ballots(({"garden", "bench"}, 1), (set(), 1), ({"garden"}, 1), ({"lamp"}, 1))
    at_three = tally(proposals, ballots, 1200, completion=False, comparison=False)
    assert at_three.selected == ("bench", "lamp")
    assert _exhaustive(proposals, at_three.selected, 1100)
    # The count goes on: at £4 the garden is bought first (each backer pays half), then
    # the lamp, for £11, and so up to £5; at £6 the bench would come too, for £13.
    result = tally(proposals, ballots, 1100, unit=100)
    assert result.mes_selected == ("garden", "lamp")
    assert (result.start_endowment, result.endowment, result.next_cost) == (200, 500, 1300)
    # Against greedy's garden and bench: v1 prefers greedy, v4 equal shares, v3 neither,
    # so equal shares stand.
    assert result.greedy_selected == ("garden", "bench")
    assert (result.prefer_mes, result.prefer_greedy) == (1, 1)
    assert result.outcome == "mes"
    assert result.selected == ("garden", "lamp")
    assert _ref_tally(proposals, ballots, 1100, unit=100) == (["garden", "lamp"], "mes", 500)


def test_completion_counts_in_whole_pounds_when_money_is_pence():
    # £100 among 3 members is £33.33 each; completion starts at £33 and rises by £1.
    proposals = [Proposal("A", 3400), Proposal("B", 3400), Proposal("C", 3100)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1), ({"C"}, 1))
    result = tally(proposals, ballots, 10000, comparison=False, unit=100)
    # At £33 only C is affordable; at £34 all three would cost £99 <= £100.
    assert result.endowment == 3400
    assert result.selected == ("A", "B", "C")


def test_class_weights_share_out_each_class_and_average_one():
    weights = class_weights(
        {"budget_holder": Fraction(1, 2), "pa": Fraction(1, 2), "carer": Fraction(0)},
        {"budget_holder": 2, "pa": 8, "carer": 5},
    )
    # Ten voters are counted (carers have share 0): budget holders 5 / 2, PAs 5 / 8.
    assert weights == {
        "budget_holder": Fraction(5, 2),
        "pa": Fraction(5, 8),
        "carer": Fraction(0),
    }
    assert 2 * weights["budget_holder"] + 8 * weights["pa"] == 10


def test_class_weights_with_a_share_but_no_voters():
    weights = class_weights({"a": Fraction(1, 3), "b": Fraction(2, 3)}, {"a": 4, "b": 0})
    assert weights == {"a": Fraction(1), "b": Fraction(0)}


def test_class_weights_match_turnout_gives_everyone_weight_one():
    weights = class_weights({"a": Fraction(3, 10), "b": Fraction(7, 10)}, {"a": 3, "b": 7})
    assert weights == {"a": 1, "b": 1}


def test_class_weights_reject_negative_shares():
    with pytest.raises(ValueError, match="negative share"):
        class_weights({"a": Fraction(-1)}, {"a": 1})


def test_class_weights_change_the_outcome():
    # Eight personal assistants back a van (£60); two budget holders back a garden (£50).
    # Budget £100. Counted one member one vote, the PAs' £80 buys the van and the budget
    # holders' £20 cannot buy the garden. With the budget holders' class given 3/5 of the
    # say, PAs weigh 1/2 (£40 between them) and budget holders 3 (£60): the garden wins.
    proposals = [Proposal("van", 6000), Proposal("garden", 5000)]
    classes = ["pa"] * 8 + ["budget_holder"] * 2
    approved = {"pa": {"van"}, "budget_holder": {"garden"}}
    weights = class_weights(
        {"pa": Fraction(2, 5), "budget_holder": Fraction(3, 5)}, {"pa": 8, "budget_holder": 2}
    )
    assert weights == {"pa": Fraction(1, 2), "budget_holder": 3}
    unweighted = [Ballot(f"m{i}", approved[c]) for i, c in enumerate(classes)]
    weighted = [Ballot(f"m{i}", approved[c], weights[c]) for i, c in enumerate(classes)]
    for options in ({}, {"completion": False}, {"comparison": False}):
        assert tally(proposals, unweighted, 10000, unit=100, **options).selected == ("van",)
        assert tally(proposals, weighted, 10000, unit=100, **options).selected == ("garden",)


def test_zero_weight_voters_are_left_out():
    proposals = [Proposal("A", 10), Proposal("B", 10)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 0))
    result = tally(proposals, ballots, 20)
    assert result.voters == 1
    assert result.total_weight == 1
    assert result.proposal("B").approvals == 0
    assert result.selected == ("A",)


def test_nobody_voting_funds_nothing():
    result = tally([Proposal("A", 10)], [], 100)
    assert result.selected == ()
    assert explain(result, str).proposals["A"] == "Not funded: nobody voted for it."
    empty = tally([Proposal("A", 10)], [Ballot("v1", frozenset())], 100)
    assert not any("Shares" in line or "Every" in line for line in explain(empty, str).summary)


@pytest.mark.parametrize(
    ("proposals", "ballots", "message"),
    [
        ([Proposal("A", 0)], [], "must cost more than nothing"),
        ([Proposal("A", 1), Proposal("A", 2)], [], "listed twice"),
        ([Proposal("A", 1)], [Ballot("v", frozenset({"B"}))], "unknown"),
        ([Proposal("A", 1)], [Ballot("v", frozenset(), -1)], "negative weight"),
        ([Proposal("A", 1)], [Ballot("v", frozenset()), Ballot("v", frozenset())], "two ballots"),
    ],
)
def test_bad_input_is_refused(proposals, ballots, message):
    with pytest.raises(ValueError, match=message):
        tally(proposals, ballots, 10)


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        tally([Proposal("A", 1)], [], 10, rule="phragmen")


# Plain-English explanations.


def _tie_example():
    proposals = [Proposal("garden", 6000), Proposal("bench", 4000), Proposal("lamp", 3000)]
    ballots = _ballots(
        ({"garden", "bench"}, 1), ({"garden"}, 1), ({"bench", "lamp"}, 1), ({"lamp"}, 1)
    )
    return tally(proposals, ballots, 10000, completion=False)


def test_explain_says_who_paid_what_and_why_the_rest_missed_out():
    text = explain(_tie_example(), format_pence)
    assert text.proposals["bench"] == (
        "Funded in round 1: backed by 2 members, who each paid £20.00 of their £25.00 share."
    )
    assert text.proposals["lamp"] == (
        "Funded in round 2: backed by 2 members. 1 paid £25.00 of their £25.00 share; "
        "1 paid everything they had left, £5.00, of their £25.00 share."
    )
    assert text.proposals["garden"] == "Not funded: its backers had £30.00 left, it costs £60.00."
    assert "£25.00 per unit of voting weight" in text.summary[0]
    assert any("would have chosen: garden, bench" in line for line in text.summary)


def test_explain_names_backers_who_had_nothing_left():
    # £10 each. A (£20) and B (£10) tie at rho 1/2 with 2 approvals each; A is listed
    # first, so v1 and v2 spend all they have on it. B is then bought by v3 alone.
    proposals = [Proposal("A", 2000), Proposal("B", 1000)]
    ballots = _ballots(({"A", "B"}, 1), ({"A"}, 1), ({"B"}, 1))
    result = tally(proposals, ballots, 3000, completion=False, comparison=False)
    assert [(r.proposal, r.rho) for r in result.rounds] == [
        ("A", Fraction(1, 2)),
        ("B", Fraction(1)),
    ]
    assert explain(result, format_pence).proposals["B"] == (
        "Funded in round 2: backed by 2 members. 1 paid £10.00 of their £10.00 share; "
        "1 had nothing left of their £10.00 share."
    )


def test_explain_share_says_where_a_members_money_went():
    result = _tie_example()
    assert explain_share(result, "v3", format_pence) == (
        "Your share was £25.00: you paid £20.00 towards bench, £5.00 towards lamp, "
        "and £0.00 was not spent."
    )
    assert explain_share(result, "v2", format_pence) == (
        "Your share was £25.00; none of it was spent, because none of the proposals "
        "you backed was bought."
    )


def test_explain_after_switching_to_greedy():
    proposals = [Proposal("A", 500), Proposal("B", 500), Proposal("C", 500)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1), ({"C"}, 1))
    result = tally(proposals, ballots, 1300, unit=100)
    text = explain(result, format_pence)
    assert result.outcome == "greedy"
    assert any("replaced the equal-shares outcome" in line for line in text.summary)
    assert text.proposals["C"] == (
        "Not funded: backed by 1 member; it had the 3rd most weighted approvals, "
        "but only £3.00 was left when its turn came, and it costs £5.00."
    )
    assert text.proposals["A"].startswith("Funded: backed by 1 member;")


@pytest.mark.parametrize(
    ("weights", "said"),
    [
        (
            (1, 1, 1, 1),
            "Shares were raised from £5.00 to £10.00 per member to spend more of the budget; "
            "another £1.00 per member would have funded proposals costing £26.00, more than "
            "the £20.00 budget.",
        ),
        # Weights 2, 0, 1/2 and 3/2 (total 4): £5 per unit of weight to start, and at £8
        # the van and the kiln would both be bought.
        (
            (2, 0, Fraction(1, 2), Fraction(3, 2)),
            "Shares were raised from £5.00 to £7.00 per unit of voting weight to spend more of "
            "the budget; another £1.00 per unit of voting weight would have funded proposals "
            "costing £29.00, more than the £20.00 budget.",
        ),
    ],
)
def test_explain_says_how_far_shares_were_raised_and_why_they_stopped(weights, said):
    # The van, the garden and the kiln of the completion examples above, in pence.
    proposals = [Proposal("van", 1700), Proposal("garden", 900), Proposal("kiln", 1200)]
    approvals = [{"van", "garden"}, {"van", "garden"}, {"van"}, {"kiln"}]
    ballots = _ballots(*zip(approvals, weights, strict=True))
    summary = explain(tally(proposals, ballots, 2000, unit=100), format_pence).summary
    assert summary[1] == said


def test_explain_says_when_raising_stopped_because_everything_backed_was_funded():
    # £5 each buys B (£4); at £6 A (£6) is bought too, and nothing is left to fund.
    proposals = [Proposal("A", 600), Proposal("B", 400), Proposal("C", 900)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1))
    summary = explain(tally(proposals, ballots, 1000, unit=100), format_pence).summary
    assert summary[1] == (
        "Shares were raised from £5.00 to £6.00 per member, when every proposal anyone "
        "voted for was funded."
    )
    cheaper = [Proposal("A", 500), Proposal("B", 400), Proposal("C", 900)]
    everything = tally(cheaper, ballots, 1000, unit=100)
    assert explain(everything, format_pence).summary[1] == (
        "Every proposal anyone voted for was funded without raising shares."
    )


def test_explain_says_when_shares_were_not_raised_at_all():
    # £4 each, and at £5 all three £5 proposals would be bought, for £15 of a £13 budget.
    proposals = [Proposal("A", 500), Proposal("B", 500), Proposal("C", 500)]
    ballots = _ballots(({"A"}, 1), ({"B"}, 1), ({"C"}, 1))
    result = tally(proposals, ballots, 1300, unit=100, comparison=False)
    assert explain(result, format_pence).summary[1] == (
        "Shares stayed at £4.00 per member: another £1.00 per member would have funded "
        "proposals costing £15.00, more than the £13.00 budget."
    )
    without = tally(proposals, ballots, 1300, completion=False)
    assert not any("Shares" in line for line in explain(without, format_pence).summary)


# Real data: Świecie 2023, counted officially with equalshares/add1.


@pytest.fixture(scope="module")
def swiecie():
    return read_pb(DATA / "Poland_Swiecie_2023.pb")


def test_swiecie_reproduces_the_official_selection(swiecie):
    official = [p.id for p in swiecie.projects if p.fields.get("selected") == "1"]
    result = tally(swiecie.proposals(), swiecie.ballots(), swiecie.budget)
    assert list(result.selected) == official
    assert result.outcome == "mes"
    assert result.voters == 2553
    # Shares start at 419 PLN (the budget over 2,553 voters, rounded down). The outcome is
    # exhaustive from 646 PLN on, but the count keeps raising while the next outcome fits:
    # at 663 PLN c15 would be bought too, for 1,120,337 PLN in all, over the budget.
    assert result.start_endowment == 419
    assert result.endowment == 662
    assert result.next_cost == 1_120_337
    assert result.prefer_mes > result.prefer_greedy


def test_swiecie_shares_add_up(swiecie):
    result = tally(swiecie.proposals(), swiecie.ballots(), swiecie.budget)
    for round_ in result.rounds:
        groups = result.proposal(round_.proposal).payments
        assert sum(g.paid for g in groups) == result.proposal(round_.proposal).cost
    for p in result.proposals:
        if not p.funded:
            assert p.backers_left < p.cost


def test_explanations_name_proposals_by_title_and_say_when_both_methods_agree():
    proposals = [Proposal("a", 100), Proposal("b", 50), Proposal("c", 50)]
    ballots = (
        [Ballot(f"v{i}", {"a"}) for i in range(6)]
        + [Ballot(f"w{i}", {"b"}) for i in range(5)]
        + [Ballot(f"x{i}", {"c"}) for i in range(5)]
    )
    names = {"a": "Garden", "b": "Van", "c": "Respite"}
    summary = explain(tally(proposals, ballots, 100), lambda p: f"£{p}", names).summary
    assert "Funding the most approved proposals first would have chosen: Garden." in summary
    assert any("10 preferred the equal-shares outcome and 6 preferred" in s for s in summary)
    agreed = explain(tally(proposals[1:], ballots[6:], 100), lambda p: f"£{p}", names).summary
    assert "Funding the most approved proposals first would have chosen the same." in agreed
