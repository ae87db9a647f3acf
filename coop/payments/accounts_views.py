"""The co-op's own accounts: the financial year's page for members, and the treasurer's costs."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.money import format_pence, parse_pounds
from coop.payments import accounts
from coop.payments.forms import CostForm, EarmarkSpendForm
from coop.payments.models import CostCategory, Earmark
from coop.payments.views import bp

member_required = allowed_only_if(accounts.can_see_accounts)
treasurer_required = allowed_only_if(accounts.can_record_costs)


@bp.get("/accounts")
@member_required
def year_accounts():
    year_end = accounts.year_end_setting()
    today = clock.london_today()
    current = accounts.year_holding(today, year_end)
    ends_in = request.args.get("year", type=int) or current.last.year
    if not 2000 <= ends_in <= current.last.year:
        abort(404)
    found = accounts.year_accounts(accounts.financial_year(ends_in, year_end))
    years = [
        accounts.financial_year(y, year_end)
        for y in range(current.last.year, current.last.year - 4, -1)
    ]
    return render_template(
        "payments/accounts.html",
        found=found,
        years=years,
        closed=found.period.last < today,
        can_record=accounts.can_record_costs(current_user),
        year_label=accounts.year_label,
    )


def _cost_form() -> CostForm:
    form = CostForm()
    form.category.choices = [(c.value, c.label) for c in CostCategory]
    return form


@bp.route("/treasurer/costs", methods=["GET", "POST"])
@treasurer_required
def treasurer_costs():
    form = _cost_form()
    if form.validate_on_submit():
        try:
            cost = accounts.record_cost(
                form.spent_on.data,
                parse_pounds(form.amount.data),
                CostCategory(form.category.data),
                form.description.data,
                form.reference.data,
                by=current_user,
            )
            db.session.commit()
        except accounts.AccountsError as error:
            db.session.rollback()
            show_error(form, error, "amount", error.message.rstrip("."))
        else:
            flash(f"The cost of {format_pence(cost.amount_pence)} has been recorded.", "success")
            return redirect(url_for("payments.treasurer_costs"))
    year = accounts.year_holding(clock.london_today(), accounts.year_end_setting())
    return render_template(
        "payments/treasurer_costs.html",
        form=form,
        costs=accounts.costs_in(year)[::-1],
        year_label=accounts.year_label(year),
    ), (400 if form.errors else 200)


def _spending_page(form=None, failed_id=None, status=200):
    return render_template(
        "payments/surplus_spending.html",
        found=accounts.earmarks(),
        can_record=accounts.can_record_costs(current_user),
        form=form,
        failed_id=failed_id,
        blank=EarmarkSpendForm,
    ), status


@bp.get("/surplus-spending")
@member_required
def surplus_spending():
    return _spending_page()


@bp.post("/treasurer/earmarks/<int:earmark_id>/spend")
@treasurer_required
def treasurer_earmark_spend(earmark_id: int):
    earmark = db.session.get(Earmark, earmark_id)
    if earmark is None:
        abort(404)
    form = EarmarkSpendForm(prefix=f"e{earmark_id}")
    if not form.validate_on_submit():
        return _spending_page(form, earmark_id, 400)
    try:
        accounts.spend_from_earmark(
            earmark,
            parse_pounds(form.amount.data),
            form.spent_on.data,
            form.description.data,
            form.reference.data,
            by=current_user,
        )
        db.session.commit()
    except accounts.AccountsError as error:
        db.session.rollback()
        show_error(form, error, "amount", error.message.rstrip("."))
        return _spending_page(form, earmark_id, 400)
    flash(f"Spending on {earmark.title} is recorded.", "success")
    return redirect(url_for("payments.surplus_spending"))
