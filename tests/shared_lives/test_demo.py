"""`flask demo load`: the Shared Lives demo has what the issue asks, and its money adds up."""

import pytest
from sqlalchemy import select

from coop import clock
from coop.extensions import limiter
from coop.payments import ledger
from coop.shared_lives import service
from coop.shared_lives.models import (
    ArrangementType,
    CarerPayment,
    Household,
    HouseholdStatus,
    Referral,
)
from tests.conftest import empty_tables


@pytest.fixture(scope="module")
def _demo_app(_app):
    result = _app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "kim@demo.coop" in result.output
    yield _app
    empty_tables(_app)


@pytest.fixture
def app(_demo_app):
    yield _demo_app
    limiter.reset()


def test_the_demo_scheme(db):
    households = db.session.scalars(select(Household)).all()
    states = sorted(h.status.value for h in households)
    assert states.count(HouseholdStatus.APPROVED.value) == 6
    assert HouseholdStatus.ASSESSMENT.value in states
    approved = [h for h in households if h.status is HouseholdStatus.APPROVED]
    assert len({h.pets for h in approved}) > 2 and len({h.languages for h in approved}) > 2
    kinds = sorted(r.arrangement_type.value for r in db.session.scalars(select(Referral)))
    assert kinds == sorted(t.value for t in ArrangementType)
    today = clock.london_today()
    reviews = [i for i in service.everything_due(today) if i.what == "arrangement review"]
    assert len(reviews) == 1 and (reviews[0].due_on - today).days <= 30
    assert db.session.scalars(select(CarerPayment)).all()
    assert ledger.all_transactions_balance()


def test_the_demo_short_break_referral_has_a_shortlist_and_exclusions(db):
    asha = db.session.scalar(select(Referral).where(Referral.person_name == "Asha Patel"))
    result = service.run_matching(asha)
    assert result.ranked and result.excluded
