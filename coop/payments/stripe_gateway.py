"""The one place the app talks to Stripe: configured from the app's settings on every call.

Every call either returns Stripe's answer or raises one of this module's errors, so callers
never see stripe-python's own exceptions. stripe-python objects are not dicts: read attributes.
"""

from __future__ import annotations

import stripe
from flask import current_app

#: The co-op charges in pounds.
CURRENCY = "gbp"
#: Where Stripe.js comes from, and the origins Stripe's Content-Security-Policy guide says it
#: needs for cards with 3-D Secure (docs.stripe.com/security/guide#content-security-policy).
REAL_JS_URL = "https://js.stripe.com/v3/"
REAL_SCRIPT_ORIGINS = ("https://js.stripe.com", "https://*.js.stripe.com")
REAL_FRAME_ORIGINS = (
    "https://js.stripe.com",
    "https://*.js.stripe.com",
    "https://hooks.stripe.com",
)
REAL_CONNECT_ORIGINS = ("https://api.stripe.com",)


class GatewayError(Exception):
    """Stripe could not be reached, or refused; ``message`` is for the person, in plain English."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class CardDeclined(GatewayError):
    """The card was declined (or the payment failed at the bank)."""


class StripeUnavailable(GatewayError):
    """Stripe did not answer: a network error or an outage. Nothing may be assumed."""


def enabled() -> bool:
    """Whether card payments are set up (a secret key, and the webhook's signing secret)."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def api_base() -> str:
    return current_app.config.get("STRIPE_API_BASE") or stripe.DEFAULT_API_BASE


def is_offline() -> bool:
    """Whether the app talks to the offline stand-in (localstripe) rather than Stripe."""
    return bool(current_app.config.get("STRIPE_API_BASE"))


def js_url() -> str:
    """Stripe.js: from Stripe, or the stand-in's copy offline."""
    return f"{api_base()}/js.stripe.com/v3/" if is_offline() else REAL_JS_URL


def csp_sources() -> dict[str, tuple[str, ...]]:
    """What the Content-Security-Policy must add on a page running Stripe.js, and no more."""
    if is_offline():
        origin = api_base()
        return {"script-src": (origin,), "connect-src": (origin,)}
    return {
        "script-src": REAL_SCRIPT_ORIGINS,
        "frame-src": REAL_FRAME_ORIGINS,
        "connect-src": REAL_CONNECT_ORIGINS,
    }


def _configure() -> None:
    stripe.api_key = current_app.config.get("STRIPE_SECRET_KEY") or None
    stripe.api_base = api_base()


def _call(function, *args, **kwargs):
    _configure()
    try:
        return function(*args, **kwargs)
    except stripe.CardError as error:
        raise CardDeclined(_declined_message(error), getattr(error, "code", None)) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise StripeUnavailable(_unavailable_message()) from error
    except stripe.StripeError as error:
        status = getattr(error, "http_status", None)
        if status is None or status >= 500:
            raise StripeUnavailable(_unavailable_message()) from error
        raise GatewayError(
            "The card payment service refused the request. Nothing has been paid. "
            "Try again, or contact the co-op if it happens again.",
            getattr(error, "code", None),
        ) from error


def _unavailable_message() -> str:
    return (
        "We could not reach the card payment service, so nothing has been paid and nothing "
        "has been booked. Try again in a few minutes."
    )


def _declined_message(error) -> str:
    return (
        "Your card was declined, so nothing has been paid and nothing has been booked. "
        "Check the card details, try another card, or ask your bank why."
    )


def create_payment_intent(amount_pence: int, reference: str, member_id: int):
    """A PaymentIntent for the amount the server worked out, in pounds, with the reference."""
    return _call(
        stripe.PaymentIntent.create,
        amount=amount_pence,
        currency=CURRENCY,
        payment_method_types=["card"],
        metadata={"reference": reference, "member_id": str(member_id)},
        idempotency_key=f"coop-pi-{reference}",
    )


def confirm_with_card(payment_intent_id: str, payment_method: str):
    """Set the tokenised card on the PaymentIntent, then confirm it (server-side confirmation)."""
    _call(stripe.PaymentIntent.modify, payment_intent_id, payment_method=payment_method)
    return _call(stripe.PaymentIntent.confirm, payment_intent_id)


def retrieve(payment_intent_id: str):
    return _call(stripe.PaymentIntent.retrieve, payment_intent_id)


def cancel(payment_intent_id: str):
    return _call(stripe.PaymentIntent.cancel, payment_intent_id)


def refund(payment_intent_id: str, amount_pence: int, key: str):
    return _call(
        stripe.Refund.create,
        payment_intent=payment_intent_id,
        amount=amount_pence,
        idempotency_key=key,
    )


def list_payment_intents(since_timestamp: int | None = None):
    """Every PaymentIntent at Stripe (created since the moment given), newest first."""
    params = {"limit": 100}
    if since_timestamp is not None:
        params["created"] = {"gte": since_timestamp}
    try:
        page = _call(stripe.PaymentIntent.list, **params)
    except StripeUnavailable:
        raise
    except GatewayError:
        if since_timestamp is None:
            raise
        page = _call(stripe.PaymentIntent.list, limit=100)  # the offline server cannot filter
    return [
        intent
        for intent in page.auto_paging_iter()
        if since_timestamp is None or intent.created >= since_timestamp
    ]


class BadSignature(Exception):
    """The webhook's body or signature is not Stripe's (or is too old)."""


def verify_event(payload: bytes, signature: str | None):
    """The event, if the signature on the raw body is good and under 300 seconds old."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret or not signature:
        raise BadSignature("No signature")
    try:
        return stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise BadSignature(str(error)) from error
