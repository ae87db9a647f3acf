"""Booking a session and paying from a budget; My bookings; cancelling; waiting lists; reviews."""

from functools import wraps

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.marketplace import bookings, cancellation, card_bookings, emails
from coop.marketplace.booking_forms import BookForm, ReviewForm
from coop.marketplace.models import Booking, Session
from coop.marketplace.service import price_for
from coop.marketplace.views import bp
from coop.members.roles import is_budget_holder
from coop.payments import ledger
from coop.payments.signals import Description, describe_transactions


def bookers_only(view):
    """Booking pages are for approved budget holders: sign in first, and anyone else who
    cannot book gets a page (403) saying why and what they can do instead."""

    @wraps(view)
    @login_required
    def wrapped(session_id: int, **kwargs):
        cannot = bookings.why_cannot_book(current_user)
        if cannot is not None:
            session = _session_or_404(session_id)
            return (
                render_template(
                    "marketplace/bookings/cannot_book.html",
                    session=session,
                    listing=session.listing,
                    cannot=cannot,
                ),
                403,
            )
        return view(session_id, **kwargs)

    return wrapped


def _session_or_404(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    return session


def _own_booking_or_404(booking_id: int) -> Booking:
    """The signed-in member's booking; anyone else's is 404, whatever its id."""
    booking = bookings.booking_of(current_user, booking_id)
    if booking is None:
        abort(404)
    return booking


@describe_transactions.connect
def _describe_booking_payments(_sender, transactions, viewer=None):
    """Tell statements which booking each payment or refund was for; only the member who
    booked gets a link to the booking's page."""
    found = bookings.bookings_by_id({t.booking_id for t in transactions if t.booking_id})
    described = {}
    for transaction in transactions:
        booking = found.get(transaction.booking_id)
        if booking is None:
            continue
        mine = viewer is not None and getattr(viewer, "id", None) == booking.member_id
        described[transaction.id] = Description(
            what="booking",
            text=f"{booking.reference}: {booking.session.listing.title}",
            detail=f"Session on {clock.format_moment(booking.session.starts_at)}",
            href=url_for("marketplace.booking", booking_id=booking.id) if mine else None,
            provider=booking.session.listing.provider.name,
            item=f"{booking.session.listing.title}, "
            f"{booking.places} place{'' if booking.places == 1 else 's'} on "
            f"{clock.format_moment(booking.session.starts_at)}",
            reference=booking.reference,
            category=booking.session.listing.category.label,
        )
    return described


def _send_offers(offers) -> None:
    if offers:
        emails.send_offers(offers)


def _book_page(session: Session, form: BookForm, status: int = 200):
    price = price_for(session.listing, session.starts_at, current_user)
    if not form.is_submitted() or not form.price_pence.data:
        form.price_pence.data = str(price.price_pence)
    balance = ledger.budget_balance(current_user)
    now = clock.now()
    entry = bookings.waitlist_entry(session, current_user)
    lapsed = entry if entry is not None and entry.offer_lapsed else None
    if lapsed is not None:
        entry = None  # the offer ran out: the page treats it as gone, and writes nothing
    return (
        render_template(
            "marketplace/bookings/book.html",
            session=session,
            listing=session.listing,
            price=price,
            form=form,
            balance=balance,
            policy=cancellation.policy(session.listing.cancellation_notice_hours),
            why_not=bookings.why_not_bookable(session, now)
            or bookings.why_member_cannot_book(current_user, session),
            places_left=bookings.places_left(session, now),
            lapsed=lapsed,
            existing=bookings.live_booking(session, current_user),
            entry=entry,
            position=bookings.position(entry) if entry and entry.is_waiting else None,
            join_form=ConfirmForm(),
            max_places=bookings.MAX_PLACES_PER_BOOKING,
            choices=card_bookings.payment_choices(current_user, session),
            card_only_reason=card_bookings.CARD_ONLY_REASON
            if not session.listing.direct_payments_allowed
            and bookings.is_budget_holder(current_user)
            else None,
            hold=card_bookings.live_hold(session, current_user),
            test_cards=card_views.test_cards(),
            hold_minutes=int(card_bookings.hold_time().total_seconds() // 60),
        ),
        status,
    )


def _refused(session_id: int, form: BookForm, error: bookings.BookingError):
    """The booking page again, with what was typed and why nothing was booked (or held)."""
    db.session.rollback()
    if isinstance(error, bookings.OwnProviderBooking):
        bookings.record_refused_own_booking(error)  # for the secretary to see
        db.session.commit()
    session = _session_or_404(session_id)
    if isinstance(error, bookings.PriceChanged):
        form.price_pence.data = str(error.price_pence)
    show_error(form, error, "places")
    status = 409 if isinstance(error, bookings.SessionFull | bookings.NotEnoughMoney) else 400
    return _book_page(session, form, status)


@bp.route("/sessions/<int:session_id>/book", methods=["GET", "POST"])
@bookers_only
def book(session_id: int):
    """Check the price, the policy and the budget, then book and pay in one go."""
    session = _session_or_404(session_id)
    form = BookForm()
    if not form.validate_on_submit():
        return _book_page(session, form, 200 if not form.is_submitted() else 400)
    try:
        expected = int(form.price_pence.data)
    except (TypeError, ValueError):
        expected = -1  # a form that does not say the price is never charged blind
    choices = card_bookings.payment_choices(current_user, session)
    method = form.method.data or (choices[0] if len(choices) == 1 else None)
    if method not in choices:
        form.method.errors = [
            "You cannot pay for this session that way"
            if method
            else "Choose how you want to pay"
            if choices
            else "You cannot book this session"
        ]
        return _book_page(session, form, 400)
    if method == "card":
        return card_views.start_card_payment(session, form, expected)
    try:
        # A place held by an offer or card payment that ran out is let go first.
        offers, unpaid = card_bookings.expire_holds(session=session)
        offers += bookings.expire_offers(session=session)
        booking = bookings.book(
            current_user, session, places=form.places.data, expected_price_pence=expected
        )
    except bookings.BookingError as error:
        return _refused(session_id, form, error)
    emails.send_booking_confirmed(booking)
    _send_offers(offers)
    db.session.commit()
    card_views.cancel_payment_intents(unpaid)
    flash("booked", "panel")
    return redirect(url_for("marketplace.booking", booking_id=booking.id))


@bp.get("/bookings")
@login_required
def my_bookings():
    """What is coming up, waiting lists and offers, and what is past."""
    coming, past = bookings.bookings_of(current_user)
    return render_template(
        "marketplace/bookings/my_bookings.html",
        coming=coming,
        past=past,
        waiting=bookings.waitlists_of(current_user),
        balance=ledger.budget_balance(current_user),
        is_budget_holder=is_budget_holder(current_user),
    )


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    """One booking: the confirmation, what was paid, how to cancel, the calendar file."""
    booking = _own_booking_or_404(booking_id)
    now = clock.now()
    return render_template(
        "marketplace/bookings/booking.html",
        booking=booking,
        session=booking.session,
        listing=booking.session.listing,
        where=emails.where(booking),
        policy=cancellation.policy(booking.cancellation_notice_hours),
        refund_now=bookings.refund_due(booking, now),
        deadline=bookings.refund_deadline(booking),
        can_cancel=bookings.can_cancel(booking, now),
        can_review=bookings.can_review(booking, current_user),
        balance=ledger.budget_balance(current_user),
        card_refund=card_bookings.refund_state(booking),
    )


@bp.get("/bookings/<int:booking_id>/calendar.ics")
@login_required
def booking_calendar(booking_id: int):
    booking = _own_booking_or_404(booking_id)
    return Response(
        emails.calendar_file(booking),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{booking.reference}.ics"'},
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(booking_id: int):
    """Say what cancelling gives back, then cancel on confirmation."""
    booking = _own_booking_or_404(booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancelled = bookings.cancel(booking, current_user)
        except bookings.BookingError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("marketplace.booking", booking_id=booking_id))
        emails.send_booking_cancelled(cancelled.booking)
        _send_offers(cancelled.offers)
        db.session.commit()
        card_views.send_refunds()  # a card booking's refund goes to Stripe after the commit
        flash("cancelled", "panel")
        return redirect(url_for("marketplace.booking", booking_id=booking_id))
    if not bookings.can_cancel(booking, clock.now()):
        return redirect(url_for("marketplace.booking", booking_id=booking_id))
    return render_template(
        "marketplace/bookings/cancel.html",
        booking=booking,
        listing=booking.session.listing,
        refund=bookings.refund_due(booking, clock.now()),
        policy=cancellation.policy(booking.cancellation_notice_hours),
        form=form,
    )


@bp.post("/sessions/<int:session_id>/waitlist")
@bookers_only
def join_waitlist(session_id: int):
    session = _session_or_404(session_id)
    if ConfirmForm().validate_on_submit():
        try:
            offers = bookings.expire_offers(session=session)  # an offer that ran out, passed on
            bookings.join_waitlist(current_user, session)
        except bookings.BookingError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            _send_offers(offers)
            db.session.commit()
            flash(
                "You are on the waiting list. If a place comes free we will hold it for you "
                "and email you.",
                "success",
            )
    return redirect(url_for("marketplace.book", session_id=session_id))


@bp.post("/waitlist/<int:entry_id>/leave")
@login_required
def leave_waitlist(entry_id: int):
    entry = bookings.waitlist_entry_of(current_user, entry_id)
    if entry is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            offers = bookings.leave_waitlist(entry, current_user)
        except bookings.BookingError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            _send_offers(offers)
            db.session.commit()
            flash("You have left the waiting list.", "success")
    return redirect(url_for("marketplace.my_bookings"))


@bp.route("/bookings/<int:booking_id>/review", methods=["GET", "POST"])
@login_required
def review_booking(booking_id: int):
    booking = _own_booking_or_404(booking_id)
    if not bookings.can_review(booking, current_user):
        flash(
            "You can review a session once, after the provider has marked you as there.",
            "error",
        )
        return redirect(url_for("marketplace.booking", booking_id=booking_id))
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            bookings.review(booking, current_user, int(form.rating.data), form.comment.data)
        except bookings.BookingError as error:
            db.session.rollback()
            show_error(form, error, "rating")
        else:
            db.session.commit()
            flash("Thank you. Your review is on the listing.", "success")
            return redirect(url_for("marketplace.booking", booking_id=booking_id))
    return render_template(
        "marketplace/bookings/review.html",
        booking=booking,
        listing=booking.session.listing,
        form=form,
    )


from coop.marketplace import card_views  # noqa: E402 - its routes; it uses this module's pages
