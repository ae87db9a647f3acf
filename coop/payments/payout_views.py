"""The treasurer's payouts to providers: what each is owed now, and recording a payout."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.money import format_pence
from coop.payments import payouts
from coop.payments.forms import PayoutForm
from coop.payments.views import bp

treasurer_required = allowed_only_if(payouts.can_run_payouts)


@bp.get("/treasurer/payouts")
@treasurer_required
def treasurer_payouts():
    up_to = clock.london_today()
    return render_template(
        "payments/treasurer_payouts.html", due=payouts.providers_due(up_to), up_to=up_to
    )


@bp.route("/treasurer/payouts/<int:provider_id>", methods=["GET", "POST"])
@treasurer_required
def treasurer_payout(provider_id: int):
    due = {d.provider_id: d for d in payouts.providers_due(clock.london_today())}
    if provider_id not in due:
        abort(404)
    form = PayoutForm()
    if request.method == "GET":
        form.up_to.data = form.paid_on.data = clock.london_today()
    if form.validate_on_submit():
        try:
            payout = payouts.run_payout(
                provider_id,
                form.up_to.data,
                form.paid_on.data,
                form.bank_reference.data,
                by=current_user,
            )
            db.session.commit()
        except payouts.PayoutError as error:
            db.session.rollback()
            show_error(form, error, "bank_reference", error.message.rstrip("."))
        else:
            flash(
                f"A payout of {format_pence(payout.amount_pence)} to {due[provider_id].name} "
                "has been recorded.",
                "success",
            )
            return redirect(url_for("payments.treasurer_payouts"))
    return render_template("payments/treasurer_payout.html", form=form, due=due[provider_id])
