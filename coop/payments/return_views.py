"""Quarterly audit returns: a budget holder's own, and the secretary's for one person or all."""

from datetime import date

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from coop import clock
from coop.forms import ConfirmForm
from coop.payments import auditors, returns, service
from coop.payments.forms import PeriodForm
from coop.payments.views import _budget_holder_or_404, _not_a_budget_holder, bp, secretary_required


def _period_or_404(first: str, last: str) -> returns.Period:
    try:
        return returns.Period(date.fromisoformat(first), date.fromisoformat(last))
    except (ValueError, returns.ReturnError):
        abort(404)


def _chosen_period() -> tuple[PeriodForm, returns.Period]:
    """The period asked for in the query string, else the last whole quarter."""
    form = PeriodForm(request.args)
    today = clock.london_today()
    if request.args and form.validate():
        return form, returns.Period(form.first.data, form.last.data)
    return form, returns.recent_quarters(today, 2)[1]


def _download(found: returns.AuditReturn, kind: str) -> Response:
    site = current_app.config["SITE_NAME"]
    if kind == "csv":
        body, mimetype = returns.return_csv(found, site), "text/csv"
    else:
        body, mimetype = returns.return_pdf(found, site), "application/pdf"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={returns.filename(found, kind)}"},
    )


def _quarters() -> list[returns.Period]:
    return returns.recent_quarters(clock.london_today(), 5)


# --- A budget holder's own ---------------------------------------------------------------


@bp.get("/returns")
@login_required
def my_returns():
    if not service.can_see_own_budget(current_user):
        return _not_a_budget_holder(current_user)
    form, period = _chosen_period()
    return render_template(
        "payments/returns.html",
        form=form,
        found=returns.audit_return(current_user, period),
        quarters=_quarters(),
        period_args=_period_args,
        grants=auditors.waiting_for(current_user),
        views=auditors.views_of(current_user)[:50],
        in_force=auditors.is_in_force,
        consent_form=ConfirmForm(),
    )


@bp.get("/returns/<first>/<last>.<any(csv, pdf):kind>")
@login_required
def my_return_download(first: str, last: str, kind: str):
    if not service.can_see_own_budget(current_user):
        return _not_a_budget_holder(current_user)
    return _download(returns.audit_return(current_user, _period_or_404(first, last)), kind)


def _period_args(period: returns.Period) -> dict:
    return {
        "first": [str(period.first.day), str(period.first.month), str(period.first.year)],
        "last": [str(period.last.day), str(period.last.month), str(period.last.year)],
    }


# --- The secretary -----------------------------------------------------------------------


@bp.get("/secretary/returns")
@secretary_required
def secretary_returns():
    form, period = _chosen_period()
    holders = [h.member for h in service.budget_holders()]
    found = [returns.audit_return(member, period) for member in holders]
    return render_template(
        "payments/secretary_returns.html",
        form=form,
        period=period,
        found=found,
        quarters=_quarters(),
        overfunded_weeks=returns.overfunded_weeks(),
        period_args=_period_args,
    )


@bp.get("/secretary/returns/<int:member_id>/<first>/<last>.<any(csv, pdf):kind>")
@secretary_required
def secretary_return_download(member_id: int, first: str, last: str, kind: str):
    member = _budget_holder_or_404(member_id)
    return _download(returns.audit_return(member, _period_or_404(first, last)), kind)


@bp.get("/secretary/returns/<first>/<last>.zip")
@secretary_required
def secretary_returns_zip(first: str, last: str):
    period = _period_or_404(first, last)
    found = [returns.audit_return(h.member, period) for h in service.budget_holders()]
    return Response(
        returns.quarter_zip(found, current_app.config["SITE_NAME"]),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename=returns_{period.slug}.zip"},
    )
