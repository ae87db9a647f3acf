"""Budgets and the ledger: budget statements, and the secretary recording money arriving."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.auth import allowed_only_if
from coop.errors import render_error
from coop.extensions import db
from coop.forms import show_error
from coop.members import circles
from coop.members.models import Member, MemberClass, MembershipStatus
from coop.money import format_pence
from coop.payments import ledger, service, signals
from coop.payments.forms import BudgetSearchForm, FundingForm
from coop.payments.models import FundingKind

bp = Blueprint("payments", __name__, url_prefix="/payments", template_folder="templates")

from coop.payments import models as _models  # noqa: E402,F401 - the tables, for migrations

#: Only the serving secretary may use these pages.
secretary_required = allowed_only_if(service.can_manage_budgets)


# --- A budget holder's own budget --------------------------------------------------------


def _not_a_budget_holder(member: Member):
    """The 403 page for someone with no budget of their own, saying why."""
    if member.member_class is MemberClass.BUDGET_HOLDER and member.status is (
        MembershipStatus.APPLIED
    ):
        advice = (
            "Your budget opens when the secretary approves your membership. We will email you "
            "when they have decided."
        )
    else:
        advice = (
            "This page shows the money in a budget holder's personal budget (a direct payment "
            "or an individual service fund), and only approved budget holders have one. If you "
            "think you should, contact the co-op's secretary."
        )
    return render_error(403, "Budgets are for budget holders", advice)


@bp.get("/budget")
@login_required
def budget():
    if not service.can_see_own_budget(current_user):
        return _not_a_budget_holder(current_user)
    lines = ledger.budget_statement(current_user)
    return render_template(
        "payments/budget.html",
        balance=ledger.budget_balance(current_user),
        lines=lines[::-1],
        described=signals.describe([line.transaction for line in lines], viewer=current_user),
    )


@bp.get("/budget/<int:member_id>")
@login_required
def budget_for(member_id: int):
    """A budget statement, read-only, for someone the member lets see their budget."""
    person = db.session.get(Member, member_id)
    if person is None or person.id == current_user.id:
        abort(404)
    if not circles.can_see_for(current_user, person):
        return render_error(
            403,
            "You cannot see this budget",
            f"{person.name} has not chosen you to see their budget, or has withdrawn it.",
        )
    lines = ledger.budget_statement(person)
    return render_template(
        "payments/budget_for.html",
        person=person,
        balance=ledger.budget_balance(person),
        lines=lines[::-1],
        described=signals.describe([line.transaction for line in lines], viewer=current_user),
    )


# --- The secretary -----------------------------------------------------------------------


def _budget_holder_or_404(member_id: int, *, approved: bool = False) -> Member:
    member = service.budget_holder(member_id)
    if member is None or (approved and not member.is_approved):
        abort(404)
    return member


@bp.get("/secretary/budgets")
@secretary_required
def secretary_budgets():
    form = BudgetSearchForm(request.args)
    form.validate()
    holders = service.budget_holders(form.q.data or "")
    return render_template(
        "payments/secretary_budgets.html",
        search=form,
        holders=holders,
        total=sum(h.balance_pence for h in holders),
    )


@bp.get("/secretary/budgets/<int:member_id>")
@secretary_required
def secretary_budget(member_id: int):
    member = _budget_holder_or_404(member_id)
    lines = ledger.budget_statement(member)
    return render_template(
        "payments/secretary_budget.html",
        member=member,
        balance=ledger.budget_balance(member),
        lines=lines[::-1],
        described=signals.describe([line.transaction for line in lines], viewer=current_user),
    )


@bp.route("/secretary/budgets/<int:member_id>/funding", methods=["GET", "POST"])
@secretary_required
def secretary_funding(member_id: int):
    member = _budget_holder_or_404(member_id, approved=True)
    form = FundingForm()
    if form.validate_on_submit():
        pence = form.amount_pence
        try:
            ledger.record_funding(
                member,
                pence,
                FundingKind(form.funding_kind.data),
                form.received_on.data,
                form.reference.data,
                by=current_user,
            )
            db.session.commit()
        except ledger.LedgerError as error:
            db.session.rollback()
            show_error(form, error, "amount", error.message.rstrip("."))
        else:
            flash(f"{format_pence(pence)} received for {member.name} has been recorded.", "success")
            return redirect(url_for("payments.secretary_budget", member_id=member.id))
    return render_template(
        "payments/secretary_funding.html",
        form=form,
        member=member,
        balance=ledger.budget_balance(member),
    )


@bp.get("/secretary/ledger.csv")
@secretary_required
def secretary_ledger_csv():
    return Response(
        service.ledger_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=ledger.csv"},
    )


from coop.payments import accounts_views as _accounts_views  # noqa: E402,F401 - its routes
from coop.payments import auditor_views as _auditor_views  # noqa: E402,F401 - its routes
from coop.payments import card_views as _card_views  # noqa: E402,F401 - its routes
from coop.payments import fund_views as _fund_views  # noqa: E402,F401 - its routes
from coop.payments import payout_views as _payout_views  # noqa: E402,F401 - its routes
from coop.payments import return_views as _return_views  # noqa: E402,F401 - its routes
