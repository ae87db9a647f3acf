"""Booking together: set up a pooled booking, agree to a share, book, call off or cancel."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.marketplace import bookings, cancellation, emails, pooled_bookings
from coop.marketplace.booking_forms import ActForForm, PooledForm, shares_form
from coop.marketplace.booking_views import _session_or_404, bookers_only
from coop.marketplace.pooled_models import PooledBooking, PooledStatus, SplitKind
from coop.marketplace.service import price_for
from coop.marketplace.views import bp
from coop.members import circles
from coop.members.models import Member
from coop.money import parse_pounds
from coop.payments import ledger
from coop.urls import parse_id


def _pooled_or_404(pooled_id: int) -> PooledBooking:
    """A pooled booking the signed-in member is in (or helps someone in); else 404."""
    pooled = pooled_bookings.pooled_of(current_user, pooled_id)
    if pooled is None:
        abort(404)
    return pooled


def _back(pooled_id: int):
    return redirect(url_for("marketplace.pooled_booking", pooled_id=pooled_id))


@bp.route("/sessions/<int:session_id>/together", methods=["GET", "POST"])
@bookers_only
def pooled_new(session_id: int):
    """Choose the people, the places and the split for booking a session together."""
    session = _session_or_404(session_id)
    form = PooledForm()
    status = 200
    if form.validate_on_submit():
        try:
            pooled = pooled_bookings.propose(
                current_user,
                session,
                form.people.data.splitlines(),
                form.places.data,
                SplitKind(form.split.data),
            )
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            session = _session_or_404(session_id)
            show_error(form, error, "people")
            status = 400
        else:
            db.session.commit()
            if pooled.split is SplitKind.SHARES:
                return redirect(url_for("marketplace.pooled_shares", pooled_id=pooled.id))
            return _back(pooled.id)
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "marketplace/pooled/new.html",
            session=session,
            listing=session.listing,
            price=price_for(session.listing, session.starts_at, current_user),
            policy=cancellation.policy(session.listing.cancellation_notice_hours),
            why_not=bookings.why_not_bookable(session, clock.now()),
            form=form,
        ),
        status,
    )


@bp.route("/together/<int:pooled_id>/shares", methods=["GET", "POST"])
@login_required
def pooled_shares(pooled_id: int):
    """The organiser sets each person's share before sending."""
    pooled = _pooled_or_404(pooled_id)
    if pooled.organiser_id != current_user.id or pooled.status is not PooledStatus.DRAFT:
        abort(404)
    form = shares_form([(s.member_id, s.member.name, s.amount_pence) for s in pooled.shares])
    status = 200
    if form.validate_on_submit():
        amounts = {
            s.member_id: parse_pounds(getattr(form, f"share_{s.member_id}").data)
            for s in pooled.shares
        }
        try:
            pooled_bookings.set_shares(pooled, current_user, amounts)
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            pooled = _pooled_or_404(pooled_id)
            show_error(form, error, f"share_{pooled.shares[0].member_id}")
            status = 400
        else:
            db.session.commit()
            return _back(pooled_id)
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "marketplace/pooled/shares.html",
            pooled=pooled,
            fields=[getattr(form, f"share_{s.member_id}") for s in pooled.shares],
            form=form,
        ),
        status,
    )


@bp.get("/together")
@login_required
def pooled_list():
    """Bookings shared with other budget holders: mine, and those of people I help."""
    return render_template(
        "marketplace/pooled/list.html",
        pooled=pooled_bookings.pooled_for(current_user),
        now=clock.now(),
    )


@bp.get("/together/<int:pooled_id>")
@login_required
def pooled_booking(pooled_id: int):
    """Who is in it, each share, who has agreed, and what the viewer can do next."""
    pooled = _pooled_or_404(pooled_id)
    now = clock.now()
    mine = pooled.share_of(current_user)
    return render_template(
        "marketplace/pooled/show.html",
        pooled=pooled,
        session=pooled.session,
        listing=pooled.session.listing,
        mine=mine,
        is_organiser=pooled.organiser_id == current_user.id,
        helping=pooled_bookings.acting_for(current_user, pooled, now),
        lapsed=pooled_bookings.is_lapsed(pooled, now),
        can_cancel=pooled_bookings.can_cancel(pooled, now),
        policy=cancellation.policy(pooled.session.listing.cancellation_notice_hours),
        balance=ledger.budget_balance(current_user) if mine else None,
        someone_short=any(s.short_pence for s in pooled.shares),
        form=ActForForm(),
        confirm=ConfirmForm(),
    )


def _refused(pooled_id: int, reason: str):
    """A helper acting beyond their permission: 403, the reason, and nothing changed."""
    flash(reason, "error")
    return pooled_booking(pooled_id), 403


def _person(pooled: PooledBooking, form: ActForForm) -> Member:
    """The person the form acts for: the viewer, or someone in the booking they help."""
    person_id = parse_id(form.person.data or "")
    share = next((s for s in pooled.shares if s.member_id == person_id), None)
    if share is None:
        abort(404)
    return share.member


@bp.post("/together/<int:pooled_id>/send")
@login_required
def pooled_send(pooled_id: int):
    pooled = _pooled_or_404(pooled_id)
    if ConfirmForm().validate_on_submit():
        try:
            pooled_bookings.send(pooled, current_user)
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Sent. Everyone has been asked to agree to their share.", "success")
    return _back(pooled_id)


def _tell(outcome: pooled_bookings.Outcome, who: str) -> None:
    if outcome.booked:
        flash("Everyone has agreed, so it is booked and every share has been paid.", "success")
    elif outcome.not_covered:
        flash(
            "Everyone has agreed, but one share is not covered yet, so nothing has been booked "
            "and nobody has been charged. The person whose share it is has been told.",
            "error",
        )
    elif outcome.called_off:
        flash(f"It could not be booked, so it has been called off. {outcome.called_off}", "error")
    else:
        flash(f"{who} agreed. It will be booked when everyone has agreed.", "success")


def _for_person(pooled_id: int, action):
    """Do `action(pooled, person, by)` for the person the form names (yourself, or someone
    you act for); a helper beyond their permission gets 403 and nothing changes."""
    pooled = _pooled_or_404(pooled_id)
    form = ActForForm()
    if not form.validate_on_submit():
        return None, _back(pooled_id)
    person = _person(pooled, form)
    try:
        result = action(pooled, person, current_user)
    except circles.NotPermitted as refused:
        db.session.rollback()
        return None, _refused(pooled_id, str(refused))
    except pooled_bookings.PooledError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None, _back(pooled_id)
    db.session.commit()
    return (result, person), _back(pooled_id)


@bp.post("/together/<int:pooled_id>/agree")
@login_required
def pooled_agree(pooled_id: int):
    """Agree to a share: your own, or that of someone you may book for (within the limit)."""
    done, response = _for_person(pooled_id, pooled_bookings.agree)
    if done is not None:
        outcome, person = done
        _tell(outcome, "You" if person.id == current_user.id else person.name)
    return response


@bp.post("/together/<int:pooled_id>/decline")
@login_required
def pooled_decline(pooled_id: int):
    done, response = _for_person(pooled_id, pooled_bookings.decline)
    if done is not None:
        flash("The shared booking has been called off and everyone has been told.", "success")
    return response


@bp.post("/together/<int:pooled_id>/try-again")
@login_required
def pooled_try_again(pooled_id: int):
    pooled = _pooled_or_404(pooled_id)
    if ConfirmForm().validate_on_submit():
        try:
            outcome = pooled_bookings.try_again(pooled, current_user)
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            _tell(outcome, "You")
    return _back(pooled_id)


@bp.post("/together/<int:pooled_id>/call-off")
@login_required
def pooled_call_off(pooled_id: int):
    pooled = _pooled_or_404(pooled_id)
    if ConfirmForm().validate_on_submit():
        try:
            pooled_bookings.call_off(pooled, current_user)
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Called off. Nobody has been charged.", "success")
    return _back(pooled_id)


@bp.route("/together/<int:pooled_id>/cancel", methods=["GET", "POST"])
@login_required
def pooled_cancel(pooled_id: int):
    """Say what each share gets back, then cancel on confirmation (the organiser only)."""
    pooled = _pooled_or_404(pooled_id)
    if pooled.organiser_id != current_user.id:
        abort(404)
    now = clock.now()
    if not pooled_bookings.can_cancel(pooled, now):
        return _back(pooled_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            outcome = pooled_bookings.cancel(pooled, current_user)
        except pooled_bookings.PooledError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(pooled_id)
        if outcome.offers:
            emails.send_offers(outcome.offers)
        db.session.commit()
        flash("Cancelled. Everyone has been told.", "success")
        return _back(pooled_id)
    return render_template(
        "marketplace/pooled/cancel.html",
        pooled=pooled,
        listing=pooled.session.listing,
        refunds=[(s, pooled_bookings.refund_due(pooled, s, now)) for s in pooled.shares],
        policy=cancellation.policy(pooled.booking.cancellation_notice_hours),
        form=form,
    )
