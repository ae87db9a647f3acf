"""Thirty people choosing card for the last ten places at once, through gunicorn on PostgreSQL
and the offline Stripe server: ten holds, and the places add up once they are paid or run out."""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import stripe
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from coop.extensions import db as _db
from coop.marketplace import card_bookings
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    PaymentMethod,
    Session,
)
from coop.members import service as members
from coop.members.models import MemberClass
from coop.payments import card, ledger
from coop.payments.card_models import CardPayment
from coop.payments.models import LedgerTransaction, TransactionKind
from tests.conftest import PASSWORD
from tests.races import Browser, Reply, _in_parallel, _new_member, race_gym
from tests.stripe_server import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
    card_id,
    event_payload,
    intent,
    post_event_url,
)

PEOPLE = 30
PLACES = 12
ALREADY_BOOKED = 2
LAST = PLACES - ALREADY_BOOKED
PAID = 6
PRICE = 800


@pytest.fixture
def server_env(stripe_api):
    """The race server pays through the test's offline Stripe server."""
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "COOP_STRIPE_API_BASE": stripe_api.base,
    }


@pytest.fixture
def last_places(pg_app, stripe_api, monkeypatch):
    """A 12-place gym session with 2 places gone, and 30 carers, committed for the server."""
    password_hash = generate_password_hash(PASSWORD)
    monkeypatch.setattr(members, "hash_password", lambda _password: password_hash)
    with pg_app.app_context():
        now = datetime.now(UTC)
        listing = race_gym(now, price_pence=PRICE, places_per_session=PLACES)
        starts = datetime.combine(date.today() + timedelta(days=7), time(18, 0), tzinfo=UTC)
        session = Session(
            listing=listing,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            places=PLACES,
            booked=ALREADY_BOOKED,
        )
        _db.session.add(session)
        people = [
            _new_member(f"carer{n}@race.example", MemberClass.CARER, now) for n in range(PEOPLE)
        ]
        _db.session.commit()
        made = {"session": session.id, "people": [p.email for p in people]}
        _db.session.remove()
    return made


def _book_form(browser: Browser, session_id: int) -> dict:
    page = browser.get(f"/marketplace/sessions/{session_id}/book")
    assert page.status == 200, page.body
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body)[1]
    price = re.search(r'name="price_pence" type="hidden" value="(\d+)"', page.body)[1]
    return {"csrf_token": token, "places": "1", "price_pence": price, "method": "card"}


def test_thirty_people_choosing_card_for_the_last_ten_places_get_ten_holds(
    pg_app, stripe_api, last_places, server
):
    session_id = last_places["session"]

    def choose_card(i: int, barrier: threading.Barrier) -> Reply:
        browser = Browser(server)
        browser.sign_in(last_places["people"][i])
        form = _book_form(browser, session_id)
        barrier.wait()
        return browser.post(f"/marketplace/sessions/{session_id}/book", form)

    replies = _in_parallel(PEOPLE, choose_card)

    assert [r.status for r in replies if r.status >= 500] == []
    paying = [r for r in replies if r.status == 200 and "Pay by card for Gym session" in r.body]
    full = [r for r in replies if r.status == 409 and "This session is full" in r.body]
    assert (len(paying), len(full)) == (LAST, PEOPLE - LAST)
    with pg_app.app_context():
        session = _db.session.get(Session, session_id)
        assert (session.booked, session.held) == (ALREADY_BOOKED, LAST)
        holds = _db.session.scalars(select(CardHold).order_by(CardHold.id)).all()
        assert len(holds) == LAST and all(h.status is CardHoldStatus.HELD for h in holds)
        payments = {
            p.reference: p.stripe_id for p in _db.session.scalars(select(CardPayment)).all()
        }
        assert sorted(payments) == sorted(h.reference for h in holds)
        holds = [(h.reference, h.expires_at) for h in holds]
    assert len(stripe.PaymentIntent.list(api_key=SECRET_KEY, limit=100).data) == LAST

    # Six pay (Stripe confirms, and its webhook reaches the server twice each) ...
    for reference, _expires in holds[:PAID]:
        stripe_id = payments[reference]
        stripe.PaymentIntent.modify(stripe_id, payment_method=card_id(), api_key=SECRET_KEY)
        stripe.PaymentIntent.confirm(stripe_id, api_key=SECRET_KEY)
        payload = event_payload("payment_intent.succeeded", intent(stripe_id))
        assert post_event_url(server, payload) == 200
        assert post_event_url(server, payload) == 200
    # ... and the other four run out.
    with pg_app.app_context():
        _offers, unpaid = card_bookings.expire_holds(max(e for _r, e in holds) + timedelta(1))
        _db.session.commit()
        assert card.cancel_at_stripe(unpaid) == []
        _db.session.commit()

        session = _db.session.get(Session, session_id)
        assert (session.booked, session.held) == (ALREADY_BOOKED + PAID, 0)
        bookings = _db.session.scalars(select(Booking)).all()
        assert len(bookings) == PAID
        assert all(
            b.status is BookingStatus.CONFIRMED and b.payment_method is PaymentMethod.CARD
            for b in bookings
        )
        assert sorted(b.reference for b in bookings) == sorted(r for r, _e in holds[:PAID])
        count = _db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT)
        )
        assert count == PAID
        assert ledger.all_transactions_balance()
        statuses = sorted(h.status.value for h in _db.session.scalars(select(CardHold)))
        assert statuses == ["booked"] * PAID + ["expired"] * (LAST - PAID)
    at_stripe = sorted(i.status for i in stripe.PaymentIntent.list(api_key=SECRET_KEY).data)
    assert at_stripe == ["canceled"] * (LAST - PAID) + ["succeeded"] * PAID
