"""Paying by card against the offline Stripe server: holds, the webhook, expiry, refunds,
and Stripe failing or stopping mid-flow."""

import re
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import func, select

from coop import clock
from coop.marketplace import card_bookings
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.models import Booking, BookingStatus, PaymentMethod, Session
from coop.payments import card, ledger
from coop.payments.card_models import (
    CardPayment,
    CardPaymentStatus,
    CardRefund,
    CardRefundStatus,
    StripeEvent,
)
from coop.payments.models import LedgerTransaction, TransactionKind
from tests.stripe_server import (
    DECLINED_CARD,
    SECRET_KEY,
    THREE_D_SECURE_CARD,
    StripeServer,
    card_id,
    configure,
    event_payload,
    intent,
    post_event,
    sign,
)

PRICE = 800


@pytest.fixture
def carer(make_member, auth):
    member = make_member("carer", email="dev@example.org", name="Dev Carer")
    auth.login(member.email)
    return member


@pytest.fixture
def gym_session(make_listing, make_session, gym):
    listing = make_listing(gym, title="Gym session", price_pence=PRICE, places=3)
    return make_session(listing)


def _hold(client, session_id, places=1, price=PRICE, method="card"):
    return client.post(
        f"/marketplace/sessions/{session_id}/book",
        data={"places": str(places), "price_pence": str(price), "method": method},
    )


def _only_hold(db) -> CardHold:
    return db.session.scalars(select(CardHold)).one()


def _payment(db, hold) -> CardPayment:
    return db.session.scalars(
        select(CardPayment).where(CardPayment.reference == hold.reference)
    ).one()


def _pay(client, hold, number="4242424242424242"):
    return client.post(f"/marketplace/card/{hold.id}/pay", data={"payment_method": card_id(number)})


def _counts(db):
    return {
        "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
        "ledger": db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        "held": db.session.scalar(
            select(func.count()).select_from(CardHold).where(CardHold.status == CardHoldStatus.HELD)
        ),
    }


def _places(db, session_id):
    db.session.expire_all()
    session = db.session.get(Session, session_id)
    return session.booked, session.held


def _succeeded(client, db, hold, event_id=None):
    """Stripe's payment_intent.succeeded for the hold's PaymentIntent, as it has it now."""
    payload = event_payload(
        "payment_intent.succeeded", intent(_payment(db, hold).stripe_id), event_id
    )
    return payload, post_event(client, payload)


# --- Choosing card ------------------------------------------------------------------------


def test_a_carer_is_offered_card_only_and_told_which_test_cards_to_use(
    client, db, carer, gym_session, stripe_api
):
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book").get_data(as_text=True)
    assert "Continue to pay by card" in page
    assert "Pay from your budget" not in page
    assert "4242 4242 4242 4242" in page and "4000 0000 0000 0341" in page


def test_a_budget_holder_chooses_budget_or_card(client, db, holder, auth, gym_session, stripe_api):
    auth.login(holder.email)  # nobody is signed in yet
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book").get_data(as_text=True)
    assert "Pay from your budget" in page and "Pay by card" in page
    unchosen = _hold(client, gym_session.id, method="")
    assert unchosen.status_code == 400
    assert "Choose how you want to pay" in unchosen.get_data(as_text=True)
    assert _counts(db) == {"bookings": 0, "ledger": 1, "held": 0}  # the £50 paid in only


def test_a_listing_budgets_may_not_pay_for_is_card_only_and_says_why(
    client, db, holder, auth, make_listing, make_session, gym, stripe_api
):
    auth.login(holder.email)
    listing = make_listing(gym, price_pence=PRICE, direct_payments_allowed=False)
    session = make_session(listing)
    page = client.get(f"/marketplace/sessions/{session.id}/book").get_data(as_text=True)
    assert "Budgets cannot pay for this listing" in page
    assert "Continue to pay by card" in page and "Pay from your budget" not in page
    assert _hold(client, session.id, method="budget").status_code == 400
    assert _hold(client, session.id).status_code == 302


def test_staff_cannot_pay_their_own_provider_by_card(
    client, db, auth, gym_staff, gym_session, stripe_api
):
    auth.login(gym_staff.email)
    response = _hold(client, gym_session.id)
    assert response.status_code == 400
    assert "cannot pay for its sessions" in response.get_data(as_text=True)
    assert _counts(db)["held"] == 0
    assert stripe.PaymentIntent.list(api_key=SECRET_KEY).data == []


def test_choosing_card_holds_the_places_and_makes_one_payment_intent_for_the_price(
    client, db, carer, gym_session, stripe_api
):
    first = _hold(client, gym_session.id, places=2)
    again = _hold(client, gym_session.id, places=2)  # a double-clicked button
    hold = _only_hold(db)
    assert first.headers["Location"] == again.headers["Location"] == f"/marketplace/card/{hold.id}"
    assert (hold.places, hold.total_pence, hold.status) == (2, 2 * PRICE, CardHoldStatus.HELD)
    assert hold.expires_at == hold.created_at + timedelta(minutes=15)
    assert _places(db, gym_session.id) == (0, 2)
    intents = stripe.PaymentIntent.list(api_key=SECRET_KEY).data
    assert len(intents) == 1
    assert (intents[0].amount, intents[0].currency) == (2 * PRICE, "gbp")
    assert intents[0].metadata.to_dict()["reference"] == hold.reference
    page = client.get(f"/marketplace/card/{hold.id}").get_data(as_text=True)
    assert "Pay £16.00" in page and hold.reference in page


def test_the_payment_page_allows_exactly_the_stripe_origin(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    policy = client.get(f"/marketplace/card/{hold.id}").headers["Content-Security-Policy"]
    directives = {p.split()[0]: p.split()[1:] for p in policy.split("; ")}
    assert directives["script-src"] == ["'self'", stripe_api.base]
    assert directives["connect-src"] == ["'self'", stripe_api.base]
    assert "frame-src" not in directives
    other = client.get("/marketplace/bookings").headers["Content-Security-Policy"]
    assert stripe_api.base not in other


def test_someone_elses_hold_is_404(client, db, carer, auth, make_member, gym_session, stripe_api):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    other = make_member("pa", email="pat@example.org")
    auth.logout()
    auth.login(other.email)
    assert client.get(f"/marketplace/card/{hold.id}").status_code == 404
    assert client.get(f"/marketplace/card/{hold.id}/status.json").status_code == 404
    assert _pay(client, hold).status_code == 404


# --- The webhook decides ------------------------------------------------------------------


def test_paying_then_the_webhook_books_once_and_posts_once_however_often_it_comes(
    client, db, carer, gym_session, stripe_api, mailbox
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    paid = _pay(client, hold)
    assert paid.status_code == 302 and paid.headers["Location"].endswith(f"/card/{hold.id}/done")
    processing = client.get(f"/marketplace/card/{hold.id}/done").get_data(as_text=True)
    assert "Your payment is processing" in processing
    assert client.get(f"/marketplace/card/{hold.id}/status.json").json == {"status": "held"}
    assert _counts(db)["bookings"] == 0  # the webhook decides, not the page

    payload, first = _succeeded(client, db, hold)
    assert first.status_code == 200
    for _ in range(4):
        assert post_event(client, payload).status_code == 200  # the same event, 5 times in all

    booking = db.session.scalars(select(Booking)).one()
    assert (booking.reference, booking.payment_method) == (hold.reference, PaymentMethod.CARD)
    assert _places(db, gym_session.id) == (1, 0)
    payments = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT)
    ).all()
    assert len(payments) == 1
    entries = {e.account.key: e.amount_pence for e in payments[0].entries}
    assert entries["bank:stripe"] == PRICE
    assert sum(entries.values()) == 0
    assert entries[f"provider_payable:{gym_session.listing.provider_id}"] < 0
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert len(mailbox.to("dev@example.org")) == 1
    message = mailbox.to("dev@example.org")[0]
    assert "paid by card" in mailbox.body(message)
    assert any(
        part.get_filename() == f"{hold.reference}.ics" for part in message.iter_attachments()
    )

    done = client.get(f"/marketplace/card/{hold.id}/done")
    assert done.headers["Location"] == f"/marketplace/bookings/{booking.id}"
    confirmed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Booking confirmed" in confirmed and "£8.00 by card" in confirmed


def test_forged_and_stale_signatures_get_400_and_change_nothing(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    _pay(client, hold)
    payload = event_payload("payment_intent.succeeded", intent(_payment(db, hold).stripe_id))
    before = _counts(db)
    forged = post_event(client, payload, sign(payload, secret="whsec_someone_else"))
    stale = post_event(client, payload, sign(payload, at=int(clock.now().timestamp()) - 301))
    unsigned = client.post(
        "/payments/stripe/webhook", data=payload, headers={"Content-Type": "application/json"}
    )
    tampered = post_event(client, payload.replace(str(PRICE), "1"), sign(payload))
    assert [r.status_code for r in (forged, stale, unsigned, tampered)] == [400] * 4
    assert _counts(db) == before
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert _places(db, gym_session.id) == (0, 1)


def test_an_amount_that_differs_confirms_nothing_and_is_flagged_to_the_secretary(
    client, db, carer, secretary, gym_session, stripe_api, mailbox
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    _pay(client, hold)
    paid = intent(_payment(db, hold).stripe_id)
    for changed in ({"amount_received": 1, "amount": 1}, {"currency": "eur"}):
        payload = event_payload("payment_intent.succeeded", paid | changed)
        assert post_event(client, payload).status_code == 200
    assert _counts(db)["bookings"] == 0
    assert _places(db, gym_session.id) == (0, 1)
    payment = _payment(db, hold)
    assert payment.status is CardPaymentStatus.OPEN and "Nothing was booked" in payment.problem
    assert any("does not match" in m["Subject"] for m in mailbox.to(secretary.email))


def test_a_declined_card_says_so_keeps_the_form_and_frees_the_place(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id, places=2)
    hold = _only_hold(db)
    response = _pay(client, hold, DECLINED_CARD)
    page = response.get_data(as_text=True)
    assert response.status_code == 402
    assert "Your card was declined" in page
    assert re.search(r'name="places"[^>]*value="2"', page)
    assert _places(db, gym_session.id) == (0, 0)
    assert _counts(db) == {"bookings": 0, "ledger": 0, "held": 0}
    db.session.expire_all()
    assert _only_hold(db).status is CardHoldStatus.FAILED
    assert intent(_payment(db, hold).stripe_id)["status"] == "canceled"
    # Stripe's payment_failed arrives later and changes nothing more.
    failed = event_payload("payment_intent.payment_failed", intent(_payment(db, hold).stripe_id))
    assert post_event(client, failed).status_code == 200
    assert _places(db, gym_session.id) == (0, 0)


def test_a_payment_failed_event_frees_the_places_and_tells_the_person(
    client, db, carer, gym_session, stripe_api, mailbox
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    payload = event_payload("payment_intent.payment_failed", intent(_payment(db, hold).stripe_id))
    assert post_event(client, payload).status_code == 200
    assert _places(db, gym_session.id) == (0, 0)
    assert any("did not go through" in m["Subject"] for m in mailbox.to("dev@example.org"))
    assert client.get(f"/marketplace/card/{hold.id}/status.json").json == {"status": "failed"}


def test_three_d_secure_hands_the_check_back_to_the_page(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    response = _pay(client, hold, THREE_D_SECURE_CARD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-client-secret="{_payment(db, hold).client_secret}"' in page
    assert "Your bank wants to check it is you" in page
    assert _places(db, gym_session.id) == (0, 1)


def test_an_event_out_of_order_never_moves_a_payment_backwards(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    _pay(client, hold)
    stripe_id = _payment(db, hold).stripe_id
    _succeeded(client, db, hold)
    late_failure = event_payload("payment_intent.payment_failed", intent(stripe_id))
    assert post_event(client, late_failure).status_code == 200
    db.session.expire_all()
    assert _payment(db, hold).status is CardPaymentStatus.SUCCEEDED
    assert db.session.scalars(select(Booking)).one().is_confirmed
    assert _places(db, gym_session.id) == (1, 0)


# --- Holds that run out, late payments ----------------------------------------------------


def test_a_hold_that_runs_out_frees_the_place_and_cancels_the_payment_intent(
    client, db, carer, gym_session, stripe_api, runner, monkeypatch
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    stripe_id = _payment(db, hold).stripe_id
    later = hold.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    # The page already treats it as gone, without writing.
    page = client.get(f"/marketplace/sessions/{gym_session.id}/book").get_data(as_text=True)
    assert '<dd class="govuk-summary-list__value">\n          3' in page or "3" in page
    result = runner.invoke(args=["marketplace", "process-waitlist"])
    assert result.exit_code == 0, result.output
    assert "1 unpaid card hold" in result.output
    assert _places(db, gym_session.id) == (0, 0)
    db.session.expire_all()
    assert _only_hold(db).status is CardHoldStatus.EXPIRED
    assert intent(stripe_id)["status"] == "canceled"
    assert db.session.get(CardPayment, _payment(db, hold).id).status is CardPaymentStatus.CANCELLED
    assert _pay(client, hold).status_code == 302  # back to the page, which says it ran out
    assert "ran out" in client.get(f"/marketplace/card/{hold.id}").get_data(as_text=True)


def test_the_worker_job_lets_a_lapsed_hold_go_too(db, client, carer, gym_session, stripe_api):
    from coop.marketplace.cli import expire_card_holds_now

    _hold(client, gym_session.id)
    hold = _only_hold(db)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: hold.expires_at + timedelta(minutes=1))
        assert expire_card_holds_now() == "Let 1 unpaid card hold go."
    assert _places(db, gym_session.id) == (0, 0)


def _expire(db, hold, monkeypatch):
    offers, unpaid = card_bookings.expire_holds(hold.expires_at + timedelta(seconds=1))
    db.session.commit()
    return unpaid


def test_a_late_success_is_booked_if_the_place_is_still_free(
    client, db, carer, gym_session, stripe_api, monkeypatch
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    _pay(client, hold)  # paid at Stripe, but the webhook is slow
    _expire(db, hold, monkeypatch)
    assert _places(db, gym_session.id) == (0, 0)
    _succeeded(client, db, hold)
    assert db.session.scalars(select(Booking)).one().is_confirmed
    assert _places(db, gym_session.id) == (1, 0)


def test_a_late_success_after_the_place_went_is_refunded_automatically(
    client, db, carer, auth, make_member, make_listing, make_session, gym, stripe_api, mailbox
):
    listing = make_listing(gym, price_pence=PRICE, places=1)
    session = make_session(listing)
    _hold(client, session.id)
    hold = _only_hold(db)
    stripe_id = _payment(db, hold).stripe_id
    _pay(client, hold)
    _expire(db, hold, None)
    # Someone else takes the one place meanwhile.
    other = make_member("pa", email="pat@example.org")
    auth.logout()
    auth.login(other.email)
    _hold(client, session.id)
    assert _places(db, session.id) == (0, 1)

    payload = event_payload("payment_intent.succeeded", intent(stripe_id))
    assert post_event(client, payload).status_code == 200
    assert post_event(client, payload).status_code == 200
    db.session.expire_all()
    assert db.session.get(CardHold, hold.id).status is CardHoldStatus.REFUNDED
    assert _counts(db)["bookings"] == 0
    refund = db.session.scalars(select(CardRefund)).one()
    assert refund.status is CardRefundStatus.SUCCEEDED and refund.stripe_id.startswith("re_")
    assert refund.amount_pence == PRICE
    refunds = stripe.Refund.list(api_key=SECRET_KEY).data
    assert len(refunds) == 1 and refunds[0].amount == PRICE
    assert _places(db, session.id) == (0, 1)  # the other person's hold is untouched
    assert ledger.all_transactions_balance()
    assert any("Refund" in m["Subject"] for m in mailbox.to("dev@example.org"))


# --- Cancelling and refunds ---------------------------------------------------------------


def _booked(client, db, session_id):
    _hold(client, session_id)
    hold = db.session.scalars(select(CardHold).order_by(CardHold.id.desc())).first()
    _pay(client, hold)
    _succeeded(client, db, hold)
    db.session.expire_all()
    return db.session.scalars(select(Booking).where(Booking.reference == hold.reference)).one()


def test_cancelling_refunds_through_stripe_and_reverses_the_ledger_once(
    client, db, carer, gym_session, stripe_api
):
    booking = _booked(client, db, gym_session.id)
    for _ in range(2):  # a double click
        client.post(f"/marketplace/bookings/{booking.id}/cancel")
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.status is BookingStatus.CANCELLED and booking.refund_pence == PRICE
    refund = db.session.scalars(select(CardRefund)).one()
    assert refund.status is CardRefundStatus.SUCCEEDED and refund.ledger_posted
    assert len(stripe.Refund.list(api_key=SECRET_KEY).data) == 1
    reversals = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == TransactionKind.REFUND)
    ).all()
    assert len(reversals) == 1
    assert {e.account.key: e.amount_pence for e in reversals[0].entries}["bank:stripe"] == -PRICE
    assert ledger.all_transactions_balance()
    assert card.send_refunds() == 0  # the worker finds nothing more to send
    page = client.get(f"/marketplace/bookings/{booking.id}").get_data(as_text=True)
    assert "Refunded to your card" in page
    assert _places(db, gym_session.id) == (0, 0)


def test_a_refund_stripe_cannot_take_waits_and_the_worker_sends_it_later(
    client, db, carer, gym_session, stripe_api, monkeypatch, app
):
    booking = _booked(client, db, gym_session.id)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")  # Stripe down
    client.post(f"/marketplace/bookings/{booking.id}/cancel")
    db.session.expire_all()
    refund = db.session.scalars(select(CardRefund)).one()
    assert refund.status is CardRefundStatus.REQUESTED and not refund.ledger_posted
    page = client.get(f"/marketplace/bookings/{booking.id}").get_data(as_text=True)
    assert "Being sent to your card" in page
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.REFUND)
        )
        == 0
    )
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_api.base)
    from coop.payments.cli import send_refunds_now

    assert send_refunds_now() == "Sent 1 card refund."
    assert send_refunds_now() == "Sent 0 card refunds."
    assert len(stripe.Refund.list(api_key=SECRET_KEY).data) == 1


def test_a_provider_cancelling_a_session_refunds_every_card_booking(
    client, db, carer, auth, gym_staff, gym_session, stripe_api
):
    booking = _booked(client, db, gym_session.id)
    auth.logout()
    auth.login(gym_staff.email)
    provider_id = gym_session.listing.provider_id
    response = client.post(
        f"/marketplace/provider/{provider_id}/sessions/{gym_session.id}/cancel",
        data={"reason": "The gym floor is flooded"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED_BY_PROVIDER
    assert db.session.scalars(select(CardRefund)).one().status is CardRefundStatus.SUCCEEDED
    assert len(stripe.Refund.list(api_key=SECRET_KEY).data) == 1


# --- Stripe down or stopped ---------------------------------------------------------------


@pytest.fixture
def own_stripe(app, monkeypatch, tmp_path):
    """A localstripe this test may stop."""
    server = StripeServer(tmp_path).start()
    server.send_webhooks_to("http://127.0.0.1:9/")
    configure(app, monkeypatch, server.base)
    yield server
    server.stop()


def test_stripe_stopped_before_the_hold_leaves_nothing_and_keeps_the_form(
    client, db, carer, gym_session, own_stripe
):
    own_stripe.stop()
    response = _hold(client, gym_session.id, places=2)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "could not reach the card payment service" in page
    assert re.search(r'name="places"[^>]*value="2"', page)
    assert _counts(db) == {"bookings": 0, "ledger": 0, "held": 0}
    assert db.session.scalar(select(func.count()).select_from(CardHold)) == 0
    assert _places(db, gym_session.id) == (0, 0)


def test_stripe_stopped_mid_payment_leaves_nothing_and_keeps_the_form(
    client, db, carer, gym_session, own_stripe
):
    _hold(client, gym_session.id, places=2)
    hold = _only_hold(db)
    token = card_id()
    own_stripe.stop()  # Stripe goes down while the person types their card
    response = client.post(f"/marketplace/card/{hold.id}/pay", data={"payment_method": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 402
    assert "could not reach the card payment service" in page
    assert re.search(r'name="places"[^>]*value="2"', page)
    assert _counts(db) == {"bookings": 0, "ledger": 0, "held": 0}
    assert _places(db, gym_session.id) == (0, 0)


def test_pressing_pay_twice_confirms_once_and_keeps_the_hold(
    client, db, carer, gym_session, stripe_api
):
    _hold(client, gym_session.id)
    hold = _only_hold(db)
    assert _pay(client, hold).status_code == 302
    again = _pay(client, hold)  # a second tab, or a double click the page did not stop
    assert again.status_code == 302 and again.headers["Location"].endswith("/done")
    db.session.expire_all()
    assert _only_hold(db).status is CardHoldStatus.HELD
    assert intent(_payment(db, hold).stripe_id)["status"] == "succeeded"
    _succeeded(client, db, hold)
    assert _places(db, gym_session.id) == (1, 0)
