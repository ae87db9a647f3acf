"""Ballot secrecy in small classes: a class's votes are published apart only when at least
the co-op's rule's number of its members voted (5 by default); smaller ones are published
together, and the overall result, the receipts and the surplus recount stay checkable."""

import csv
import io
from datetime import timedelta
from fractions import Fraction

import pytest

from coop.voting import pabulib, service, surplus, tally
from coop.voting.models import Choice, Motion
from tests.pages import page, text
from tests.voting.test_surplus import NOW, _ballot

# --- Which classes are published together (pure) ---------------------------------------------


@pytest.mark.parametrize(
    "voters, minimum, merged",
    [
        ({"budget_holder": 6, "carer": 5, "pa": 7}, 5, set()),
        ({"budget_holder": 6, "carer": 3, "pa": 2}, 5, {"carer", "pa"}),  # 5 together
        ({"budget_holder": 6, "carer": 9, "pa": 2}, 5, {"pa", "budget_holder"}),  # made up to 5
        ({"budget_holder": 6, "carer": 0, "pa": 2}, 5, {"pa", "budget_holder"}),
        ({"budget_holder": 2, "pa": 1}, 5, {"budget_holder", "pa"}),  # all, fewer than 5 in all
        ({"budget_holder": 6, "pa": 2}, 2, set()),
        ({"budget_holder": 6, "carer": 0}, 5, set()),  # nobody voted: nothing to hide
    ],
)
def test_classes_with_fewer_voters_than_the_rule_are_merged_into_groups_of_at_least_it(
    voters, minimum, merged
):
    assert service.merged_classes(voters, minimum) == merged
    published = [n for c, n in voters.items() if c not in merged and n]
    together = sum(voters[c] for c in merged)
    assert all(n >= minimum for n in published)
    assert not merged or together >= minimum or together == sum(voters.values())


# --- Motions -------------------------------------------------------------------------------------


@pytest.fixture
def small_pa_vote(db, make_member, make_motion, clock):
    """The demo's shape: six budget holders split 4 For, 2 Against; both PAs vote For."""
    holders = [make_member("budget_holder") for _ in range(6)]
    pas = [make_member("pa") for _ in range(2)]
    made = make_motion()
    motion = db.session.get(Motion, made.id)
    for member, choice in zip(holders + pas, "FFFFAA" + "FF", strict=True):
        member = db.session.merge(member)
        service.cast_vote(
            motion, member, Choice.FOR if choice == "F" else Choice.AGAINST, by=member
        )
    db.session.commit()
    clock.after_closing(made)
    return made


def test_results_show_a_small_class_only_merged_and_never_beside_a_receipt(client, small_pa_vote):
    response = client.get(f"{small_pa_vote.url}/results")
    assert response.status_code == 200
    words = text(response)
    table = words.split("How each class of member voted", 1)[1].split("Quorum:", 1)[0]
    assert "Personal assistants" not in table
    # Budget holders (6 voters) are shown apart; PAs (2) merge with the next smallest class,
    # budget holders, so nothing is shown apart and the two are shown together.
    assert "Other classes together" in table
    assert "Budget holders and personal assistants are shown together" in words
    assert "All members 100% 6 2 0 8 of" in table
    receipts = words.split("Every vote, by receipt code", 1)[1]
    assert "Personal assistants" not in receipts
    assert receipts.count("Other classes together") == 8
    # The overall result still stands and is explained.
    assert "The motion passed" in words

    spreadsheet = client.get(f"{small_pa_vote.url}/receipts.csv")
    rows = list(csv.reader(io.StringIO(page(spreadsheet))))[1:]
    assert len(rows) == 8
    assert {cls for _code, cls, _choice in rows} == {"other"}
    assert sorted(choice for _code, _cls, choice in rows) == ["against"] * 2 + ["for"] * 6


def test_a_large_class_is_still_shown_apart_beside_merged_small_ones(
    db, client, make_member, make_motion, clock
):
    holders = [make_member("budget_holder") for _ in range(5)]
    carers = [make_member("carer") for _ in range(3)]
    pas = [make_member("pa") for _ in range(2)]
    made = make_motion()
    motion = db.session.get(Motion, made.id)
    for member in holders + carers + pas:
        member = db.session.merge(member)
        service.cast_vote(motion, member, Choice.FOR, by=member)
    db.session.commit()
    clock.after_closing(made)
    words = text(client.get(f"{made.url}/results"))
    table = words.split("How each class of member voted", 1)[1].split("All members", 1)[0]
    assert "Budget holders 50.0% 5 0 0 5 of" in table
    assert "Other classes together 50.0% 5 0 0 5 of" in table
    assert "Carers" not in table and "Personal assistants" not in table
    rows = list(csv.reader(io.StringIO(page(client.get(f"{made.url}/receipts.csv")))))[1:]
    assert sorted(cls for _code, cls, _choice in rows) == ["budget_holder"] * 5 + ["other"] * 5


def test_the_secretary_sets_the_rule_and_its_history_is_kept(
    client, auth, secretary, small_pa_vote, db
):
    rules = service.rules_in_force()
    assert rules.min_class_voters == 5
    auth.login(secretary.email)
    form = {
        "share_budget_holder": "50",
        "share_carer": "25",
        "share_pa": "25",
        "share_provider": "0",
        "quorum_percent": "10",
        "max_proxies": "3",
        "seconder_required": "y",
        "commission_percent": "8",
    }
    refused = client.post("/voting/rules", data=form | {"min_class_voters": "0"})
    assert "Enter a number from 1 to 1,000" in text(refused)
    assert client.post("/voting/rules", data=form | {"min_class_voters": "2"}).status_code == 302
    words = text(client.get("/voting/rules"))
    assert "shown on their own only when at least 2 of its members voted" in words
    assert "Fewest voters shown apart" in words
    assert service.rules_in_force().min_class_voters == 2
    # A motion keeps the rules it opened under: the PAs' vote stays merged.
    assert "Other classes together" in text(client.get(f"{small_pa_vote.url}/results"))


# --- Surplus ballots ------------------------------------------------------------------------------


def test_small_classes_share_one_weight_so_the_weight_does_not_reveal_the_class():
    shares = {"budget_holder": 50, "carer": 25, "pa": 25, "provider": 0}
    weights, merged = surplus.secret_weights(
        shares, {"budget_holder": 6, "carer": 3, "pa": 2, "provider": 1}, 5
    )
    assert merged == {"carer", "pa", "provider"}
    assert weights["carer"] == weights["pa"]
    assert weights["provider"] == 0
    # The merged classes still carry their combined 50%: 5 voters share it.
    assert weights["carer"] * 5 == weights["budget_holder"] * 6
    # Each class apart when all are large enough: the co-op's usual class weights.
    apart, none = surplus.secret_weights(shares, {"budget_holder": 6, "carer": 5, "pa": 10}, 5)
    assert none == frozenset()
    assert apart == tally.class_weights(
        {k: Fraction(v) for k, v in shares.items()}, {"budget_holder": 6, "carer": 5, "pa": 10}
    )


def test_the_export_hides_small_classes_and_recounts_to_the_published_result(
    app, db, make_member, clock, client
):
    clock.move_to(NOW - timedelta(days=10))
    secretary = make_member(secretary=True)
    holders = [make_member() for _ in range(6)]
    pas = [make_member(member_class="pa") for _ in range(2)]
    carers = [make_member(member_class="carer") for _ in range(3)]
    provider = make_member(member_class="provider")
    clock.move_to(NOW)
    ballot = _ballot(secretary, amount_pence=6_000)
    ids = {}
    for title, cost in [("Respite fund", 3_000), ("Higher PA rate", 4_000), ("Peer group", 1_500)]:
        proposal = surplus.submit_proposal(
            ballot, holders[0], title=title, description="", cost_pence=cost, helps="All", now=NOW
        )
        surplus.decide_proposal(secretary, proposal, True, now=NOW)
        ids[title] = proposal.id
    voting = NOW + timedelta(days=8)
    for member, titles in (
        [(h, ["Respite fund"]) for h in holders]
        + [(p, ["Higher PA rate"]) for p in pas]
        + [(c, ["Peer group", "Higher PA rate"]) for c in carers]
        + [(provider, ["Peer group"])]
    ):
        surplus.cast_approvals(ballot, member, {ids[t] for t in titles}, now=voting)
    db.session.commit()
    clock.move_to(NOW + timedelta(days=15))

    counted = surplus.count(ballot)
    election = surplus.export_pb(ballot)
    out = io.StringIO()
    pabulib.write_pb(election, out)
    reread = pabulib.parse_pb(out.getvalue())
    # Six budget holders keep their own weight; the five PAs and carers share one; the one
    # provider, who has no say, is left out rather than shown with a weight of 0.
    weights = [v.weight for v in reread.votes]
    assert sorted(weights.count(w) for w in set(weights)) == [5, 6]
    recount = tally.tally(reread.proposals(), reread.ballots(), reread.budget, unit=Fraction(1))
    assert [int(p) for p in recount.selected] == [int(p) for p in counted.result.selected]
    words = text(client.get(f"/voting/surplus/{ballot.id}/results"))
    assert "Other classes together: each vote weighs" in words
    assert "Personal assistants" not in words.split("Every vote, by receipt code", 1)[1]
