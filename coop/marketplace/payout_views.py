"""A provider's payouts from the co-op, and what the marketplace tells payments about its
bookings and providers so that payouts hold back money still inside a cancellation window."""

from flask import Response, abort, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from coop.extensions import db
from coop.marketplace import cancellation, providers
from coop.marketplace.models import Booking, BookingStatus, Provider
from coop.marketplace.provider_views import provider_page
from coop.marketplace.views import bp
from coop.payments import payouts
from coop.payments.signals import name_providers, releasable_bookings


def is_releasable(booking: Booking, at) -> bool:
    """Whether a booking's money is the provider's to keep at ``at``: cancelled (its refund, if
    any, is already posted), attended, or past its cancellation deadline."""
    if booking.status is not BookingStatus.CONFIRMED or booking.attended:
        return True
    return at > cancellation.deadline(booking.session.starts_at, booking.cancellation_notice_hours)


@releasable_bookings.connect
def _releasable(_sender, booking_ids, at):
    found = db.session.scalars(select(Booking).where(Booking.id.in_(booking_ids)))
    return {booking.id for booking in found if is_releasable(booking, at)}


@name_providers.connect
def _provider_names(_sender, provider_ids):
    rows = db.session.execute(
        select(Provider.id, Provider.name).where(Provider.id.in_(provider_ids))
    ).all()
    return dict(rows)


@bp.get("/provider/<int:provider_id>/payouts")
@provider_page
def provider_payouts(provider):
    return render_template(
        "marketplace/provider/payouts.html",
        provider=provider,
        payouts=payouts.payouts_of(provider.id),
    )


def _payout_or_404(provider_id: int, payout_id: int):
    """The provider (if the signed-in member manages it) and one of its own payouts, or 404."""
    provider = providers.provider_for(current_user, provider_id)
    if provider is None or not providers.can_manage_provider(current_user, provider):
        abort(404)
    payout = payouts.payout_of(provider.id, payout_id)
    if payout is None:
        abort(404)
    return provider, payout


@bp.get("/provider/<int:provider_id>/payouts/<int:payout_id>")
@login_required
def provider_payout(provider_id: int, payout_id: int):
    provider, payout = _payout_or_404(provider_id, payout_id)
    return render_template(
        "marketplace/provider/payout.html",
        provider=provider,
        payout=payout,
        lines=payouts.lines_of(payout),
    )


@bp.get("/provider/<int:provider_id>/payouts/<int:payout_id>.<any(csv, pdf):kind>")
@login_required
def provider_payout_statement(provider_id: int, payout_id: int, kind: str):
    provider, payout = _payout_or_404(provider_id, payout_id)
    if kind == "csv":
        body, mimetype = payouts.statement_csv(payout, provider.name), "text/csv"
    else:
        site = current_app.config["SITE_NAME"]
        body, mimetype = payouts.statement_pdf(payout, provider.name, site), "application/pdf"
    name = f"payout-{payout.id}-{payout.paid_on.isoformat()}.{kind}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"}
    )
