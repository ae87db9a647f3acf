"""Never overbooked, never overspent: simultaneous bookings through gunicorn on PostgreSQL."""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from coop.extensions import db as _db
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Session,
)
from coop.members import service as members
from coop.members.models import MemberClass
from coop.payments import ledger
from coop.payments.models import FundingKind, LedgerTransaction, TransactionKind
from tests.conftest import PASSWORD
from tests.races import Browser, Reply, _in_parallel, _new_member, race_gym

BUYERS = 50
PLACES = 10
PRICE = 800
SESSIONS_FOR_ONE_BUDGET = 10
AFFORDABLE = 3
CONFIRMED = re.compile(r"Your reference is<br><strong>(BK-[A-Z0-9]{8})</strong>")


@pytest.fixture
def market(pg_app, monkeypatch):
    """A provider with a 10-place session and ten more sessions, 50 funded budget holders
    (one with money for only three places), committed for the server."""
    password_hash = generate_password_hash(PASSWORD)
    monkeypatch.setattr(members, "hash_password", lambda _password: password_hash)
    with pg_app.app_context():
        now = datetime.now(UTC)
        secretary = _new_member("secretary@race.example", MemberClass.BUDGET_HOLDER, now)
        members.make_secretary(secretary, now)
        owner = _new_member("gym@race.example", MemberClass.PROVIDER, now, "Race Gym")
        listing = race_gym(now, price_pence=PRICE, places_per_session=PLACES, owner=owner)
        first_day = date.today() + timedelta(days=7)
        sessions = []
        for n in range(1 + SESSIONS_FOR_ONE_BUDGET):
            starts = datetime.combine(first_day + timedelta(days=n), time(18, 0), tzinfo=UTC)
            sessions.append(
                Session(
                    listing=listing,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    places=PLACES,
                )
            )
        _db.session.add_all([listing, *sessions])
        buyers = [
            _new_member(f"buyer{n}@race.example", MemberClass.BUDGET_HOLDER, now)
            for n in range(BUYERS)
        ]
        _db.session.flush()
        for n, buyer in enumerate(buyers):
            pence = PRICE * AFFORDABLE if n == 0 else PRICE * 5
            ledger.record_funding(
                buyer, pence, FundingKind.DIRECT_PAYMENT, date.today(), f"DP-{n}", by=secretary
            )
        _db.session.commit()
        result = {
            "buyers": [(b.id, b.email) for b in buyers],
            "big_session": sessions[0].id,
            "sessions": [s.id for s in sessions[1:]],
        }
        _db.session.remove()
    return result


def _book(browser: Browser, session_id: int) -> dict:
    """The booking form as the page gives it: its CSRF token, 1 place and the price shown."""
    page = browser.get(f"/marketplace/sessions/{session_id}/book")
    assert page.status == 200, page.body
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body)[1]
    price = re.search(r'name="price_pence" type="hidden" value="(\d+)"', page.body)[1]
    return {"csrf_token": token, "places": "1", "price_pence": price}


def _money_moved(app) -> tuple[int, int]:
    """(booking payments, pence taken from budgets by them) in the ledger."""
    with app.app_context():
        payments = _db.session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT
            )
        ).all()
        taken = sum(e.amount_pence for p in payments for e in p.entries if e.amount_pence > 0)
        assert ledger.all_transactions_balance()
        return len(payments), taken


def test_fifty_people_booking_ten_places_at_once_get_ten_bookings(pg_app, server, market):
    session_id = market["big_session"]
    path = f"/marketplace/sessions/{session_id}/book"

    def book(i: int, barrier: threading.Barrier) -> Reply:
        browser = Browser(server)
        browser.sign_in(market["buyers"][i][1])
        form = _book(browser, session_id)
        barrier.wait()
        return browser.post(path, form)

    replies = _in_parallel(BUYERS, book)

    assert [r.status for r in replies if r.status >= 500] == []
    booked = [r for r in replies if r.status == 200 and CONFIRMED.search(r.body)]
    full = [r for r in replies if r.status == 409 and "This session is full" in r.body]
    assert len(booked) == PLACES
    assert len(full) == BUYERS - PLACES
    with pg_app.app_context():
        session = _db.session.get(Session, session_id)
        assert (session.booked, session.held) == (PLACES, 0)
        references = _db.session.scalars(
            select(Booking.reference).where(
                Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED
            )
        ).all()
        assert sorted(references) == sorted(CONFIRMED.search(r.body)[1] for r in booked)
    assert _money_moved(pg_app) == (PLACES, PLACES * PRICE)


def test_ten_bookings_at_once_against_a_budget_for_three_give_three(pg_app, server, market):
    member_id, email = market["buyers"][0]
    signed_in = Browser(server)
    signed_in.sign_in(email)
    forms = [_book(signed_in, session_id) for session_id in market["sessions"]]

    def book(i: int, barrier: threading.Barrier) -> Reply:
        tab = Browser(server, signed_in.cookies)  # one person, ten tabs
        barrier.wait()
        return tab.post(f"/marketplace/sessions/{market['sessions'][i]}/book", forms[i])

    replies = _in_parallel(SESSIONS_FOR_ONE_BUDGET, book)

    assert [r.status for r in replies if r.status >= 500] == []
    booked = [r for r in replies if r.status == 200 and CONFIRMED.search(r.body)]
    short = [r for r in replies if r.status == 409 and "short" in r.body]
    assert len(booked) == AFFORDABLE
    assert len(short) == SESSIONS_FOR_ONE_BUDGET - AFFORDABLE
    with pg_app.app_context():
        count = _db.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.member_id == member_id)
        )
        assert count == AFFORDABLE
        member = _db.session.get(members.Member, member_id)
        assert ledger.budget_balance(member) == 0
    assert _money_moved(pg_app) == (AFFORDABLE, AFFORDABLE * PRICE)
