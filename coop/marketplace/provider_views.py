"""Providers' own pages: registering, the dashboard, details, staff, bookings, money and
reviews; and the secretary's provider approvals. Routes on the marketplace blueprint.

Every page of a provider's own is a :func:`provider_page`: it loads the provider through its
staff and everything else the address names through the provider, so another provider's
listing, session, booking or review is a 404 whatever its id. The pages for listings,
schedules and sessions are in :mod:`coop.marketplace.listing_views`.
"""

from functools import wraps

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.marketplace import bookings, listings, providers
from coop.marketplace.models import (
    Booking,
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
    ProviderDecisionForm,
    ProviderForm,
    ReplyForm,
    StaffForm,
)
from coop.marketplace.service import providers_of
from coop.marketplace.views import bp
from coop.payments import ledger

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
        nothing=ledger.Earnings(),
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
            providers.send_decision(provider)
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "decision")
        else:
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
