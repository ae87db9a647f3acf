"""Factories for PAs in the register and funded budget holders, on a frozen clock; use them
inside `db`."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from coop.members import circles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.payments import ledger
from coop.payments.models import FundingKind
from coop.support import pa_register
from coop.support.models import Skill

#: Tuesday 3 March 2026, 9am in London (GMT): every support test runs at this moment.
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 3)
ALL_WEEK = tuple((day, time(7, 0), time(22, 0)) for day in range(7))


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("coop.clock.now", lambda: NOW)
    return NOW


@pytest.fixture
def make_pa(db, make_member, secretary):
    """`make_pa(name, skills={...}, districts="DE22", gender="", windows=ALL_WEEK,
    dbs_issued_on=a year ago, checked=True, rate=1500)`: a PA member in the register."""
    boss = db.session.get(Member, secretary.id)

    def make(
        name: str | None = None,
        *,
        email: str | None = None,
        skills=frozenset({Skill.PERSONAL_CARE}),
        districts: str = "DE22",
        gender: str = "",
        windows=ALL_WEEK,
        dbs_issued_on: date | None = TODAY - timedelta(days=365),
        checked: bool = True,
        rate: int = 1500,
        password: str | None = None,
    ) -> Member:
        extra = {"password": password} if password else {}
        pa = make_member("pa", name=name, email=email, **extra)
        pa = db.session.get(Member, pa.id)
        profile = pa_register.save_profile(
            pa,
            pa_register.ProfileDetails(
                skills=frozenset(skills), languages="English", districts=districts,
                hourly_rate_pence=rate, introduction="Experienced PA.", gender=gender,
                windows=tuple(windows),
            ),
            NOW,
        )  # fmt: skip
        if checked:
            pa_register.record_checks(
                profile,
                pa_register.Checks(dbs_issued_on, TODAY - timedelta(days=30), None,
                                   TODAY - timedelta(days=30)),
                boss,
                NOW,
            )  # fmt: skip
        db.session.commit()
        return pa

    return make


@pytest.fixture
def make_family(db, make_member, secretary):
    """`make_family(name, pence=10_000)`: a budget holder with money in their budget."""
    boss = db.session.get(Member, secretary.id)
    counter = {"n": 0}

    def make(name: str | None = None, *, pence: int = 10_000, email: str | None = None):
        counter["n"] += 1
        family = make_member(name=name, email=email)
        family = db.session.get(Member, family.id)
        if pence:
            ledger.record_funding(
                family, pence, FundingKind.DIRECT_PAYMENT, TODAY, f"DP-{family.id}", boss, NOW
            )
        db.session.commit()
        return family

    return make


def give_cover(person: Member, helper: Member, permission=Permission.COVER):
    return circles.give(person, helper, circles.Choice(permission), NOW)
