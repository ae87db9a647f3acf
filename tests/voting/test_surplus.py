"""Reinvesting the surplus in the app: proposals, approval votes, the count and its export."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from coop import clock
from coop.extensions import db as _db
from coop.voting import pabulib, service, surplus
from coop.voting.cli import voting_cli
from coop.voting.models import (
    ProposalStatus,
    SurplusApproval,
    SurplusBallot,
    SurplusProposal,
    SurplusVote,
)
from coop.voting.service import AlreadyVoted, VotingError

SWIECIE = Path(__file__).parent.parent / "data" / "pabulib" / "Poland_Swiecie_2023.pb"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _ballot(secretary, amount_pence=600_000, now=NOW):
    return surplus.open_ballot(
        secretary,
        financial_year="2026 to 2027",
        amount_pence=amount_pence,
        proposals_close_at=now + timedelta(days=5),
        opens_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=14),
        now=now,
    )


def test_swiecie_is_reproduced_by_a_ballot_built_in_the_app(app, db, make_member):
    """The real Świecie 2023 election, loaded into the app's tables, counts as it did officially."""
    election = pabulib.read_pb(SWIECIE)
    secretary = make_member(secretary=True)
    secretary.approved_at = NOW - timedelta(days=30)
    budget = int(election.budget)
    ballot = SurplusBallot(
        financial_year="Świecie 2023",
        amount_pence=budget * 100,
        proposals_close_at=NOW - timedelta(days=20),
        opens_at=NOW - timedelta(days=14),
        closes_at=NOW - timedelta(days=7),
        created_at=NOW - timedelta(days=30),
        created_by_id=secretary.id,
    )
    _db.session.add(ballot)
    ids = {}
    for project in election.projects:
        proposal = SurplusProposal(
            ballot=ballot,
            title=project.fields.get("name", project.id)[:120],
            description="",
            cost_pence=int(project.cost) * 100,
            helps="Świecie",
            submitted_by_id=secretary.id,
            submitted_at=NOW - timedelta(days=25),
            status=ProposalStatus.ACCEPTED,
        )
        _db.session.add(proposal)
        _db.session.flush()
        ids[project.id] = proposal.id
    for vote in election.votes:
        cast = SurplusVote(
            receipt_code=vote.voter_id, ballot_id=ballot.id, member_class="budget_holder"
        )
        cast.approvals = [SurplusApproval(proposal_id=ids[p]) for p in vote.approved]
        _db.session.add(cast)
    _db.session.commit()

    counted = surplus.count(ballot)
    official = {ids[p.id] for p in election.projects if p.fields["selected"] == "1"}
    assert {int(i) for i in counted.result.selected} == official
    assert len(counted.votes) == 2553


def test_proposals_need_a_member_before_the_deadline_and_within_the_surplus(app, db, make_member):
    secretary = make_member(secretary=True)
    applicant = make_member(status="applied")
    ballot = _ballot(secretary)
    with pytest.raises(VotingError, match="Only members"):
        surplus.submit_proposal(
            ballot, applicant, title="x", description="y", cost_pence=100, helps="z", now=NOW
        )
    with pytest.raises(VotingError, match="more than the whole surplus"):
        surplus.submit_proposal(
            ballot, secretary, title="x", description="y", cost_pence=600_001, helps="z", now=NOW
        )
    with pytest.raises(VotingError, match="closed"):
        surplus.submit_proposal(
            ballot,
            secretary,
            title="x",
            description="y",
            cost_pence=100,
            helps="z",
            now=NOW + timedelta(days=6),
        )


def test_only_accepted_proposals_are_on_the_ballot_and_only_once_each(app, db, make_member):
    secretary = make_member(secretary=True)
    secretary.approved_at = NOW - timedelta(days=1)
    ballot = _ballot(secretary)
    keep = surplus.submit_proposal(
        ballot,
        secretary,
        title="Respite fund",
        description="Breaks",
        cost_pence=300_000,
        helps="Carers",
        now=NOW,
    )
    drop = surplus.submit_proposal(
        ballot,
        secretary,
        title="Yacht",
        description="Sailing",
        cost_pence=500_000,
        helps="Nobody",
        now=NOW,
    )
    surplus.decide_proposal(secretary, keep, True, now=NOW)
    with pytest.raises(VotingError, match="reason"):
        surplus.decide_proposal(secretary, drop, False, "", now=NOW)
    surplus.decide_proposal(secretary, drop, False, "Not what the co-op is for", now=NOW)
    assert surplus.on_ballot(ballot) == [keep]
    voting = NOW + timedelta(days=8)
    with pytest.raises(VotingError, match="only proposals on this ballot"):
        surplus.cast_approvals(ballot, secretary, {drop.id}, now=voting)
    receipt = surplus.cast_approvals(ballot, secretary, {keep.id}, now=voting)
    assert len(receipt) == 14
    with pytest.raises(AlreadyVoted):
        surplus.cast_approvals(ballot, secretary, set(), now=voting)
    with pytest.raises(VotingError, match="cannot be changed|has opened"):
        surplus.decide_proposal(secretary, drop, True, now=voting)


def _vote_through_the_pages(client, auth, member, ballot_id, proposal_ids):
    auth.login(member.email)
    check = client.post(
        f"/voting/surplus/{ballot_id}/check", data={"proposals": [str(i) for i in proposal_ids]}
    )
    assert "Check your choices" in check.get_data(as_text=True)
    cast = client.post(
        f"/voting/surplus/{ballot_id}/cast", data={"proposals": [str(i) for i in proposal_ids]}
    )
    body = cast.get_data(as_text=True)
    assert "Vote cast" in body
    auth.logout()
    return body.split('class="coop-receipt">')[1].split("<")[0]


def test_the_whole_journey_and_a_recount_from_the_export(
    app, client, auth, make_member, runner, monkeypatch, tmp_path
):
    """Open, propose, accept, vote through the pages, read the results, export and recount."""
    # How each class voted is shown apart at any size here; at the default (5 voters) these
    # small classes would be shown together: see test_secrecy.py.
    monkeypatch.setitem(service.DEFAULT_RULES, "min_class_voters", 1)
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH", "1000 per minute")
    clock = {"now": NOW - timedelta(days=10)}  # members joined ten days before
    monkeypatch.setattr("coop.clock.now", lambda: clock["now"])
    secretary = make_member(secretary=True)
    carers = [make_member(member_class="carer") for _ in range(2)]
    pas = [make_member(member_class="pa") for _ in range(6)]
    clock["now"] = NOW
    auth.login(secretary.email)
    response = client.post(
        "/voting/surplus/new",
        data={
            "financial_year": "2026 to 2027",
            "amount": "6,000",
            "proposals_close_on": ["6", "3", "2027"],
            "opens_on": ["8", "3", "2027"],
            "opens_time": "09:00",
            "closes_on": ["15", "3", "2027"],
            "closes_time": "17:00",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    ballot_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    proposals = {}
    for member, title, cost in [
        (carers[0], "Respite fund", "3,000"),
        (pas[0], "Higher PA rate", "5,000"),
        (carers[1], "Peer support group", "1,500"),
    ]:
        auth.login(member.email)
        response = client.post(
            f"/voting/surplus/{ballot_id}/propose",
            data={"title": title, "description": "What it does.", "cost": cost, "helps": "Members"},
        )
        assert response.status_code == 302
        auth.logout()
    auth.login(secretary.email)
    with app.app_context():
        for p in _db.session.get(SurplusBallot, ballot_id).proposals:
            proposals[p.title] = p.id
            client.post(
                f"/voting/surplus/{ballot_id}/proposals/{p.id}", data={"decision": "accept"}
            )
    auth.logout()
    clock["now"] = datetime(2027, 3, 10, 12, tzinfo=UTC)
    receipts = {}
    for carer in carers:
        receipts[carer.id] = _vote_through_the_pages(
            client,
            auth,
            carer,
            ballot_id,
            [proposals["Respite fund"], proposals["Peer support group"]],
        )
    for pa in pas:
        receipts[pa.id] = _vote_through_the_pages(
            client, auth, pa, ballot_id, [proposals["Higher PA rate"]]
        )
    clock["now"] = datetime(2027, 3, 16, 12, tzinfo=UTC)

    page = client.get(f"/voting/surplus/{ballot_id}/results").get_data(as_text=True)
    assert "Funded" in page and "Not funded" in page
    # Weighted approvals: each carer weighs 2 and each PA 2/3, so every proposal has 4.00.
    assert "Weighted approvals" in page and page.count(">4.00</td>") == 3
    assert receipts[carers[0].id] in page
    # Shares start at £750 per unit of weight (£6,000 over weight 8) and rise until the
    # PAs' £5,000 would be bought as well.
    assert (
        "Shares were raised from £750.00 to £1,249.00 per unit of voting weight to spend more "
        "of the budget; another £1.00 per unit of voting weight would have funded proposals "
        "costing £9,500.00, more than the £6,000.00 budget."
    ) in page
    # Carers (25%) and PAs (25%) carry equal weight although PAs are three times as many.
    with app.app_context():
        counted = surplus.count(_db.session.get(SurplusBallot, ballot_id))
    funded = {int(i) for i in counted.result.selected}
    assert proposals["Respite fund"] in funded and proposals["Higher PA rate"] not in funded
    mine = client.get(
        f"/voting/surplus/{ballot_id}/results?receipt={receipts[carers[0].id]}"
    ).get_data(as_text=True)
    share = mine.split('id="my-share"')[1].split('<div class="govuk-inset-text">')[1]
    share = share.split("</div>")[0]
    assert "Your share was" in share and "towards Respite fund" in share

    export = client.get(f"/voting/surplus/{ballot_id}/votes.pb")
    path = tmp_path / "export.pb"
    path.write_bytes(export.data)
    assert "weight" in export.get_data(as_text=True)
    assert str(carers[0].id) not in [v.voter_id for v in pabulib.read_pb(path).votes]
    recount = CliRunner().invoke(voting_cli, ["tally-pb", str(path)])
    assert recount.exit_code == 0, recount.output
    assert {int(i) for i in recount.stdout.split()} == funded

    exported = tmp_path / "cli-export.pb"
    result = runner.invoke(args=["voting", "export-pb", str(ballot_id), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert exported.read_text() == export.get_data(as_text=True)


def test_an_export_in_which_a_class_with_no_say_voted_recounts_as_the_app_counted(
    app, db, runner, coop_tally, make_member, clock, tmp_path, monkeypatch
):
    """Providers have no say under the default rules: their votes are exported with weight 0,
    and both recounting commands read them and count them for nothing."""
    # How each class voted is shown apart at any size here; at the default (5 voters) these
    # small classes would be shown together: see test_secrecy.py.
    monkeypatch.setitem(service.DEFAULT_RULES, "min_class_voters", 1)
    clock.move_to(NOW - timedelta(days=10))
    secretary = make_member(secretary=True)
    holders = [make_member() for _ in range(2)]
    carer = make_member(member_class="carer")
    provider = make_member(member_class="provider")
    clock.move_to(NOW)
    ballot = _ballot(secretary, amount_pence=6_000)
    ids = {}
    for title, cost, by in [
        ("Respite fund", 3_000, holders[0]),
        ("Peer support group", 1_500, carer),
        ("Provider's minibus", 2_500, provider),
    ]:
        proposal = surplus.submit_proposal(
            ballot, by, title=title, description="", cost_pence=cost, helps="Members", now=NOW
        )
        surplus.decide_proposal(secretary, proposal, True, now=NOW)
        ids[title] = proposal.id
    voting = NOW + timedelta(days=8)
    for member, titles in [
        (holders[0], ["Respite fund"]),
        (holders[1], ["Respite fund"]),
        (carer, ["Peer support group"]),
        (provider, ["Provider's minibus", "Respite fund"]),
    ]:
        surplus.cast_approvals(ballot, member, {ids[t] for t in titles}, now=voting)
    db.session.commit()
    clock.move_to(NOW + timedelta(days=15))

    counted = surplus.count(ballot)
    assert counted.weights["provider"] == 0
    assert counted.result.proposal(str(ids["Provider's minibus"])).approvals == 0
    path = tmp_path / "export.pb"
    exported = runner.invoke(args=["voting", "export-pb", str(ballot.id), "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    votes = pabulib.read_pb(path).votes
    assert sorted(v.weight for v in votes) == [0, 1, 1, 1]
    flask_run = runner.invoke(args=["voting", "tally-pb", str(path)])
    script_run = coop_tally(path)
    assert flask_run.exit_code == script_run.returncode == 0, script_run.stderr
    assert script_run.stdout == flask_run.stdout
    assert (
        script_run.stderr
        == flask_run.stderr
        == ("Counted with equalshares/add1-comparison: the rule the file names.\n")
    )
    assert script_run.stdout.split() == list(counted.result.selected)
    assert {int(i) for i in counted.result.selected} == {
        ids["Respite fund"],
        ids["Peer support group"],
    }


def test_export_pb_explains_what_it_cannot_export(app, db, runner, make_member):
    result = runner.invoke(args=["voting", "export-pb", "999"])
    assert result.exit_code == 2 and "no surplus ballot 999" in result.output
    ballot = _ballot(make_member(secretary=True), now=clock.now())
    db.session.commit()
    result = runner.invoke(args=["voting", "export-pb", str(ballot.id)])
    assert result.exit_code == 2 and "once voting has closed" in result.output


def test_a_proposal_with_mistakes_is_explained_and_keeps_what_was_typed(
    app, client, auth, make_member
):
    secretary = make_member(secretary=True)
    member = make_member()
    with app.app_context():
        ballot = _ballot(_db.session.merge(secretary), now=clock.now())
        _db.session.commit()
        ballot_id = ballot.id
    auth.login(member.email)
    body = client.post(
        f"/voting/surplus/{ballot_id}/propose",
        data={"title": "   ", "description": "Short breaks", "cost": "12.345", "helps": "Carers"},
    ).get_data(as_text=True)
    assert "Enter a title for your proposal" in body
    assert "Enter cost in pounds, like 2500 or 2,500.00" in body
    assert 'value="12.345"' in body and "Short breaks" in body and 'value="Carers"' in body
    with app.app_context():
        assert _db.session.get(SurplusBallot, ballot_id).proposals == []
