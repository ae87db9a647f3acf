"""Pooled bookings under load: agreements arriving at once, through gunicorn on PostgreSQL."""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from coop.extensions import db as _db
from coop.marketplace import pooled_bookings
from coop.marketplace.models import (
    Session,
)
from coop.marketplace.pooled_models import PooledBooking, PooledStatus, SplitKind
from coop.members import service as members
from coop.members.models import Member, MemberClass
from coop.payments import ledger
from coop.payments.models import FundingKind, LedgerTransaction, TransactionKind
from tests.conftest import PASSWORD
from tests.races import Browser, Reply, _in_parallel, _new_member, race_gym

PEOPLE = 5
PRICE = 1000


@pytest.fixture
def two_pooled(pg_app, monkeypatch):
    """Five budget holders with £50 each, and two pooled bookings of five places in one
    session, sharing all five people listed in opposite orders, sent and waiting."""
    password_hash = generate_password_hash(PASSWORD)
    monkeypatch.setattr(members, "hash_password", lambda _password: password_hash)
    with pg_app.app_context():
        now = datetime.now(UTC)
        secretary = _new_member("secretary@pool.example", MemberClass.CARER, now)
        members.make_secretary(secretary, now)
        owner = _new_member("gym@pool.example", MemberClass.PROVIDER, now, "Pool Gym")
        listing = race_gym(
            now,
            price_pence=PRICE,
            places_per_session=2 * PEOPLE,
            owner=owner,
            name="Pool Gym",
            email="gym@pool.example",
        )
        starts = datetime.combine(date.today() + timedelta(days=7), time(18), tzinfo=UTC)
        session = Session(
            listing=listing, starts_at=starts, ends_at=starts + timedelta(hours=1), places=10
        )
        _db.session.add_all([listing, session])
        people = [
            _new_member(f"p{n}@pool.example", MemberClass.BUDGET_HOLDER, now) for n in range(PEOPLE)
        ]
        _db.session.flush()
        for n, person in enumerate(people):
            ledger.record_funding(
                person, 5 * PRICE, FundingKind.DIRECT_PAYMENT, date.today(), f"DP-{n}", secretary
            )
        first = pooled_bookings.propose(
            people[0], session, [p.email for p in people[1:]], PEOPLE, SplitKind.EQUAL
        )
        second = pooled_bookings.propose(
            people[-1], session, [p.email for p in reversed(people[:-1])], PEOPLE, SplitKind.EQUAL
        )
        for pooled in (first, second):
            pooled_bookings.send(pooled, pooled.organiser)
        _db.session.commit()
        result = {
            "people": [(p.id, p.email) for p in people],
            "pooled": [(first.id, first.organiser_id), (second.id, second.organiser_id)],
            "session": session.id,
        }
        _db.session.remove()
    return result


def test_everyone_agreeing_at_once_books_each_pooled_booking_once(pg_app, server, two_pooled):
    """Eight agreements at the same moment, to two pooled bookings sharing every budget (locked
    in one order, so no deadlock): each is booked exactly once, every share paid once."""
    jobs = [
        (pooled_id, person_id, email)
        for pooled_id, organiser_id in two_pooled["pooled"]
        for person_id, email in two_pooled["people"]
        if person_id != organiser_id
    ]

    def agree(i: int, barrier: threading.Barrier) -> Reply:
        pooled_id, person_id, email = jobs[i]
        browser = Browser(server)
        browser.sign_in(email)
        page = browser.get(f"/marketplace/together/{pooled_id}")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body)[1]
        barrier.wait()
        return browser.post(
            f"/marketplace/together/{pooled_id}/agree",
            {"csrf_token": token, "person": str(person_id)},
        )

    replies = _in_parallel(len(jobs), agree)

    assert [r.status for r in replies if r.status != 200] == []
    with pg_app.app_context():
        for pooled_id, _organiser in two_pooled["pooled"]:
            pooled = _db.session.get(PooledBooking, pooled_id)
            assert pooled.status is PooledStatus.BOOKED
            assert all(share.transaction_id is not None for share in pooled.shares)
        assert _db.session.get(Session, two_pooled["session"]).booked == 2 * PEOPLE
        payments = _db.session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT
            )
        ).all()
        assert len(payments) == 2 * PEOPLE
        for person_id, _email in two_pooled["people"]:
            assert ledger.budget_balance(_db.session.get(Member, person_id)) == 3 * PRICE
        assert ledger.all_transactions_balance()
