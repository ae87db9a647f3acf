"""First to accept wins: twenty PAs accepting one cover shift at the same moment, through
gunicorn on PostgreSQL, give exactly one shift and nineteen "already covered" pages; one PA
accepting two overlapping shifts of two families at once gets only one."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.support import cover
from coop.support.models import CoverRequest, CoverStatus, Shift, Skill
from tests.races import Browser, Reply, _in_parallel

PAS = 20
CSRF = r'name="csrf_token" type="hidden" value="([^"]+)"'


@pytest.fixture(autouse=True)
def frozen():
    """The server runs on the real clock, so these tests do too."""
    return None


def _shift(family, day, starts=time(14), ends=time(18)) -> CoverRequest:
    return cover.ask(
        family,
        cover.Wanted(day=day, starts=starts, ends=ends, district="DE22",
                     skills=frozenset({Skill.PERSONAL_CARE})),
        family,
        datetime.now(UTC),
    )  # fmt: skip


def _accept_form(browser: Browser, request_id: int) -> dict:
    import re

    page = browser.get(f"/support/cover/{request_id}/offer")
    assert page.status == 200, page.body
    assert "Accept this shift" in page.body, page.body
    return {"csrf_token": re.search(CSRF, page.body)[1]}


def test_twenty_pas_accepting_at_once_give_exactly_one_shift(
    pg_app, db, server, make_pa, make_family
):
    asha = make_family("Asha")
    pas = [make_pa(f"PA {n}", email=f"pa{n}@race.example") for n in range(PAS)]
    request = _shift(asha, clock.london_today(datetime.now(UTC)) + timedelta(days=1))
    db.session.commit()
    request_id, emails = request.id, [pa.email for pa in pas]  # plain values for the threads
    path = f"/support/cover/{request_id}/offer"

    def accept(i: int, barrier: threading.Barrier) -> Reply:
        browser = Browser(server)
        browser.sign_in(emails[i])
        form = _accept_form(browser, request_id)
        barrier.wait()
        return browser.post(path, form)

    replies = _in_parallel(PAS, accept)

    assert [r.status for r in replies if r.status >= 500] == []
    won = [r for r in replies if r.status == 200 and "The shift is yours" in r.body]
    covered = [r for r in replies if r.status == 409 and "already covered" in r.body]
    assert (len(won), len(covered)) == (1, PAS - 1)
    db.session.expire_all()
    found = db.session.get(CoverRequest, request_id)
    assert found.status is CoverStatus.COVERED
    shifts = db.session.scalars(select(Shift).where(Shift.cover_request_id == request_id)).all()
    assert [s.pa_id for s in shifts] == [found.pa_id]


def test_one_pa_accepting_two_overlapping_shifts_at_once_gets_one(
    pg_app, db, server, make_pa, make_family
):
    tomorrow = clock.london_today(datetime.now(UTC)) + timedelta(days=1)
    asha, ben = make_family("Asha"), make_family("Ben")
    femi = make_pa("Femi", email="femi@race.example")
    requests = [_shift(asha, tomorrow), _shift(ben, tomorrow, time(17), time(20))]
    db.session.commit()
    ids = [r.id for r in requests]
    browsers = []
    for _ in requests:
        browser = Browser(server)
        browser.sign_in(femi.email)
        browsers.append(browser)

    def accept(i: int, barrier: threading.Barrier) -> Reply:
        form = _accept_form(browsers[i], ids[i])
        barrier.wait()
        return browsers[i].post(f"/support/cover/{ids[i]}/offer", form)

    replies = _in_parallel(2, accept)

    assert sorted(r.status for r in replies) == [200, 409]
    assert "already working then" in next(r.body for r in replies if r.status == 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Shift.id)).where(Shift.pa_id == femi.id)) == 1
    statuses = sorted(db.session.get(CoverRequest, i).status.value for i in ids)
    assert statuses == ["covered", "open"]
