"""Auditors' read-only view of named budget holders' returns; the secretary's grants; and the
budget holder agreeing (or not)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop import email
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.payments import auditors, returns, service
from coop.payments.forms import AuditorGrantForm
from coop.payments.return_views import (
    _chosen_period,
    _download,
    _period_args,
    _period_or_404,
    _quarters,
)
from coop.payments.views import bp

secretary_required = allowed_only_if(auditors.can_grant_auditors)


# --- The auditor -------------------------------------------------------------------------


@bp.get("/auditor")
@login_required
def auditor_home():
    grants = auditors.grants_of(current_user)
    if not grants:
        abort(404)
    return render_template("payments/auditor.html", grants=grants)


def _grant_or_404(member_id: int):
    found = auditors.grant_for(current_user, member_id)
    if found is None:
        abort(404)
    return found


@bp.get("/auditor/<int:member_id>")
@login_required
def auditor_return(member_id: int):
    found = _grant_or_404(member_id)
    form, period = _chosen_period()
    auditors.log_view(found, f"return {period.first} to {period.last} (page)")
    db.session.commit()
    return render_template(
        "payments/auditor_return.html",
        grant=found,
        form=form,
        found=returns.audit_return(found.member, period),
        quarters=_quarters(),
        period_args=_period_args,
    )


@bp.get("/auditor/<int:member_id>/<first>/<last>.<any(csv, pdf):kind>")
@login_required
def auditor_return_download(member_id: int, first: str, last: str, kind: str):
    found = _grant_or_404(member_id)
    period = _period_or_404(first, last)
    auditors.log_view(found, f"return {period.first} to {period.last} ({kind.upper()})")
    db.session.commit()
    return _download(returns.audit_return(found.member, period), kind)


# --- The secretary -----------------------------------------------------------------------


def _grant_form() -> AuditorGrantForm:
    form = AuditorGrantForm()
    form.member_id.choices = [(h.member.id, h.member.name) for h in service.budget_holders()]
    return form


@bp.route("/secretary/auditors", methods=["GET", "POST"])
@secretary_required
def secretary_auditors():
    form = _grant_form()
    if form.validate_on_submit():
        member = service.budget_holder(form.member_id.data)
        try:
            if member is None:
                raise auditors.AuditorError("Choose an approved budget holder.", "member_id")
            auditors.grant(
                form.auditor_email.data,
                member,
                form.organisation.data,
                form.until.data,
                by=current_user,
            )
            db.session.commit()
        except auditors.AuditorError as error:
            db.session.rollback()
            show_error(form, error, "auditor_email", error.message.rstrip("."))
        else:
            flash(f"{member.name} is asked to agree on their quarterly returns page.", "success")
            return redirect(url_for("payments.secretary_auditors"))
    return render_template(
        "payments/secretary_auditors.html",
        form=form,
        grants=auditors.all_grants(),
        in_force=auditors.is_in_force,
    ), (400 if form.errors else 200)


# --- The budget holder -------------------------------------------------------------------


@bp.post("/returns/auditors/<int:grant_id>/<any(agree, end):choice>")
@login_required
def auditor_consent(grant_id: int, choice: str):
    if not service.can_see_own_budget(current_user) or not ConfirmForm().validate_on_submit():
        abort(404)
    decide = auditors.agree if choice == "agree" else auditors.end
    found = decide(current_user, grant_id)
    if found is None:
        abort(404)
    db.session.commit()
    if choice == "agree":
        email.send(
            found.auditor.email,
            "Access to quarterly returns",
            f"{found.member.name} has agreed that you may see their quarterly returns, "
            f"read-only, until {found.until:%d/%m/%Y}. Every return you open is logged.\n\n"
            f"Sign in and open them at {email.external_url('payments.auditor_home')}\n",
        )
    flash(
        f"{found.auditor.name} can see your quarterly returns until {found.until:%d/%m/%Y}."
        if choice == "agree"
        else f"{found.auditor.name} cannot see your quarterly returns.",
        "success",
    )
    return redirect(url_for("payments.my_returns"))
