"""Stripe's webhook, and the secretary's page of card payments that need a look."""

from flask import current_app, render_template, request
from flask_login import current_user

from coop.auth import allowed_only_if
from coop.extensions import csrf, db
from coop.payments import card, service
from coop.payments import card_models as _card_models  # noqa: F401 - the tables, for migrations
from coop.payments import stripe_gateway as gateway
from coop.payments.views import bp

secretary_required = allowed_only_if(service.can_manage_budgets)


@bp.post("/stripe/webhook")
@csrf.exempt  # Stripe's signature on the raw body protects it instead
def stripe_webhook():
    """Stripe's events: verified on the raw body, acted on once, in one transaction."""
    if not gateway.enabled():
        return "Card payments are not set up", 404
    try:
        event = gateway.verify_event(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
    except gateway.BadSignature:
        return "Bad signature", 400
    try:
        outcome = card.handle_event(event)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Stripe event %s could not be handled", event.id)
        raise  # a 500: Stripe sends it again later
    if outcome == "refund requested":
        card.send_refunds()  # a late payment for places that had gone goes straight back
    return {"received": True, "outcome": outcome}


@bp.get("/secretary/card-payments")
@secretary_required
def secretary_card_payments():
    """Card payments the ledger and Stripe disagree about, and those flagged for a look."""
    problems, unreachable = [], None
    if gateway.enabled():
        try:
            problems = card.reconcile()
        except gateway.GatewayError as error:
            unreachable = error.message
    return render_template(
        "payments/secretary_card_payments.html",
        enabled=gateway.enabled(),
        problems=problems,
        unreachable=unreachable,
        flagged=card.flagged(),
        viewer=current_user,
    )
