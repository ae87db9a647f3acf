"""Booking a session and paying from a budget; My bookings; cancelling; waiting lists; reviews."""

from functools import wraps

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coop import clock
from coop.errors import render_error
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.marketplace import bookings, cancellation, card_bookings, emails
from coop.marketplace.booking_forms import BookForm, ReviewForm
from coop.marketplace.models import Booking, Session
from coop.marketplace.service import price_for
from coop.marketplace.views import bp
from coop.members import circles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.members.roles import is_budget_holder
from coop.payments import ledger
from coop.payments.signals import Description, describe_transactions


def bookers_only(view):
    """Booking pages are for approved budget holders and for people they let book for them:
    sign in first, and anyone else who cannot book gets a page (403) saying why and what they
    can do instead."""

    @wraps(view)
    @login_required
    def wrapped(session_id: int, **kwargs):
        cannot = bookings.why_cannot_book_anyone(current_user)
        # Booking for someone else is checked (and refused with its reason) by the view.
        for_someone = request.method == "POST" and request.form.get("book_for", "me") != "me"
        if cannot is not None and not for_someone:
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


def _forbidden(reason: str):
    """The 403 page for someone acting for another member beyond what they were allowed."""
    return render_error(403, "You cannot do this for them", reason)


def _seen_booking(booking_id: int) -> Booking:
    """A booking the signed-in member may see (theirs, or as someone's helper). A booking
    that was never theirs to see is 404; one they made for someone who has since withdrawn
    their permission is 403."""
    booking = bookings.booking_seen_by(current_user, booking_id)
    if booking is None:
        abort(404)
    if not bookings.may_view(current_user, booking):
        abort(
            make_response(
                _forbidden(
                    f"{booking.member.name} no longer lets you see or manage their bookings, "
                    "so you cannot see this booking."
                )
            )
        )
    return booking


def _choices() -> list[tuple[str, str]]:
    """Whom the signed-in member may book for: themselves (if they can) and the members who
    let them book for them."""
    mine = [("me", "Myself")] if bookings.why_cannot_book(current_user) is None else []
    helped = circles.people_helped_by(current_user, Permission.BOOK)
    return mine + [(str(person.id), person.name) for person in helped]


def _person(value: str | None) -> Member | None:
    """The member a booking is for, from the form: the booker, or someone they act for
    (whether they may is checked when booking). None if there is no such member."""
    if not value or value == "me":
        return current_user
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return db.session.get(Member, int(value))


@describe_transactions.connect
def _describe_booking_payments(_sender, transactions, viewer=None):
    """Tell statements which booking each payment or refund was for, and who made it when
    someone acted for the member ("by Dev for Asha"); only the member who booked, and those
    they let see their bookings, get a link to the booking's page."""
    found = bookings.bookings_by_id({t.booking_id for t in transactions if t.booking_id})
    described = {}
    for transaction in transactions:
        booking = found.get(transaction.booking_id)
        if booking is None:
            continue
        mine = getattr(viewer, "id", None) is not None and (
            viewer.id == booking.member_id or circles.can_see_for(viewer, booking.member)
        )
        detail = f"Session on {clock.format_moment(booking.session.starts_at)}"
        if label := bookings.acting_label_of(booking, transaction):
            detail = f"{detail}, {label}"
        described[transaction.id] = Description(
            what="booking",
            text=f"{booking.reference}: {booking.session.listing.title}",
            detail=detail,
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


def _book_page(session: Session, form: BookForm, status: int = 200, person: Member | None = None):
    person = person or current_user
    acting = person.id != current_user.id
    people = _choices()
    form.book_for.data = str(person.id) if acting else "me"
    price = price_for(session.listing, session.starts_at, person)
    if not form.is_submitted() or not form.price_pence.data:
        form.price_pence.data = str(price.price_pence)
    # Someone booking for another member sees their budget only if allowed to see it.
    balance = ledger.budget_balance(person) if circles.can_see_for(current_user, person) else None
    now = clock.now()
    entry = bookings.waitlist_entry(session, current_user) if not acting else None
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
            or bookings.why_member_cannot_book(person, session),
            places_left=bookings.places_left(session, now),
            lapsed=lapsed,
            existing=bookings.live_booking(session, person),
            person=person,
            acting=acting,
            people=people,
            limit=circles.live_grant(current_user, person, Permission.BOOK) if acting else None,
            entry=entry,
            position=bookings.position(entry) if entry and entry.is_waiting else None,
            join_form=ConfirmForm(),
            max_places=bookings.MAX_PLACES_PER_BOOKING,
            choices=_payment_choices(person, session),
            card_only_reason=card_bookings.CARD_ONLY_REASON
            if not acting
            and not session.listing.direct_payments_allowed
            and bookings.is_budget_holder(current_user)
            else None,
            hold=card_bookings.live_hold(session, current_user),
            test_cards=card_views.test_cards(),
            hold_minutes=int(card_bookings.hold_time().total_seconds() // 60),
        ),
        status,
    )


def _payment_choices(person: Member, session: Session) -> list[str]:
    """How the booker may pay: for themselves, by budget and/or card; for someone who lets
    them book, only from that person's budget (the booking says why if it cannot)."""
    if person.id != current_user.id:
        return ["budget"]
    return card_bookings.payment_choices(current_user, session)


def _refused(
    session_id: int, form: BookForm, error: bookings.BookingError, person: Member | None = None
):
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
    return _book_page(session, form, status, person=person)


@bp.route("/sessions/<int:session_id>/book", methods=["GET", "POST"])
@bookers_only
def book(session_id: int):
    """Check the price, the policy and the budget, then book and pay in one go."""
    session = _session_or_404(session_id)
    form = BookForm()
    if not form.is_submitted():
        # Whom the page is for: the booker, or someone who lets them book for them.
        wanted = request.args.get("for")
        allowed = dict(_choices())
        person = _person(wanted) if wanted in allowed else None
        if person is None:
            person = current_user if "me" in allowed else _person(next(iter(allowed)))
        return _book_page(session, form, person=person)
    person = _person(form.book_for.data)
    if person is None:
        return _forbidden("You can only book for yourself or for someone who has chosen you.")
    if person.id != current_user.id and not circles.may_act(current_user, person, Permission.BOOK):
        # Said before anything else; booking checks it again in its own transaction.
        try:
            circles.require(current_user, person, Permission.BOOK)
        except circles.NotPermitted as refused:
            return _forbidden(f"{refused} Nothing has been changed.")
    if not form.validate_on_submit():
        return _book_page(session, form, 400, person=person)
    try:
        expected = int(form.price_pence.data)
    except (TypeError, ValueError):
        expected = -1  # a form that does not say the price is never charged blind
    choices = _payment_choices(person, session)
    method = form.method.data or (choices[0] if len(choices) == 1 else None)
    if method not in choices:
        form.method.errors = [
            "You cannot pay for this session that way"
            if method
            else "Choose how you want to pay"
            if choices
            else "You cannot book this session"
        ]
        return _book_page(session, form, 400, person=person)
    if method == "card":
        return card_views.start_card_payment(session, form, expected)
    try:
        # A place held by an offer or card payment that ran out is let go first.
        offers, unpaid = card_bookings.expire_holds(session=session)
        offers += bookings.expire_offers(session=session)
        booking = bookings.book(
            person,
            session,
            places=form.places.data,
            expected_price_pence=expected,
            by=current_user,
        )
    except bookings.ActingRefused as refused:
        return _forbidden(refused.message)
    except bookings.BookingError as error:
        return _refused(session_id, form, error, person)
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
    now = clock.now()
    return render_template(
        "marketplace/bookings/my_bookings.html",
        coming=coming,
        past=past,
        waiting=bookings.waitlists_of(current_user),
        balance=ledger.budget_balance(current_user),
        is_budget_holder=is_budget_holder(current_user),
        helping=[
            person
            for person in circles.people_in_circle(current_user, now)
            if bookings.bookings_seen_by(current_user, person, now) is not None
        ],
    )


@bp.get("/bookings/for/<int:member_id>")
@login_required
def bookings_for(member_id: int):
    """The bookings of someone the signed-in member helps: all of them with permission to
    see them, or the ones the helper made with permission to book."""
    person = db.session.get(Member, member_id)
    if person is None or person.id == current_user.id:
        abort(404)
    found = bookings.bookings_seen_by(current_user, person)
    if found is None:
        return _forbidden(f"{person.name} has not chosen you to see their bookings.")
    coming, past = found
    return render_template(
        "marketplace/bookings/bookings_for.html",
        person=person,
        coming=coming,
        past=past,
        sees_all=circles.can_see_for(current_user, person),
        may_book=circles.may_act(current_user, person, Permission.BOOK),
    )


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    """One booking: the confirmation, what was paid, how to cancel, the calendar file."""
    booking = _seen_booking(booking_id)
    now = clock.now()
    acting = booking.member_id != current_user.id
    return render_template(
        "marketplace/bookings/booking.html",
        booking=booking,
        session=booking.session,
        listing=booking.session.listing,
        where=emails.where(booking),
        policy=cancellation.policy(booking.cancellation_notice_hours),
        refund_now=bookings.refund_due(booking, now),
        deadline=bookings.refund_deadline(booking),
        can_cancel=bookings.can_cancel(booking, now)
        and circles.may_act(current_user, booking.member, Permission.BOOK, now),
        can_review=bookings.can_review(booking, current_user),
        balance=ledger.budget_balance(booking.member)
        if circles.can_see_for(current_user, booking.member, now)
        else None,
        acting=acting,
        card_refund=card_bookings.refund_state(booking),
    )


@bp.get("/bookings/<int:booking_id>/calendar.ics")
@login_required
def booking_calendar(booking_id: int):
    booking = _seen_booking(booking_id)
    return Response(
        emails.calendar_file(booking),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{booking.reference}.ics"'},
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(booking_id: int):
    """Say what cancelling gives back, then cancel on confirmation."""
    booking = bookings.booking_seen_by(current_user, booking_id)
    if booking is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancelled = bookings.cancel(booking, current_user)
        except bookings.ActingRefused as refused:
            return _forbidden(refused.message)
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
    if not circles.may_act(current_user, booking.member, Permission.BOOK):
        return _forbidden(f"{booking.member.name} has not chosen you to book or cancel for them.")
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
