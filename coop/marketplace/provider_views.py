"""Providers' pages: registering, details, staff, listings, schedules, sessions, bookings and
money; and the secretary's provider approvals. Routes on the marketplace blueprint.

Every provider page is a :func:`provider_page`: it loads the provider through its staff and
everything else the address names through the provider, so another provider's listing,
session, booking or review is a 404 whatever its id.
"""

from functools import wraps

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.marketplace import bookings, listings, providers, schedule
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Category,
    Closure,
    Concession,
    Listing,
    Provider,
    ProviderKind,
    ProviderStaff,
    Review,
    ScheduleTime,
    Session,
)
from coop.marketplace.provider_forms import (
    ActionForm,
    AttendanceForm,
    CancelSessionForm,
    ClosureForm,
    ConcessionForm,
    ListingForm,
    ProviderDecisionForm,
    ProviderForm,
    ReplyForm,
    ScheduleForm,
    StaffForm,
)
from coop.marketplace.service import (
    pricing_rules,
    providers_of,
    weekly_schedule,
)
from coop.marketplace.views import bp

#: The secretary's provider approvals.
secretary_required = allowed_only_if(providers.can_decide_providers)

#: Registering a provider is for approved provider members.
provider_member_required = allowed_only_if(providers.can_register_provider)


# --- Loading what is the provider's own ---------------------------------------------------

#: The things a provider page's address may name, parents first: the id in the URL, the
#: argument the view receives, its model, and the argument it must belong to (if any).
URL_OBJECTS = (
    ("listing_id", "listing", Listing, None),
    ("session_id", "session", Session, None),
    ("staff_id", "staff", ProviderStaff, None),
    ("review_id", "review", Review, None),
    ("time_id", "schedule_time", ScheduleTime, "listing"),
    ("closure_id", "closure", Closure, "listing"),
    ("concession_id", "concession", Concession, "listing"),
    ("booking_id", "booking", Booking, "session"),
)


def provider_page(view):
    """A provider's own page: signed in, one of the provider's staff, and everything the address
    names is that provider's (a closure of that listing, a booking in that session), or 404.

    The view receives them loaded and checked, by name: ``provider``, ``listing``, ``closure``...
    """

    @wraps(view)
    @login_required
    def wrapped(provider_id: int, **ids: int):
        provider = providers.provider_for(current_user, provider_id)
        if provider is None or not providers.can_manage_provider(current_user, provider):
            abort(404)
        found = {"provider": provider}
        for id_name, name, model, within in URL_OBJECTS:
            if id_name in ids:
                parent = found[within] if within else None
                found[name] = providers.load_owned(model, ids.pop(id_name), provider, parent)
                if found[name] is None:
                    abort(404)
        if ids:
            raise TypeError(f"{view.__name__}: nothing loads {', '.join(ids)}")
        return view(**found)

    return wrapped


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


# --- Starting out ------------------------------------------------------------------------


@bp.get("/provider")
@login_required
def provider_start():
    """The member's providers, or how to register one."""
    mine = providers_of(current_user)
    if len(mine) == 1 and providers.can_manage_provider(current_user, mine[0]):
        return redirect(url_for("marketplace.provider_dashboard", provider_id=mine[0].id))
    return render_template(
        "marketplace/provider/start.html",
        providers=mine,
        can_register=providers.can_register_provider(current_user),
    )


def _details(form: ProviderForm) -> providers.ProviderDetails:
    return providers.ProviderDetails(
        name=form.name.data or "",
        kind=ProviderKind(form.kind.data),
        description=form.description.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        website=form.website.data or "",
        address_line_1=form.address_line_1.data or "",
        address_line_2=form.address_line_2.data or "",
        town=form.town.data or "",
        postcode=form.postcode.data or "",
        premises_accessibility=form.premises_accessibility.data or "",
        insurance_expires_on=form.insurance_expires_on.data,
        dbs_checked_on=form.dbs_checked_on.data,
    )


@bp.route("/provider/register", methods=["GET", "POST"])
@provider_member_required
def provider_register():
    form = ProviderForm()
    if not form.is_submitted():
        form.email.data = current_user.email
        form.name.data = current_user.organisation_name
    if form.validate_on_submit():
        try:
            provider = providers.register_provider(current_user, _details(form))
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            flash(
                f"{provider.name} is registered. The secretary will check it and we will "
                "email you when they have decided. You can prepare listings in the meantime.",
                "success",
            )
            return redirect(url_for("marketplace.provider_dashboard", provider_id=provider.id))
    return render_template("marketplace/provider/register.html", form=form)


# --- The dashboard and the provider's details ---------------------------------------------


@bp.get("/provider/<int:provider_id>")
@provider_page
def provider_dashboard(provider):
    now = clock.now()
    return render_template(
        "marketplace/provider/dashboard.html",
        provider=provider,
        warning=providers.insurance_warning(provider, clock.london_today(now)),
        listings=provider.listings,
        coming=listings.listing_counts(provider, now),
        sessions=listings.upcoming_sessions(provider, now, limit=20),
        recent=listings.recent_sessions(provider, now, limit=10),
        money=providers.earnings(provider),
        form=None,
        apply_again_form=ActionForm(),
    )


@bp.route("/provider/<int:provider_id>/details", methods=["GET", "POST"])
@provider_page
def provider_details(provider):
    form = ProviderForm(obj=provider)
    if not form.is_submitted():
        form.kind.data = provider.kind.value
    if form.validate_on_submit():
        try:
            providers.update_provider(provider, _details(form), current_user)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            flash("Your details are saved.", "success")
            return redirect(url_for("marketplace.provider_dashboard", provider_id=provider.id))
    return render_template("marketplace/provider/details.html", provider=provider, form=form)


@bp.post("/provider/<int:provider_id>/apply-again")
@provider_page
def provider_apply_again(provider):
    if ActionForm().validate_on_submit():
        try:
            providers.apply_again(provider, current_user)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            flash(error.message, "info")
        else:
            flash("You have asked the secretary to look at your provider again.", "success")
    return redirect(url_for("marketplace.provider_dashboard", provider_id=provider.id))


@bp.route("/provider/<int:provider_id>/staff", methods=["GET", "POST"])
@provider_page
def provider_staff(provider):
    form = StaffForm()
    if form.validate_on_submit():
        try:
            added = providers.add_staff(provider, form.email.data, current_user)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "email")
        else:
            flash(f"{added.member.name} can now manage {provider.name}.", "success")
            return redirect(url_for("marketplace.provider_staff", provider_id=provider.id))
    return render_template(
        "marketplace/provider/staff.html", provider=provider, form=form, action_form=ActionForm()
    )


@bp.post("/provider/<int:provider_id>/staff/<int:staff_id>/remove")
@provider_page
def provider_remove_staff(provider, staff):
    if not ActionForm().validate_on_submit():
        abort(400)
    name = provider.name
    staff_page = url_for("marketplace.provider_staff", provider_id=provider.id)
    try:
        removed = providers.remove_staff(provider, staff, current_user)
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(staff_page)
    if removed.id == current_user.id:
        # They can no longer see the provider's pages, so go back to the start.
        flash(f"You are no longer one of {name}'s staff.", "success")
        return redirect(url_for("marketplace.provider_start"))
    flash(f"{removed.name} can no longer manage {name}.", "success")
    return redirect(staff_page)


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
        closures=[
            (c, schedule.describe_closure(w))
            for c, w in zip(listing.closures, weekly.closures, strict=True)
        ],
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
        closures=[
            (c, schedule.describe_closure(w))
            for c, w in zip(listing.closures, weekly.closures, strict=True)
        ],
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
        can_cancel=session.cancelled_at is None and session.starts_at > now,
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
            db.session.commit()
        except bookings.BookingError as error:
            db.session.rollback()
            show_error(form, error, "reason")
        else:
            bookings.send_session_cancelled(session, cancelled)
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


# --- Bookings, money and reviews ---------------------------------------------------------


@bp.get("/provider/<int:provider_id>/bookings")
@provider_page
def provider_bookings(provider):
    return render_template(
        "marketplace/provider/bookings.html",
        provider=provider,
        bookings=providers.bookings_for(provider),
        money=providers.earnings_by_booking(provider),
        total=providers.earnings(provider),
        nothing=providers.Earnings(),
    )


@bp.get("/provider/<int:provider_id>/bookings.csv")
@provider_page
def provider_bookings_csv(provider):
    return Response(
        providers.bookings_csv(provider),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=bookings-{provider.id}.csv"},
    )


def _reviews_page(provider, form=None, review_id=None):
    return render_template(
        "marketplace/provider/reviews.html",
        provider=provider,
        reviews=providers.reviews_for(provider),
        form=form,
        failed_review_id=review_id,
    )


@bp.get("/provider/<int:provider_id>/reviews")
@provider_page
def provider_reviews(provider):
    return _reviews_page(provider)


@bp.post("/provider/<int:provider_id>/reviews/<int:review_id>/reply")
@provider_page
def provider_reply(provider, review):
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            bookings.reply_to_review(review, form.reply.data, current_user)
            db.session.commit()
        except bookings.BookingError as error:
            db.session.rollback()
            show_error(form, error, "reply")
        else:
            flash("Your reply is published under the review.", "success")
            return redirect(url_for("marketplace.provider_reviews", provider_id=provider.id))
    return _reviews_page(provider, form, review.id)


# --- The secretary -----------------------------------------------------------------------


@bp.get("/secretary/providers")
@secretary_required
def secretary_providers():
    return render_template(
        "marketplace/secretary/providers.html",
        waiting=providers.waiting_providers(),
        everyone=providers.all_providers(),
        today=clock.london_today(),
    )


@bp.route("/secretary/providers/<int:provider_id>", methods=["GET", "POST"])
@secretary_required
def secretary_provider(provider_id: int):
    provider = db.get_or_404(Provider, provider_id)
    form = ProviderDecisionForm()
    if provider.is_waiting and form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                providers.approve_provider(provider, current_user)
            else:
                providers.reject_provider(provider, current_user, form.reason.data)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "decision")
        else:
            providers.send_decision(provider)
            if provider.is_approved:
                flash(f"{provider.name} is approved. They have been emailed.", "success")
            else:
                flash(f"{provider.name} was not accepted. They have been told why.", "success")
            return redirect(url_for("marketplace.secretary_providers"))
    return render_template(
        "marketplace/secretary/provider.html",
        provider=provider,
        form=form,
        today=clock.london_today(),
    )
