"""The surplus ballot starts from the ledger, and funded proposals are set aside in it."""

from datetime import date, timedelta

import pytest

from coop.payments import accounts, ledger, postings
from coop.voting import surplus
from coop.voting.models import (
    ProposalStatus,
    SurplusApproval,
    SurplusBallot,
    SurplusProposal,
    SurplusVote,
)
from coop.voting.service import VotingError
from tests.marketplace.conftest import make_listing, make_provider, make_session
from tests.payments.test_accounts import year
from tests.payments.test_ledger import balance
from tests.payments.test_returns import clock, utc
from tests.payments.test_views import sign_in, text

FIXTURES = (make_listing, make_provider, make_session, sign_in, clock, year)


def window(clock):
    return {
        "proposals_close_at": clock.moment + timedelta(days=5),
        "opens_at": clock.moment + timedelta(days=7),
        "closes_at": clock.moment + timedelta(days=14),
    }


def test_the_surplus_proposed_is_commission_income_less_costs_for_the_closed_year(db, year, clock):
    clock.at(utc(2026, 5, 1, 9))
    figures = surplus.proposed_surplus()
    assert figures.label == "2025 to 2026"
    assert (figures.income_pence, figures.costs_pence) == (600, 250)
    assert figures.surplus_pence == 600 - 250


def test_sharing_less_needs_a_reason_and_more_is_refused(db, year, clock, secretary):
    clock.at(utc(2026, 5, 1, 9))
    figures = surplus.proposed_surplus()
    common = {"financial_year": "2025 to 2026", "figures": figures, **window(clock)}
    with pytest.raises(VotingError, match="Say why you are sharing less than the surplus of £3.50"):
        surplus.open_ballot(secretary, amount_pence=300, **common)
    with pytest.raises(VotingError, match="no more than that can be shared"):
        surplus.open_ballot(secretary, amount_pence=351, **common)
    with pytest.raises(VotingError, match="last closed financial year in the accounts is 2025"):
        surplus.open_ballot(secretary, amount_pence=350, **{**common, "financial_year": "2024"})
    ballot = surplus.open_ballot(
        secretary, amount_pence=300, share_less_reason="A reserve for next year", **common
    )
    assert (ballot.surplus_pence, ballot.accounts_income_pence, ballot.accounts_costs_pence) == (
        350,
        600,
        250,
    )
    assert ballot.share_less_reason == "A reserve for next year"
    full = surplus.open_ballot(secretary, amount_pence=350, share_less_reason="ignored", **common)
    assert full.share_less_reason is None


def test_the_secretary_opens_the_ballot_with_the_amount_from_the_accounts(
    db, year, clock, secretary, sign_in, make_member
):
    clock.at(utc(2026, 5, 1, 9))
    browser = sign_in(secretary)
    form = browser.get("/voting/surplus/new")
    words = text(form)
    assert "Commission income £6.00 Less the co-op's costs £2.50 Surplus £3.50" in words
    body = form.get_data(as_text=True)
    assert 'value="2025 to 2026"' in body and 'value="3.50"' in body
    data = {
        "financial_year": "2025 to 2026",
        "amount": "3.00",
        "share_less_reason": "",
        "proposals_close_on": ["6", "5", "2026"],
        "opens_on": ["8", "5", "2026"],
        "opens_time": "09:00",
        "closes_on": ["15", "5", "2026"],
        "closes_time": "17:00",
    }
    refused = browser.post("/voting/surplus/new", data=data)
    assert "Say why you are sharing less than the surplus of £3.50" in text(refused)
    assert 'value="3.00"' in refused.get_data(as_text=True)
    opened = browser.post(
        "/voting/surplus/new", data={**data, "share_less_reason": "A reserve for next year"}
    )
    assert opened.status_code == 302
    page = text(sign_in(make_member("carer", email="c@example.org")).get(opened.location))
    assert "commission income of £6.00 less the co-op's costs of £2.50 left a surplus of £3.50" in (
        page
    )
    assert "put £3.00 of the £3.50 surplus to the vote, because: A reserve for next year" in page


def closed_ballot(db, secretary, make_member, clock):
    """A closed ballot: a £2 minibus fund both voters back, and a £100 hall nobody can pay."""
    ballot = SurplusBallot(
        financial_year="2025 to 2026",
        amount_pence=350,
        proposals_close_at=clock.moment - timedelta(days=20),
        opens_at=clock.moment - timedelta(days=14),
        closes_at=clock.moment - timedelta(days=7),
        created_at=clock.moment - timedelta(days=30),
        created_by_id=secretary.id,
    )
    proposals = [
        SurplusProposal(ballot=ballot, title=title, description="", cost_pence=cost,
                        helps="Members", submitted_by_id=secretary.id,
                        submitted_at=clock.moment - timedelta(days=25),
                        status=ProposalStatus.ACCEPTED)
        for title, cost in (("Minibus fund", 200), ("A hall", 10_000))
    ]  # fmt: skip
    db.session.add_all([ballot, *proposals])
    db.session.flush()
    for code in ("AAAA", "BBBB"):
        vote = SurplusVote(receipt_code=code, ballot_id=ballot.id, member_class="carer")
        vote.approvals = [SurplusApproval(proposal_id=p.id) for p in proposals]
        db.session.add(vote)
    db.session.commit()
    return ballot, proposals


def test_funded_proposals_are_set_aside_once_when_the_ballot_has_closed(
    db, year, clock, secretary, make_member, sign_in
):
    clock.at(utc(2026, 6, 1, 9))
    ballot, (minibus, hall) = closed_ballot(db, secretary, make_member, clock)
    browser = sign_in(secretary)
    results = browser.get(f"/voting/surplus/{ballot.id}/results")
    assert "Set the funded proposals aside in the accounts" in text(results)
    assert browser.post(f"/voting/surplus/{ballot.id}/earmark").status_code == 302
    assert balance(db, postings.earmarked_surplus_account(f"surplus-proposal:{minibus.id}")) == 200
    assert balance(db, postings.earmarked_surplus_account(f"surplus-proposal:{hall.id}")) == 0
    assert surplus.earmark_funded(db.session.get(SurplusBallot, ballot.id)) == []  # once only
    db.session.commit()
    assert [e.earmark.title for e in accounts.earmarks()] == ["Minibus fund"]

    earmark_id = accounts.earmarks()[0].earmark.id
    spent = browser.post(f"/payments/treasurer/earmarks/{earmark_id}/spend", data={
        f"e{earmark_id}-amount": "1.50", f"e{earmark_id}-spent_on": ["1", "6", "2026"],
        f"e{earmark_id}-description": "Deposit on a minibus",
        f"e{earmark_id}-reference": "INV-MB"})  # fmt: skip
    assert spent.status_code == 302
    assert "Record spending on Minibus fund" in text(browser.get("/payments/surplus-spending"))
    with pytest.raises(accounts.AccountsError, match="Only £0.50 is left"):
        accounts.spend_from_earmark(accounts.earmarks()[0].earmark, 51, date(2026, 6, 1),
                                    "More", "INV-MB2", by=secretary)  # fmt: skip
    db.session.commit()
    assert ledger.all_transactions_balance()
    page = text(
        sign_in(make_member("carer", email="c@example.org")).get("/payments/surplus-spending")
    )
    assert "Minibus fund" in page and "Spent £1.50; £0.50 left." in page
    assert "Deposit on a minibus INV-MB £1.50" in page


def test_nothing_is_set_aside_before_voting_closes(db, year, clock, secretary, make_member):
    clock.at(utc(2026, 6, 1, 9))
    ballot, _ = closed_ballot(db, secretary, make_member, clock)
    with pytest.raises(VotingError, match="once voting has closed"):
        surplus.earmark_funded(ballot, now=ballot.closes_at - timedelta(minutes=1))


def test_the_worker_sets_funded_proposals_aside_when_voting_closes(
    db, year, clock, secretary, make_member, runner
):
    """Nobody has to press the button: the worker's job earmarks a closed ballot, once."""
    from coop import worker

    clock.at(utc(2026, 6, 1, 9))
    ballot, (minibus, hall) = closed_ballot(db, secretary, make_member, clock)
    ran = worker.run_due_jobs(clock.moment)
    assert "voting earmark-surplus" in " ".join(ran)
    assert balance(db, postings.earmarked_surplus_account(f"surplus-proposal:{minibus.id}")) == 200
    assert balance(db, postings.earmarked_surplus_account(f"surplus-proposal:{hall.id}")) == 0
    assert db.session.get(SurplusBallot, ballot.id).earmarked_at is not None
    again = runner.invoke(args=["voting", "earmark-surplus"])
    assert "Set aside 0 funded proposals" in again.output
    assert [e.earmark.title for e in accounts.earmarks()] == ["Minibus fund"]
