"""`flask demo load`: the cover demo has four PAs (one lapsed and hidden), an open request and
a PA shared by two families, each seeing only its own shifts."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import clock
from coop.extensions import limiter
from coop.members.models import Member
from coop.support import pa_register, shared_pas
from coop.support.models import CoverRequest, CoverStatus
from tests.conftest import empty_tables


@pytest.fixture(autouse=True)
def frozen():
    """The demo is loaded on the real clock."""
    return None


@pytest.fixture(scope="module")
def _demo_app(_app):
    result = _app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    yield _app
    empty_tables(_app)


@pytest.fixture
def app(_demo_app):
    yield _demo_app
    limiter.reset()


def _member(db, email):
    return db.session.scalar(select(Member).where(Member.email == email))


def test_the_demo_register_request_and_shared_pa(db):
    today = clock.london_today()
    profiles = pa_register.all_profiles()
    assert len(profiles) == 4
    lapsed = [p.member.name for p in profiles if pa_register.lapsed_checks(p, today)]
    assert lapsed == ["Owen Price"]
    assert len({p.districts for p in profiles}) == 4 and len({p.skills for p in profiles}) == 4
    shown = [p.member.name for p in pa_register.search(pa_register.Search(), today)]
    assert "Owen Price" not in shown and len(shown) == 3

    [request] = db.session.scalars(select(CoverRequest)).all()
    assert request.status is CoverStatus.OPEN and request.budget_holder.name == "Ben Clarke"

    grace = _member(db, "grace@demo.coop")
    now = clock.now()
    weeks = (now, now + timedelta(days=8))
    families = {s.budget_holder.name for s in shared_pas.pa_calendar(grace, *weeks)}
    assert families == {"Asha Patel", "Chloe Evans"}
    asha = _member(db, "asha@demo.coop")
    assert {s.budget_holder.name for s in shared_pas.family_calendar(asha, *weeks)} == {
        "Asha Patel"
    }
