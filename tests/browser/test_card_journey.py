"""Paying by card in a real browser, by keyboard alone, with axe-core on every page, against
the offline Stripe server and its stand-in Stripe.js: a carer pays for a gym session with the
test card, has a card declined (the place is free again), and completes 3-D Secure."""

import re
from datetime import time

from sqlalchemy import select

from coop import clock
from coop.extensions import db as _db
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.models import Booking, PaymentMethod, Session
from coop.marketplace.schedule import wall_clock_to_utc
from coop.payments import ledger
from coop.payments.card_models import CardPayment
from tests.browser.journeys import PASSWORD, expect, main_menu_link, sign_in, summary_value
from tests.browser.test_marketplace_journey import GYM, put_gym, weekday_ahead
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    THREE_D_SECURE_CARD,
    event_payload,
    intent,
    post_event_url,
)

CARER_EMAIL = "dev@example.org"
BOOKING_REFERENCE = re.compile(r"^BK-[A-HJ-NP-Z2-9]{8}$")


def type_card(user, number: str) -> None:
    """Type a card into Stripe.js's fields, each found by the label the page gave it."""
    page = user.page
    user.type_into(page.get_by_label("Card number", exact=True), number)
    user.type_into(page.get_by_label("Expiry month (MM)", exact=True), "12")
    user.type_into(page.get_by_label("Expiry year (YY)", exact=True), "34")
    user.type_into(page.get_by_label("Security code (CVC)", exact=True), "123")
    user.type_into(page.get_by_label("Postcode", exact=True), "DE1 3AB")


def settle_by_webhook(app, live_server: str) -> None:
    """Stripe's payment_intent.succeeded for the newest PaymentIntent reaches the app, signed."""
    with app.app_context():
        payment = _db.session.scalars(select(CardPayment).order_by(CardPayment.id.desc())).first()
        stripe_id = payment.stripe_id
        _db.session.remove()
    payload = event_payload("payment_intent.succeeded", intent(stripe_id))
    assert post_event_url(live_server, payload) == 200


def wait_for_confirmation(user) -> str:
    """The processing page notices the webhook, and shows the confirmation; its reference."""
    page = user.page
    expect(page.locator(".govuk-panel__title")).to_have_text("Booking confirmed", timeout=20_000)
    user.check_accessibility()
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    assert BOOKING_REFERENCE.match(reference), reference
    return reference


def test_a_carer_pays_by_card_has_a_card_declined_and_completes_3d_secure_by_keyboard(
    keyboard_user, app, make_member, stripe_api, live_server, mailbox
):
    user, page = keyboard_user, keyboard_user.page
    make_member("carer", name="Dev Carer", email=CARER_EMAIL, password=PASSWORD)
    staff = make_member("provider", name="Harry Dixon", organisation_name=GYM)
    day = weekday_ahead(3)
    gym = put_gym(app, staff, day=day)
    evening = wall_clock_to_utc(day, time(18, 0))
    with app.app_context():
        evening_id = _db.session.scalars(
            select(Session.id).where(Session.starts_at == evening)
        ).one()
        _db.session.remove()
    when = clock.format_start(gym.off_peak_starts_at)

    user.open("/")
    sign_in(user, CARER_EMAIL)

    # 1. The test card: she finds the off-peak gym session and pays for it by card.
    user.activate(main_menu_link(page, "Marketplace"))
    user.activate(page.get_by_role("button", name=f"Book Gym session on {when}", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Gym session")
    expect(page.locator("main")).to_contain_text("4242 4242 4242 4242")
    expect(page.get_by_role("radio")).to_have_count(0)  # a carer has no budget: card only
    user.activate(page.get_by_role("button", name="Continue to pay by card", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay by card for Gym session")
    expect(summary_value(page, "To pay")).to_have_text("£4.00")
    type_card(user, GOOD_CARD)
    user.activate(page.get_by_role("button", name="Pay £4.00", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your payment is processing")
    settle_by_webhook(app, live_server)
    reference = wait_for_confirmation(user)
    expect(summary_value(page, "Paid")).to_contain_text("£4.00 by card (Half price off-peak")
    expect(page.get_by_role("link", name="Add to your calendar (.ics file)")).to_be_visible()
    confirmation = mailbox.to(CARER_EMAIL)[-1]
    assert confirmation["Subject"].startswith("Booked: Gym session")
    assert "£4.00 has been paid by card." in mailbox.body(confirmation)
    assert any(p.get_filename() == f"{reference}.ics" for p in confirmation.iter_attachments())

    # 2. A declined card: a clear message, the form as it was, and the place free again.
    user.open(f"/marketplace/sessions/{evening_id}/book")
    expect(summary_value(page, "Places left")).to_have_text("12")
    user.activate(page.get_by_role("button", name="Continue to pay by card", exact=True))
    type_card(user, DECLINED_CARD)
    user.activate(page.get_by_role("button", name="Pay £8.00", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Gym session")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your card was declined")
    expect(page.locator(".govuk-error-summary")).to_contain_text("nothing has been booked")
    expect(page.get_by_label("How many places?", exact=True)).to_have_value("1")
    expect(summary_value(page, "Places left")).to_have_text("12")
    with app.app_context():
        assert _db.session.get(Session, evening_id).held == 0
        hold = _db.session.scalars(select(CardHold).order_by(CardHold.id.desc())).first()
        assert hold.status is CardHoldStatus.FAILED
        _db.session.remove()

    # 3. The 3-D Secure card: she completes the check in Stripe's window, and it books.
    user.activate(page.get_by_role("button", name="Continue to pay by card", exact=True))
    type_card(user, THREE_D_SECURE_CARD)
    user.activate(page.get_by_role("button", name="Pay £8.00", exact=True))
    expect(page.locator("#card-authenticating")).to_contain_text("Your bank wants to check")
    complete = page.get_by_role("button", name="Complete authentication", exact=True)
    expect(complete).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    user.check_accessibility()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your payment is processing")
    settle_by_webhook(app, live_server)
    second = wait_for_confirmation(user)
    expect(summary_value(page, "Paid")).to_have_text("£8.00 by card")

    with app.app_context():
        booked = _db.session.scalars(select(Booking).order_by(Booking.id)).all()
        assert [(b.reference, b.payment_method) for b in booked] == [
            (reference, PaymentMethod.CARD),
            (second, PaymentMethod.CARD),
        ]
        assert _db.session.get(Session, evening_id).booked == 1
        assert _db.session.get(Session, gym.off_peak_session_id).booked == 1
        assert ledger.all_transactions_balance()
