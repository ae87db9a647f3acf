"""Card payments in the payments layer: postings, the webhook's guard, and reconciling the
ledger with Stripe (against the offline Stripe server)."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import stripe
from sqlalchemy import select

from coop.marketplace.models import Provider, ProviderKind, ProviderStatus
from coop.payments import card, postings
from coop.payments.card_models import CardPayment, StripeEvent
from tests.stripe_server import SECRET_KEY, card_id, event_payload, intent, post_event

EIGHT_PERCENT = Fraction(8, 100)
STRIPE = postings.bank_account("stripe")


# --- Postings (pure) ----------------------------------------------------------------------


def test_a_card_payment_arrives_in_stripe_clearing_and_splits_like_a_budget_payment():
    paid = postings.pay_by_card(STRIPE, "gym", 1299, EIGHT_PERCENT, memo="BK-1: Gym")
    assert paid.entries == (
        postings.Entry(STRIPE, 1299),
        postings.Entry(postings.provider_payable_account("gym"), -1196),
        postings.Entry(postings.COMMISSION_INCOME_ACCOUNT, -103),
    )
    assert postings.is_booking_payment(paid)
    refund = postings.refund_booking(paid)
    assert postings.balances([paid, refund]) == {
        STRIPE: 0,
        postings.provider_payable_account("gym"): 0,
        postings.COMMISSION_INCOME_ACCOUNT: 0,
    }


@pytest.mark.parametrize("gross", [0, -5, 1.5])
def test_a_card_payment_must_be_whole_positive_pence(gross):
    with pytest.raises(postings.LedgerError):
        postings.pay_by_card(STRIPE, "gym", gross, EIGHT_PERCENT)


def test_card_money_only_arrives_in_a_bank_account():
    with pytest.raises(postings.LedgerError, match="bank"):
        postings.pay_by_card(postings.budget_account(7), "gym", 100, EIGHT_PERCENT)


# --- The webhook --------------------------------------------------------------------------


def test_the_webhook_is_not_there_when_cards_are_not_set_up(client, app):
    assert not app.config["STRIPE_SECRET_KEY"]
    assert client.post("/payments/stripe/webhook", data="{}").status_code == 404


def test_an_event_about_someone_elses_payment_intent_is_recorded_once_and_ignored(
    client, db, stripe_api
):
    payload = event_payload("payment_intent.succeeded", {"id": "pi_unknown", "amount": 100})
    assert post_event(client, payload).status_code == 200
    assert post_event(client, payload).json["outcome"] == "already handled"
    event = db.session.scalars(select(StripeEvent)).one()
    assert (event.payment_intent, event.outcome) == ("pi_unknown", "not one of ours")


def test_the_webhook_needs_no_csrf_token_but_every_other_post_does(client, app, stripe_api):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        payload = event_payload("charge.succeeded", {"id": "ch_1"})
        assert post_event(client, payload).status_code == 200
        assert client.post("/logout").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- Reconciling --------------------------------------------------------------------------


@pytest.fixture
def payer(db, make_member):
    member = make_member("carer", email="dev@example.org")
    now = datetime.now(UTC)
    provider = Provider(
        name="Riverside Gym",
        kind=ProviderKind.COMMUNITY_VENUE,
        description="A gym.",
        email="gym@example.org",
        phone="01332 000000",
        address_line_1="1 Gym Street",
        town="Derby",
        postcode="DE1 1AA",
        insurance_expires_on=date.today() + timedelta(days=365),
        status=ProviderStatus.APPROVED,
        applied_at=now,
        approved_at=now,
    )
    db.session.add(provider)
    db.session.commit()
    return db.session.merge(member), provider


def _paid_at_stripe(stripe_id: str) -> None:
    """Someone pays at Stripe, and the webhook never arrives."""
    stripe.PaymentIntent.modify(stripe_id, payment_method=card_id(), api_key=SECRET_KEY)
    stripe.PaymentIntent.confirm(stripe_id, api_key=SECRET_KEY)


def test_one_payment_intent_per_reference_however_often_it_is_asked_for(db, payer, stripe_api):
    member, provider = payer
    first = card.start("BK-AAAA2222", 800, member_id=member.id, provider_id=provider.id)
    again = card.start("BK-AAAA2222", 800, member_id=member.id, provider_id=provider.id)
    assert first is again
    assert len(stripe.PaymentIntent.list(api_key=SECRET_KEY).data) == 1


def test_reconcile_finds_a_disagreement_made_on_purpose_and_exits_non_zero(
    db, payer, stripe_api, runner
):
    member, provider = payer
    agreed = card.start("BK-AGREE222", 800, member_id=member.id, provider_id=provider.id)
    db.session.commit()
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "agree about every card payment" in result.output

    # On purpose: paid at Stripe, but the co-op never booked it (its webhook was lost) ...
    unbooked = card.start("BK-LOST2222", 1200, member_id=member.id, provider_id=provider.id)
    db.session.commit()
    _paid_at_stripe(unbooked.stripe_id)
    # ... and a payment taken at Stripe the co-op has no record of at all.
    stray = stripe.PaymentIntent.create(
        amount=500, currency="gbp", payment_method_types=["card"], api_key=SECRET_KEY
    )
    _paid_at_stripe(stray.id)

    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1, result.output
    assert f"{unbooked.stripe_id}\tBK-LOST2222\tSucceeded at Stripe but not booked" in result.output
    assert f"{stray.id}\t-\tSucceeded at Stripe, but the co-op has no record of it" in result.output
    assert agreed.stripe_id not in result.output
    assert "2 disagreements." in result.output
    found = {d.stripe_id: d for d in card.reconcile()}
    assert (found[unbooked.stripe_id].stripe_pence, found[unbooked.stripe_id].ledger_pence) == (
        1200,
        None,
    )


def test_the_secretary_sees_the_same_disagreements(db, payer, stripe_api, client, auth, secretary):
    member, provider = payer
    unbooked = card.start("BK-LOST3333", 1200, member_id=member.id, provider_id=provider.id)
    db.session.commit()
    _paid_at_stripe(unbooked.stripe_id)
    auth.login(secretary.email)
    page = client.get("/payments/secretary/card-payments").get_data(as_text=True)
    assert "Succeeded at Stripe but not booked" in page and "BK-LOST3333" in page
    auth.logout()
    auth.login(member.email)
    assert client.get("/payments/secretary/card-payments").status_code == 403


def test_reconcile_says_so_when_stripe_cannot_be_reached(db, stripe_api, runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1
    assert "could not reach the card payment service" in result.output


def test_a_payment_intent_amount_is_the_servers(db, payer, stripe_api):
    member, provider = payer
    payment = card.start("BK-AMNT2222", 1600, member_id=member.id, provider_id=provider.id)
    assert intent(payment.stripe_id)["amount"] == 1600
    assert db.session.scalars(select(CardPayment)).one().currency == "gbp"
    with pytest.raises(card.CardError):
        card.start("BK-ZERO2222", 0, member_id=member.id, provider_id=provider.id)


def test_with_real_stripe_the_policy_adds_exactly_stripes_documented_origins(app, monkeypatch):
    from flask import Flask, g

    from coop import security
    from coop.payments import stripe_gateway as gateway

    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "")
    with app.test_request_context("/"):
        assert gateway.js_url() == "https://js.stripe.com/v3/"
        g.csp_extra = gateway.csp_sources()
        response = Flask(__name__).response_class()
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        )
        policy = security._extra_sources(response).headers["Content-Security-Policy"]
    directives = {p.split()[0]: p.split()[1:] for p in policy.split("; ")}
    assert directives["script-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://*.js.stripe.com",
    ]
    assert directives["frame-src"] == [
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_reconcile_since_a_date_leaves_out_older_payment_intents(db, payer, stripe_api, runner):
    from coop import clock

    member, provider = payer
    unbooked = card.start("BK-SNCE2222", 900, member_id=member.id, provider_id=provider.id)
    db.session.commit()
    _paid_at_stripe(unbooked.stripe_id)
    today = clock.london_today()
    since_today = runner.invoke(args=["payments", "reconcile", "--since", today.isoformat()])
    assert since_today.exit_code == 1 and "BK-SNCE2222" in since_today.output
    tomorrow = (today + timedelta(days=1)).isoformat()
    since_tomorrow = runner.invoke(args=["payments", "reconcile", "--since", tomorrow])
    assert since_tomorrow.exit_code == 0, since_tomorrow.output
