"""Booking by card: places held while the person pays, settled by Stripe's webhook.

Choosing card takes the places at once as held (``Session.held``, like a waiting-list offer)
for ``COOP_CARD_HOLD_MINUTES`` and asks payments for one PaymentIntent for the price the page
showed. The webhook (in payments) says whether the money came; the receivers here turn the
hold into a booking, or free the places. Nothing here commits.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.marketplace import bookings, emails
from coop.marketplace.bookings import BookingError, OwnProviderBooking
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    PaymentMethod,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from coop.marketplace.service import is_staff_of, price_for
from coop.members.letters import notify
from coop.members.models import Member
from coop.members.roles import is_budget_holder, is_member
from coop.money import format_pence
from coop.payments import card, ledger, signals
from coop.payments import stripe_gateway as gateway
from coop.voting.service import commission_rate

#: How long places are held for someone paying by card, unless COOP_CARD_HOLD_MINUTES says.
DEFAULT_HOLD = timedelta(minutes=15)


class HoldEnded(BookingError):
    """The hold is no longer live: paid, run out or failed."""


def hold_time() -> timedelta:
    minutes = current_app.config.get("CARD_HOLD_MINUTES")
    return timedelta(minutes=float(minutes)) if minutes else DEFAULT_HOLD


def cards_enabled() -> bool:
    return gateway.enabled()


def can_pay_by_card(member: Member | None) -> bool:
    """Any approved member may pay by card for themselves, once Stripe is set up."""
    return is_member(member) and cards_enabled()


def can_pay_from_budget(member: Member | None, session: Session) -> bool:
    """A budget holder may pay from their budget where direct payments may pay for it."""
    return is_budget_holder(member) and session.listing.direct_payments_allowed


#: Said on the booking page of a listing whose provider says direct payments may not pay it.
CARD_ONLY_REASON = (
    "Budgets cannot pay for this listing, because the provider says direct payments may not "
    "be spent on it. You can pay by card instead."
)


# --- Holding places -----------------------------------------------------------------------


def live_hold(session: Session, member: Member) -> CardHold | None:
    return db.session.scalar(
        select(CardHold).where(
            CardHold.session_id == session.id,
            CardHold.member_id == member.id,
            CardHold.status == CardHoldStatus.HELD,
        )
    )


def hold_of(member: Member, hold_id: int) -> CardHold | None:
    """The member's own hold with this id; anyone else's is None, whatever its id."""
    return db.session.scalar(
        select(CardHold).where(CardHold.id == hold_id, CardHold.member_id == member.id)
    )


def hold_for_card(
    member: Member,
    session: Session,
    *,
    places: int = 1,
    expected_price_pence: int | None = None,
    now: datetime | None = None,
) -> CardHold:
    """Hold places for the member to pay by card, and make its one PaymentIntent.

    The places are taken in one conditional UPDATE (``booked + held + places <= places``), so
    thirty people choosing card for the last ten places get ten holds. Raises BookingError
    (nothing held) or ``stripe_gateway.GatewayError`` (the caller rolls the hold back).
    """
    now = now or clock.now()
    if not can_pay_by_card(member):
        raise BookingError("Card payments are only for approved members of the co-op.")
    price = bookings.checked_price(member, session, places, expected_price_pence, now)
    listing = session.listing
    total = price.price_pence * places
    if not total:
        raise BookingError("This session is free, so there is nothing to pay by card.")
    if is_staff_of(member, listing.provider):
        raise OwnProviderBooking(
            f"You are one of {listing.provider.name}'s staff, so you cannot pay for its "
            "sessions: nobody may pay their own business through the co-op. Nothing has been "
            "booked. If you think this is wrong, ask the co-op's secretary.",
            member,
            session,
            total,
        )
    if bookings.live_booking(session, member) is not None:
        raise BookingError("You have already booked this session. See My bookings.")
    existing = live_hold(session, member)
    if existing is not None and existing.expires_at > now:
        return existing  # a double-clicked button: the same hold, the same PaymentIntent

    offer = bookings._live_offer(session, member, now)
    if offer is not None and places != 1:
        raise BookingError("The place held for you is for 1 person.", field="places")
    if offer is not None:
        offer.status = WaitlistStatus.BOOKED  # its held place becomes the card hold's
    else:
        _hold_places(session, places)
    hold = CardHold(
        reference=bookings.new_reference(),
        session=session,
        member=member,
        places=places,
        price_each_pence=price.price_pence,
        base_price_each_pence=price.base_pence,
        total_pence=total,
        discount_label=price.label,
        status=CardHoldStatus.HELD,
        created_at=now,
        expires_at=min(now + hold_time(), session.starts_at),
    )
    try:
        with db.session.begin_nested():
            db.session.add(hold)
    except IntegrityError:
        raise BookingError(
            "You are already paying for places in this session. See the payment page."
        ) from None
    card.start(
        hold.reference,
        total,
        member_id=member.id,
        provider_id=listing.provider_id,
        now=now,
    )
    return hold


def _hold_places(session: Session, places: int) -> None:
    held = db.session.execute(
        update(Session)
        .where(
            Session.id == session.id,
            Session.cancelled_at.is_(None),
            Session.booked + Session.held + places <= Session.places,
        )
        .values(held=Session.held + places)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session, ["booked", "held"])
    if held != 1:
        if places > 1 and session.places_left > 0:
            raise bookings.SessionFull(
                f"Only {session.places_left} of the places you asked for are left.",
                field="places",
            )
        raise bookings.SessionFull(
            "This session is full. Nothing has been booked. You can join the waiting list "
            "and we will email you if a place comes free."
        )


def _locked(hold_id: int) -> CardHold:
    return db.session.scalars(
        select(CardHold)
        .where(CardHold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _locked_by_reference(reference: str) -> CardHold | None:
    return db.session.scalars(
        select(CardHold)
        .where(CardHold.reference == reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def release(
    hold: CardHold, status: CardHoldStatus, now: datetime, failure: str | None = None
) -> list[WaitlistEntry]:
    """End a live hold: its places go back (and on to anyone waiting). Returns new offers."""
    if hold.status is not CardHoldStatus.HELD:
        return []
    hold.status = status
    hold.ended_at = now
    hold.failure = failure
    session = hold.session
    db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.held >= hold.places)
        .values(held=Session.held - hold.places)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked", "held"])
    return bookings.offer_places(session, now)


def stripe_id_of(hold: CardHold) -> str | None:
    payment = card.payment_for_reference(hold.reference)
    return payment.stripe_id if payment is not None else None


# --- Paying -------------------------------------------------------------------------------


class PaymentRefused(BookingError):
    """The card payment did not go through; the hold has been let go in this transaction.

    ``stripe_id`` is the PaymentIntent to cancel after the commit, ``offers`` the waiting-list
    offers to email.
    """

    def __init__(self, message: str, stripe_id: str | None, offers: list[WaitlistEntry]):
        super().__init__(message)
        self.stripe_id = stripe_id
        self.offers = offers


def pay(hold: CardHold, member: Member, payment_method: str, now: datetime | None = None):
    """Confirm the hold's PaymentIntent with the card; the webhook then books it.

    Returns payments' ``Attempt``. A declined card, a network error or a Stripe outage lets
    the hold go (PaymentRefused): no booking, no held place, no ledger entry.
    """
    now = now or clock.now()
    if hold.member_id != member.id:
        raise BookingError("You can only pay for your own places.")
    hold = _locked(hold.id)
    if hold.status is not CardHoldStatus.HELD:
        raise HoldEnded(ended_message(hold))
    payment = card.payment_for_reference(hold.reference)
    if hold.expires_at <= now or payment is None:
        offers = release(hold, CardHoldStatus.EXPIRED, now, TIME_RAN_OUT)
        raise PaymentRefused(TIME_RAN_OUT, payment and payment.stripe_id, offers)
    try:
        return card.pay(payment, payment_method)
    except card.CardError as error:
        raise BookingError(error.message, field="card") from None
    except gateway.GatewayError as error:
        offers = release(hold, CardHoldStatus.FAILED, now, error.message)
        raise PaymentRefused(error.message, payment.stripe_id, offers) from None


TIME_RAN_OUT = (
    "The time to pay ran out, so the places are no longer held for you and nothing has been "
    "paid. You can book again if places are left."
)


def ended_message(hold: CardHold) -> str:
    if hold.status is CardHoldStatus.BOOKED:
        return "You have paid for these places and they are booked."
    if hold.status is CardHoldStatus.EXPIRED:
        return TIME_RAN_OUT
    if hold.status is CardHoldStatus.REFUNDED:
        return (
            "Your payment arrived after the places had gone to someone else, so it is being "
            "refunded to your card in full. Nothing is booked."
        )
    return (hold.failure or "The card payment did not go through.") + (
        "" if hold.failure else " Nothing has been paid and nothing is booked."
    )


# --- What Stripe decided (through payments' signals) --------------------------------------


def _book(hold: CardHold, now: datetime) -> Booking:
    session = hold.session
    booking = Booking(
        reference=hold.reference,
        session_id=session.id,
        member_id=hold.member_id,
        places=hold.places,
        price_each_pence=hold.price_each_pence,
        base_price_each_pence=hold.base_price_each_pence,
        total_pence=hold.total_pence,
        discount_label=hold.discount_label,
        cancellation_notice_hours=session.listing.cancellation_notice_hours,
        status=BookingStatus.CONFIRMED,
        payment_method=PaymentMethod.CARD,
        booked_at=now,
        refund_pence=0,
    )
    with db.session.begin_nested():
        db.session.add(booking)
    hold.status = CardHoldStatus.BOOKED
    hold.booking = booking
    hold.ended_at = now
    emails.send_booking_confirmed(booking)
    return booking


@signals.card_payment_succeeded.connect
def _paid(_sender, reference: str, amount_pence: int, now: datetime):
    """Stripe took the money: the held places become a booking. If the hold had ended, the
    places are taken again if any are left; if they are gone the money goes back."""
    hold = _locked_by_reference(reference)
    if hold is None:
        return None  # not a marketplace reference
    if hold.status is CardHoldStatus.BOOKED:
        return card.Booked(hold.booking_id, _memo(hold), commission_rate(now), hold.member)
    session = hold.session
    if hold.status is CardHoldStatus.HELD:
        moved = db.session.execute(
            update(Session)
            .where(
                Session.id == session.id,
                Session.held >= hold.places,
                Session.booked + hold.places <= Session.places,
            )
            .values(booked=Session.booked + hold.places, held=Session.held - hold.places)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(session, ["booked", "held"])
        if moved == 1:
            try:
                _book(hold, now)
            except IntegrityError:
                # They booked the session another way meanwhile: the places go back, and so
                # does the money.
                _unbook(session, hold.places)
                hold.ended_at = now
                return _give_back(hold, now)
            return card.Booked(hold.booking_id, _memo(hold), commission_rate(now), hold.member)
        release(hold, CardHoldStatus.FAILED, now)
        return _give_back(hold, now)
    # The hold ended (ran out or failed) before the money came: book if places are left.
    if bookings.why_not_bookable(session, now) is None:
        taken = db.session.execute(
            update(Session)
            .where(
                Session.id == session.id,
                Session.cancelled_at.is_(None),
                Session.booked + Session.held + hold.places <= Session.places,
            )
            .values(booked=Session.booked + hold.places)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(session, ["booked", "held"])
        if taken == 1:
            try:
                with db.session.begin_nested():
                    _book(hold, now)
            except IntegrityError:
                _unbook(session, hold.places)
            else:
                return card.Booked(hold.booking_id, _memo(hold), commission_rate(now), hold.member)
    return _give_back(hold, now)


def _unbook(session: Session, places: int) -> None:
    db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.booked >= places)
        .values(booked=Session.booked - places)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked", "held"])


def _give_back(hold: CardHold, now: datetime) -> card.GiveBack:
    hold.status = CardHoldStatus.REFUNDED
    hold.ended_at = hold.ended_at or now
    listing = hold.session.listing
    notify(
        hold.member,
        f"Refund: {listing.title}",
        f"Hello {hold.member.name},\n\n"
        f"Your card payment of {format_pence(hold.total_pence)} for {listing.title} on "
        f"{clock.format_moment(hold.session.starts_at)} arrived after the places held for you "
        "had gone, so nothing is booked and the whole amount is being refunded to your card. "
        "It can take a few days to reach your account.\n",
    )
    return card.GiveBack(f"Refund {hold.reference}: the places had gone before payment")


def _memo(hold: CardHold) -> str:
    return f"{hold.reference}: {hold.session.listing.title} (card)"


@signals.card_payment_failed.connect
def _failed(_sender, reference: str, declined: bool, now: datetime):
    """The payment failed or was cancelled at Stripe: free the places and say so."""
    hold = _locked_by_reference(reference)
    if hold is None or hold.status is not CardHoldStatus.HELD:
        return None
    message = (
        "Your card was declined, so nothing has been paid and the places are no longer held."
        if declined
        else "The card payment did not go through, so nothing has been paid and the places "
        "are no longer held."
    )
    offers = release(hold, CardHoldStatus.FAILED, now, message)
    emails.send_offers(offers)
    listing = hold.session.listing
    notify(
        hold.member,
        f"Payment did not go through: {listing.title}",
        f"Hello {hold.member.name},\n\n{message} You can try again from the booking page if "
        "places are still left.\n",
    )
    return None


# --- Holds that run out -------------------------------------------------------------------


def expire_holds(now: datetime | None = None, session: Session | None = None):
    """Let holds whose time ran out go: places back, offered to anyone waiting.

    Returns (new waiting-list offers to email, PaymentIntents to cancel after the commit).
    Run by the worker and `flask marketplace process-waitlist`, and by a booking request for
    its own session; pages only treat a lapsed hold as lapsed.
    """
    now = now or clock.now()
    query = select(CardHold).where(
        CardHold.status == CardHoldStatus.HELD, CardHold.expires_at <= now
    )
    if session is not None:
        query = query.where(CardHold.session_id == session.id)
    offers, stripe_ids = [], []
    for hold in db.session.scalars(query.with_for_update(skip_locked=True)):
        offers.extend(release(hold, CardHoldStatus.EXPIRED, now, TIME_RAN_OUT))
        stripe_id = stripe_id_of(hold)
        if stripe_id:
            stripe_ids.append(stripe_id)
    return offers, stripe_ids


def end_holds_of_cancelled_session(session: Session, now: datetime | None = None) -> list[str]:
    """The provider cancelled the session: every live hold ends (its places went with it)."""
    now = now or clock.now()
    stripe_ids = []
    for hold in db.session.scalars(
        select(CardHold).where(
            CardHold.session_id == session.id, CardHold.status == CardHoldStatus.HELD
        )
    ):
        hold.status = CardHoldStatus.FAILED
        hold.ended_at = now
        hold.failure = "The provider cancelled this session, so nothing has been paid."
        stripe_id = stripe_id_of(hold)
        if stripe_id:
            stripe_ids.append(stripe_id)
    return stripe_ids


def refund_state(booking: Booking):
    """The card refund of a cancelled card booking, for its page; None if there is none."""
    if not booking.paid_by_card:
        return None
    return card.refund_of_booking(booking.id)


def payment_choices(member: Member | None, session: Session) -> list[str]:
    """How this member may pay for this session: "budget" and/or "card".

    The budget where a budget holder may spend it here and it covers a place (or where cards
    are not set up, so the page can say how short it is); the card for any member, once Stripe
    is set up. A free session is booked without paying, by budget holders.
    """
    if member is None or not is_member(member):
        return []
    price = price_for(session.listing, session.starts_at, member).price_pence
    if price == 0:
        return ["budget"] if is_budget_holder(member) else []
    choices = []
    if is_budget_holder(member) and (
        not cards_enabled()  # as before cards: the booking says why the budget cannot pay
        or (can_pay_from_budget(member, session) and ledger.budget_balance(member) >= price)
    ):
        choices.append("budget")
    if can_pay_by_card(member):
        choices.append("card")
    return choices
