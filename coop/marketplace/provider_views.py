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
from coop.marketplace import bookings, listings, providers, schedule
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
    ListingReviewForm,
    ProviderDecisionForm,
    ProviderForm,
    ReplyForm,
    StaffForm,
)
from coop.marketplace.service import providers_of, weekly_schedule
from coop.marketplace.staff_models import StaffInvitation
from coop.marketplace.views import bp
from coop.payments import ledger

#: The secretary's provider approvals.
secretary_required = allowed_only_if(providers.can_decide_providers)

#: The secretary reviews each provider's first listing.
review_required = allowed_only_if(listings.can_review_listings)

#: Registering a provider is for approved provider members.
provider_member_required = allowed_only_if(providers.can_register_provider)


# --- Loading what is the provider's own ---------------------------------------------------

#: The things a provider page's address may name, parents first: the id in the URL, the
#: argument the view receives, its model, and the argument it must belong to (if any).
URL_OBJECTS = (
    ("listing_id", "listing", Listing, None),
    ("session_id", "session", Session, None),
    ("staff_id", "staff", ProviderStaff, None),
    ("invitation_id", "invitation", StaffInvitation, None),
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
            invitation = providers.invite_staff(provider, form.email.data, current_user)
            providers.send_invitation(invitation)  # in the outbox, with the invitation
            db.session.commit()
        except providers.ProviderError as error:
            db.session.rollback()
            show_error(form, error, "email")
        else:
            flash(
                f"We have invited {invitation.member.name} to join {provider.name}'s staff. "
                "They can manage it once they accept, within 14 days.",
                "success",
            )
            return redirect(url_for("marketplace.provider_staff", provider_id=provider.id))
    return render_template(
        "marketplace/provider/staff.html",
        provider=provider,
        form=form,
        action_form=ActionForm(),
        invitations=providers.open_invitations_of(provider),
    )


@bp.post("/provider/<int:provider_id>/staff/invitations/<int:invitation_id>/withdraw")
@provider_page
def provider_withdraw_invitation(provider, invitation):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        providers.withdraw_invitation(invitation, current_user)
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        flash(f"The invitation to {invitation.member.name} is withdrawn.", "success")
    return redirect(url_for("marketplace.provider_staff", provider_id=provider.id))


# --- Invitations, as the invited member sees them -------------------------------------------


@bp.app_context_processor
def _staff_invitations():
    """Lets the account page list the member's open invitations to join a provider's staff,
    without the members package knowing about providers. Queried only when a page asks."""
    return {"staff_invitations_for": providers.open_invitations_for}


def _own_invitation_or_404(invitation_id: int):
    invitation = providers.invitation_of(current_user, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int):
    invitation = _own_invitation_or_404(invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = invitation.provider.name
    try:
        providers.accept_invitation(invitation, current_user)
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(url_for("members.account"))
    flash(f"You are now one of {name}'s staff.", "success")
    return redirect(url_for("marketplace.provider_dashboard", provider_id=invitation.provider_id))


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int):
    invitation = _own_invitation_or_404(invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        providers.decline_invitation(invitation, current_user)
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        flash(f"You have declined the invitation from {invitation.provider.name}.", "success")
    return redirect(url_for("members.account"))


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


def _decided(form, approve, reject, tell) -> bool:
    """Carry out the secretary's decision form (approve, or reject with the reason given),
    put the message telling of it in the outbox (``tell``) and commit both together; False,
    with the refusal shown beside the form, if the rules say no."""
    try:
        if form.decision.data == "approve":
            approve(current_user)
        else:
            reject(current_user, form.reason.data)
        tell()
        db.session.commit()
    except providers.ProviderError as error:
        db.session.rollback()
        show_error(form, error, "decision")
        return False
    return True


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
    if (
        provider.is_waiting
        and form.validate_on_submit()
        and _decided(
            form,
            lambda by: providers.approve_provider(provider, by),
            lambda by, reason: providers.reject_provider(provider, by, reason),
            lambda: providers.send_decision(provider),
        )
    ):
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


@bp.get("/secretary/listings")
@review_required
def secretary_listings():
    """Listings waiting for review, and refused attempts by staff to pay their own provider."""
    return render_template(
        "marketplace/secretary/listings.html",
        waiting=listings.listings_waiting_for_review(),
        refused=bookings.refused_own_bookings(),
    )


@bp.route("/secretary/listings/<int:listing_id>", methods=["GET", "POST"])
@review_required
def secretary_listing(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = ListingReviewForm()
    if (
        listing.is_in_review
        and form.validate_on_submit()
        and _decided(
            form,
            lambda by: listings.approve_listing(listing, by),
            lambda by, reason: listings.return_listing(listing, by, reason),
            lambda: listings.send_review_decision(listing),
        )
    ):
        if listing.is_published:
            flash(f"{listing.title} is published. {listing.provider.name} is told.", "success")
        else:
            flash(f"{listing.title} is back to draft. They have been told why.", "success")
        return redirect(url_for("marketplace.secretary_listings"))
    return render_template(
        "marketplace/secretary/listing.html",
        listing=listing,
        provider=listing.provider,
        form=form,
        schedule_text=schedule.describe_schedule(weekly_schedule(listing)),
        duration_text=schedule.describe_duration(listing.duration_minutes),
    )
