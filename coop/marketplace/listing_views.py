"""A provider's pages for its listings: details, publishing, the weekly schedule, closures,
off-peak prices, and each session's bookings, attendance and cancelling. Routes on the
marketplace blueprint, each a :func:`~coop.marketplace.provider_views.provider_page`, so
another provider's listing, session or booking is a 404 whatever its id.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock
from coop.extensions import db
from coop.forms import show_error
from coop.marketplace import (
    bookings,
    cancellation,
    card_bookings,
    card_views,
    listings,
    providers,
    schedule,
)
from coop.marketplace.listing_forms import (
    AttendanceForm,
    CancelSessionForm,
    ClosureForm,
    ConcessionForm,
    ListingForm,
    ScheduleForm,
)
from coop.marketplace.models import BookingStatus, Category
from coop.marketplace.provider_forms import ActionForm
from coop.marketplace.provider_views import provider_page
from coop.marketplace.service import pricing_rules, weekly_schedule
from coop.marketplace.views import bp


def _schedule_message(change: listings.ScheduleChange) -> None:
    """Tell the provider what a change to the schedule or closures did to sessions."""
    parts = []
    if change.added:
        parts.append(_count(len(change.added), "new session") + " added.")
    if change.removed:
        parts.append(_count(change.removed, "session") + " that nobody had booked removed.")
    flash(" ".join(["Saved."] + parts), "success")
    if change.still_booked:
        flash(
            _count(len(change.still_booked), "session")
            + " on those days already "
            + ("has" if len(change.still_booked) == 1 else "have")
            + " bookings, so "
            + ("it is" if len(change.still_booked) == 1 else "they are")
            + " still on. Cancel each one from its session page, listed below, so everyone "
            "booked is refunded and told.",
            "info",
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- Listings ----------------------------------------------------------------------------


def _listing_details(form: ListingForm) -> listings.ListingDetails:
    return listings.ListingDetails(
        title=form.title.data or "",
        description=form.description.data or "",
        category=Category(form.category.data),
        price_pence=form.price_pence,
        duration_minutes=form.duration_minutes.data,
        places_per_session=form.places.data,
        at_home=form.where.data == "home",
        venue_address=form.venue_address.data or "",
        features=frozenset(form.features.data or ()),
        direct_payments_allowed=form.direct_payments_allowed.data == "yes",
        cancellation_notice_hours=form.cancellation_notice_hours.data,
        members_discount_percent=form.members_discount_percent.data,
    )


def _fill_listing_form(form: ListingForm, listing) -> None:
    details = listings.listing_details(listing)
    form.title.data = details.title
    form.description.data = details.description
    form.category.data = details.category.value
    form.price.data = f"{details.price_pence / 100:.2f}"
    form.duration_minutes.data = details.duration_minutes
    form.places.data = details.places_per_session
    form.where.data = "home" if details.at_home else "venue"
    form.venue_address.data = details.venue_address
    form.features.data = sorted(details.features)
    form.direct_payments_allowed.data = "yes" if details.direct_payments_allowed else "no"
    form.cancellation_notice_hours.data = details.cancellation_notice_hours
    form.members_discount_percent.data = details.members_discount_percent


@bp.route("/provider/<int:provider_id>/listings/new", methods=["GET", "POST"])
@provider_page
def provider_new_listing(provider):
    form = ListingForm()
    if not form.is_submitted():
        form.where.data = "venue"
        form.direct_payments_allowed.data = "yes"
        form.cancellation_notice_hours.data = 24
        form.venue_address.data = provider.postal_address
    if form.validate_on_submit():
        try:
            listing = listings.create_listing(provider, _listing_details(form), current_user)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "title")
        else:
            flash(
                "The listing is saved as a draft. Add the days and times its sessions run, "
                "then publish it.",
                "success",
            )
            return redirect(_listing_url(listing, "provider_schedule"))
    return render_template(
        "marketplace/provider/listing_form.html", provider=provider, listing=None, form=form
    )


@bp.get("/provider/<int:provider_id>/listings/<int:listing_id>")
@provider_page
def provider_listing(provider, listing):
    now = clock.now()
    weekly = weekly_schedule(listing)
    rules = pricing_rules(listing)
    return render_template(
        "marketplace/provider/listing.html",
        provider=provider,
        listing=listing,
        schedule_text=schedule.describe_schedule(weekly),
        duration_text=schedule.describe_duration(listing.duration_minutes),
        closures=_described_closures(listing, weekly),
        discounts=[d.label for d in rules.discounts],
        sessions=listings.upcoming_sessions(provider, now, listing=listing),
        still_booked=listings.sessions_outside_schedule(listing, now),
        action_form=ActionForm(),
    )


@bp.route("/provider/<int:provider_id>/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@provider_page
def provider_edit_listing(provider, listing):
    form = ListingForm()
    if not form.is_submitted():
        _fill_listing_form(form, listing)
    if form.validate_on_submit():
        try:
            listings.update_listing(listing, _listing_details(form), current_user)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "title")
        else:
            flash("The listing is saved.", "success")
            return redirect(_listing_url(listing))
    return render_template(
        "marketplace/provider/listing_form.html", provider=provider, listing=listing, form=form
    )


def _described_closures(listing, weekly) -> list:
    """Each of the listing's closures, with the words that describe it."""
    return [
        (c, schedule.describe_closure(w))
        for c, w in zip(listing.closures, weekly.closures, strict=True)
    ]


def _listing_url(listing, page: str = "provider_listing") -> str:
    """A page of one of the provider's listings."""
    return url_for(f"marketplace.{page}", provider_id=listing.provider_id, listing_id=listing.id)


#: What each status button does: (service function, message on success).
STATUS_ACTIONS = {
    "publish": (listings.publish_listing, "The listing is published."),
    "draft": (listings.unpublish_listing, "The listing is back to draft and hidden."),
    "archive": (listings.archive_listing, "The listing is archived and hidden."),
}


@bp.post("/provider/<int:provider_id>/listings/<int:listing_id>/status")
@provider_page
def provider_listing_status(provider, listing):
    action = STATUS_ACTIONS.get(request.form.get("action", ""))
    if action is None or not ActionForm().validate_on_submit():
        abort(400)
    change, message = action
    try:
        result = change(listing, current_user)
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        if listing.is_published:
            message += f" {_count(len(result), 'session')} made for the next 8 weeks."
        elif listing.is_in_review:
            message = (
                "The listing is sent to the co-op's secretary, who checks each provider's first "
                "listing. Members can see it once they approve it, and we will tell you."
            )
        flash(message, "success")
    return redirect(_listing_url(listing))


# --- The weekly schedule, closures and off-peak prices ------------------------------------


def _schedule_page(provider, listing, form):
    return render_template(
        "marketplace/provider/schedule.html",
        provider=provider,
        listing=listing,
        schedule_text=schedule.describe_schedule(weekly_schedule(listing)),
        form=form,
        action_form=ActionForm(),
        day_names=schedule.DAY_NAMES,
    )


@bp.route("/provider/<int:provider_id>/listings/<int:listing_id>/schedule", methods=["GET", "POST"])
@provider_page
def provider_schedule(provider, listing):
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            change = listings.add_schedule_times(
                listing,
                [int(d) for d in form.days.data],
                clock.parse_time(form.starts_at.data),
                current_user,
            )
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "days")
        else:
            _schedule_message(change)
            return redirect(_listing_url(listing, "provider_schedule"))
    return _schedule_page(provider, listing, form)


@bp.post("/provider/<int:provider_id>/listings/<int:listing_id>/schedule/<int:time_id>/remove")
@provider_page
def provider_remove_time(provider, listing, schedule_time):
    if not ActionForm().validate_on_submit():
        abort(400)
    change = listings.remove_schedule_time(schedule_time, current_user)
    db.session.commit()
    _schedule_message(change)
    if change.still_booked:
        return redirect(_listing_url(listing))
    return redirect(_listing_url(listing, "provider_schedule"))


@bp.route("/provider/<int:provider_id>/listings/<int:listing_id>/closures", methods=["GET", "POST"])
@provider_page
def provider_closures(provider, listing):
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            change = listings.add_closure(
                listing,
                form.first_day.data,
                form.last_day.data,
                form.reason.data or "",
                current_user,
            )
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "first_day")
        else:
            _schedule_message(change)
            if change.still_booked:
                return redirect(_listing_url(listing))
            return redirect(_listing_url(listing, "provider_closures"))
    weekly = weekly_schedule(listing)
    return render_template(
        "marketplace/provider/closures.html",
        provider=provider,
        listing=listing,
        closures=_described_closures(listing, weekly),
        form=form,
        action_form=ActionForm(),
    )


@bp.post("/provider/<int:provider_id>/listings/<int:listing_id>/closures/<int:closure_id>/remove")
@provider_page
def provider_remove_closure(provider, listing, closure):
    if not ActionForm().validate_on_submit():
        abort(400)
    change = listings.remove_closure(closure, current_user)
    db.session.commit()
    _schedule_message(change)
    return redirect(_listing_url(listing, "provider_closures"))


@bp.route("/provider/<int:provider_id>/listings/<int:listing_id>/pricing", methods=["GET", "POST"])
@provider_page
def provider_pricing(provider, listing):
    form = ConcessionForm()
    if not form.is_submitted():
        form.members_only.data = True
    if form.validate_on_submit():
        try:
            listings.add_concession(
                listing,
                [int(d) for d in form.days.data],
                clock.parse_time(form.window_start.data),
                clock.parse_time(form.window_end.data),
                form.percent_off.data,
                bool(form.members_only.data),
                current_user,
            )
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "days")
        else:
            flash("The off-peak price is saved.", "success")
            return redirect(_listing_url(listing, "provider_pricing"))
    rules = pricing_rules(listing)
    return render_template(
        "marketplace/provider/pricing.html",
        provider=provider,
        listing=listing,
        concessions=list(zip(listing.concessions, rules.windows, strict=True)),
        members_discount=rules.members_discount,
        form=form,
        action_form=ActionForm(),
    )


@bp.post("/provider/<int:provider_id>/listings/<int:listing_id>/pricing/<int:concession_id>/remove")
@provider_page
def provider_remove_concession(provider, listing, concession):
    if not ActionForm().validate_on_submit():
        abort(400)
    listings.remove_concession(concession, current_user)
    db.session.commit()
    flash("The off-peak price is removed. Bookings already made keep their price.", "success")
    return redirect(_listing_url(listing, "provider_pricing"))


# --- Sessions ----------------------------------------------------------------------------


def _session_page(provider, session):
    now = clock.now()
    return render_template(
        "marketplace/provider/session.html",
        provider=provider,
        session=session,
        listing=session.listing,
        coming=listings.live_bookings(session),
        others=[b for b in session.bookings if b.status is not BookingStatus.CONFIRMED],
        started=session.starts_at <= now,
        can_cancel=session.cancelled_at is None and cancellation.can_cancel(session.starts_at, now),
        attendance_form=ActionForm(),
    )


@bp.get("/provider/<int:provider_id>/sessions/<int:session_id>")
@provider_page
def provider_session(provider, session):
    return _session_page(provider, session)


@bp.post(
    "/provider/<int:provider_id>/sessions/<int:session_id>/bookings/<int:booking_id>/attendance"
)
@provider_page
def provider_attendance(provider, session, booking):
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        bookings.mark_attendance(booking, form.attended.data == "yes", current_user)
        db.session.commit()
    except bookings.BookingError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        came = "came" if booking.attended else "did not come"
        flash(f"{booking.member.name} ({booking.reference}) is marked as {came}.", "success")
    return redirect(
        url_for("marketplace.provider_session", provider_id=provider.id, session_id=session.id)
    )


@bp.route("/provider/<int:provider_id>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@provider_page
def provider_cancel_session(provider, session):
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            cancelled = bookings.cancel_session(session, current_user, form.reason.data)
            bookings.send_session_cancelled(session, cancelled)
            unpaid = card_bookings.end_holds_of_cancelled_session(session)
            db.session.commit()
        except bookings.BookingError as error:
            db.session.rollback()
            show_error(form, error, "reason")
        else:
            card_views.send_refunds()  # card bookings are refunded through Stripe
            card_views.cancel_payment_intents(unpaid)
            flash(
                "The session is cancelled. "
                + (
                    f"{_count(len(cancelled), 'booking')} refunded in full, and everyone "
                    "booked has been emailed."
                    if cancelled
                    else "Nobody had booked it."
                ),
                "success",
            )
            return redirect(
                url_for(
                    "marketplace.provider_session", provider_id=provider.id, session_id=session.id
                )
            )
    return render_template(
        "marketplace/provider/cancel_session.html",
        provider=provider,
        session=session,
        listing=session.listing,
        coming=listings.live_bookings(session),
        form=form,
    )
