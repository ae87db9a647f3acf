"""Paying for places by card: the payment page, the "processing" page, and its status.

The card is tokenised in the page by Stripe.js; the server sets it on the hold's
PaymentIntent and confirms it; 3-D Secure is handed back to Stripe.js; the webhook decides.
"""

from flask import abort, flash, g, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.extensions import db
from coop.forms import show_error
from coop.marketplace import booking_views, bookings, card_bookings, emails
from coop.marketplace.booking_forms import BookForm, CardPaymentForm
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.views import bp
from coop.payments import card
from coop.payments import stripe_gateway as gateway

#: Shown wherever a card is asked for while the app talks to the offline stand-in.
TEST_CARDS = (
    ("4242 4242 4242 4242", "pays"),
    ("4000 0000 0000 0341", "is declined"),
    ("4000 0025 0000 3155", "asks for a 3-D Secure check first"),
)


def test_cards():
    """The test cards to tell people about, or () with real Stripe."""
    return TEST_CARDS if gateway.enabled() and gateway.is_offline() else ()


def send_refunds() -> int:
    """Send requested card refunds to Stripe now (after the caller's commit); the worker
    tries again later any that Stripe could not take."""
    if not gateway.enabled():
        return 0
    return card.send_refunds()


def cancel_payment_intents(stripe_ids) -> None:
    """Cancel the PaymentIntents of holds that ended, after the commit that ended them."""
    stripe_ids = [stripe_id for stripe_id in stripe_ids if stripe_id]
    if stripe_ids and gateway.enabled():
        card.cancel_at_stripe(stripe_ids)
        db.session.commit()


def _allow_stripe_js() -> None:
    """This page runs Stripe.js: the Content-Security-Policy adds exactly its origins."""
    g.csp_extra = gateway.csp_sources()


def _own_hold_or_404(hold_id: int) -> CardHold:
    hold = card_bookings.hold_of(current_user, hold_id)
    if hold is None:
        abort(404)
    return hold


def start_card_payment(session, form: BookForm, expected: int):
    """Hold the places and make the PaymentIntent, then go to the payment page.

    Stripe down or refusing leaves nothing behind: the hold is rolled back with the request,
    and the booking page comes back with what was typed.
    """
    try:
        offers, unpaid = card_bookings.expire_holds(session=session)
        offers += bookings.expire_offers(session=session)
        hold = card_bookings.hold_for_card(
            current_user, session, places=form.places.data, expected_price_pence=expected
        )
    except bookings.BookingError as error:
        return booking_views._refused(session.id, form, error)
    except gateway.GatewayError as error:
        db.session.rollback()
        session = booking_views._session_or_404(session.id)
        show_error(form, error, "places", error.message)
        return booking_views._book_page(session, form, 503)
    emails.send_offers(offers)
    db.session.commit()
    cancel_payment_intents(unpaid)
    return redirect(url_for("marketplace.card_pay", hold_id=hold.id))


def _pay_page(hold: CardHold, form: CardPaymentForm, status: int = 200, client_secret=None):
    _allow_stripe_js()
    return (
        render_template(
            "marketplace/card/pay.html",
            hold=hold,
            session=hold.session,
            listing=hold.session.listing,
            form=form,
            live=hold.is_held and not hold.lapsed,
            ended=None if hold.is_held and not hold.lapsed else _ended(hold),
            client_secret=client_secret,
            publishable_key=gateway_key(),
            stripe_js=gateway.js_url(),
            test_cards=test_cards(),
        ),
        status,
    )


def gateway_key() -> str:
    from flask import current_app

    return current_app.config.get("STRIPE_PUBLISHABLE_KEY") or ""


def _ended(hold: CardHold) -> str:
    if hold.lapsed:
        return card_bookings.TIME_RAN_OUT
    return card_bookings.ended_message(hold)


@bp.get("/card/<int:hold_id>")
@login_required
def card_pay(hold_id: int):
    """The payment page: what is held, until when, and the card form."""
    hold = _own_hold_or_404(hold_id)
    if hold.status is CardHoldStatus.BOOKED:
        return redirect(url_for("marketplace.booking", booking_id=hold.booking_id))
    return _pay_page(hold, CardPaymentForm())


@bp.post("/card/<int:hold_id>/pay")
@login_required
def card_pay_submit(hold_id: int):
    """Confirm the payment with the tokenised card; 3-D Secure goes back to the page."""
    hold = _own_hold_or_404(hold_id)
    form = CardPaymentForm()
    if not form.validate_on_submit():
        return _pay_page(hold, form, 400)
    try:
        attempt = card_bookings.pay(hold, current_user, form.payment_method.data)
    except card_bookings.PaymentRefused as refused:
        emails.send_offers(refused.offers)
        db.session.commit()
        cancel_payment_intents([refused.stripe_id])
        hold = db.session.get(CardHold, hold_id)
        book_form = BookForm(formdata=None)
        book_form.places.data = hold.places
        book_form.method.data = "card"
        show_error(book_form, refused, "places")
        return booking_views._book_page(hold.session, book_form, 402)
    except card_bookings.HoldEnded:
        db.session.rollback()
        return redirect(url_for("marketplace.card_pay", hold_id=hold_id))
    except bookings.BookingError as error:
        db.session.rollback()
        show_error(form, error, "payment_method", error.message)
        return _pay_page(db.session.get(CardHold, hold_id), form, 400)
    db.session.commit()
    if attempt.status == "requires_action":
        return _pay_page(db.session.get(CardHold, hold_id), form, 200, attempt.client_secret)
    return redirect(url_for("marketplace.card_done", hold_id=hold_id))


@bp.get("/card/<int:hold_id>/done")
@login_required
def card_done(hold_id: int):
    """After paying: "processing" until the webhook settles it, then the confirmation."""
    hold = _own_hold_or_404(hold_id)
    if hold.status is CardHoldStatus.BOOKED:
        flash("booked", "panel")
        return redirect(url_for("marketplace.booking", booking_id=hold.booking_id))
    return render_template(
        "marketplace/card/done.html",
        hold=hold,
        session=hold.session,
        listing=hold.session.listing,
        processing=hold.is_held,
        ended=None if hold.is_held else card_bookings.ended_message(hold),
        now=clock.now(),
    )


@bp.get("/card/<int:hold_id>/status.json")
@login_required
def card_status(hold_id: int):
    """Where the payment stands, for the processing page's script; reads only."""
    hold = _own_hold_or_404(hold_id)
    return jsonify(status=hold.status.value)
