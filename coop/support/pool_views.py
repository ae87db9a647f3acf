"""Pooled funds: set one up, join, pay in, propose and agree spending, give notice to leave."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.members.roles import is_budget_holder
from coop.money import parse_pounds
from coop.payments import ledger
from coop.payments import pools as money
from coop.support import pools
from coop.support.pool_forms import PoolForm, SpendForm, VoteForm
from coop.support.pool_models import ContributionRule, Pool, SpendStatus
from coop.support.views import bp


def _pool_or_404(pool_id: int) -> Pool:
    """A pool the signed-in member is in or invited to; anyone else's is 404."""
    pool = pools.pool_of(current_user, pool_id)
    if pool is None:
        abort(404)
    return pool


def _back(pool_id: int):
    return redirect(url_for("support.pool", pool_id=pool_id))


def read_invitees(text: str) -> list[pools.Invitee]:
    """Lines of 'who [amount]': an email address or member number, then maybe an amount."""
    invitees = []
    for line in (text or "").splitlines():
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        amount = parse_pounds(parts[-1]) if len(parts) > 1 else None
        invitees.append(pools.Invitee(parts[0], amount))
    return invitees


@bp.get("/pools")
@login_required
def pools_list():
    return render_template(
        "support/pools/list.html",
        pools=pools.pools_of(current_user),
        can_start=is_budget_holder(current_user),
    )


@bp.route("/pools/new", methods=["GET", "POST"])
@login_required
def pool_new():
    """A budget holder sets up a pool and invites the others."""
    if not is_budget_holder(current_user):
        abort(403)
    form = PoolForm()
    status = 200
    if form.validate_on_submit():
        try:
            pool = pools.create(
                current_user,
                form.name.data,
                form.purpose.data,
                ContributionRule(form.rule.data),
                form.notice_days.data,
                read_invitees(form.people.data),
                equal_amount_pence=parse_pounds(form.amount.data),
                founder_amount_pence=parse_pounds(form.founder_amount.data),
            )
        except pools.PoolError as error:
            db.session.rollback()
            show_error(form, error, "people")
            status = 400
        else:
            db.session.commit()
            flash("The pool is set up. The others have been invited to join.", "success")
            return _back(pool.id)
    elif form.is_submitted():
        status = 400
    return render_template("support/pools/new.html", form=form), status


@bp.get("/pools/<int:pool_id>")
@login_required
def pool(pool_id: int):
    """The pool: what it holds, who is in it and what of theirs is unspent, spending to agree,
    anyone leaving and the split after they go, and its statement."""
    pool = _pool_or_404(pool_id)
    mine = pools.membership_of(pool, current_user)
    leaving = [m for m in pool.current if pools.is_leaving(m)]
    spends = pools.spends(pool)
    mine_id = mine.member_id
    return render_template(
        "support/pools/show.html",
        pool=pool,
        mine=mine,
        balance=pools.balance(pool),
        split=pools.current_split(pool),
        leaving=leaving,
        split_after=pools.split_after(pool, leaving) if leaving else [],
        spends=spends,
        voted={v.spend_id: v.agrees for s in spends for v in s.votes if v.member_id == mine_id},
        contribution=pools.contribution_of(mine),
        budget=ledger.budget_balance(current_user),
        statement=list(reversed(money.pool_statement(pool.id))),
        confirm=ConfirmForm(),
        vote_form=VoteForm(),
    )


def _act(pool_id: int, action, done: str):
    pool = _pool_or_404(pool_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(pool, current_user)
        except pools.PoolError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(done, "success")
    return _back(pool_id)


@bp.post("/pools/<int:pool_id>/join")
@login_required
def pool_join(pool_id: int):
    return _act(pool_id, pools.join, "You have joined the pool.")


@bp.post("/pools/<int:pool_id>/decline")
@login_required
def pool_decline(pool_id: int):
    pool = _pool_or_404(pool_id)
    if ConfirmForm().validate_on_submit():
        try:
            pools.decline(pool, current_user)
        except pools.PoolError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(pool_id)
        db.session.commit()
        flash("You said no to joining the pool.", "success")
    return redirect(url_for("support.pools_list"))


@bp.post("/pools/<int:pool_id>/pay-in")
@login_required
def pool_pay_in(pool_id: int):
    return _act(pool_id, pools.pay_in, "Paid in from your budget.")


@bp.route("/pools/<int:pool_id>/leave", methods=["GET", "POST"])
@login_required
def pool_leave(pool_id: int):
    """Say what leaving gives back and when, then give notice on confirmation."""
    pool = _pool_or_404(pool_id)
    mine = pools.membership_of(pool, current_user)
    if not mine.is_current or pools.is_leaving(mine):
        return _back(pool_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _act(pool_id, pools.give_notice, "You have given notice. The others have been told.")
    return render_template(
        "support/pools/leave.html",
        pool=pool,
        mine=mine,
        split_after=pools.split_after(pool, [mine]),
        form=form,
    )


@bp.route("/pools/<int:pool_id>/spend", methods=["GET", "POST"])
@login_required
def pool_spend(pool_id: int):
    """Propose spending from the pool; the others are asked to agree."""
    pool = _pool_or_404(pool_id)
    if not pools.membership_of(pool, current_user).is_current:
        abort(404)
    form = SpendForm()
    status = 200
    if form.validate_on_submit():
        try:
            spend = pools.propose_spend(
                pool,
                current_user,
                form.payee.data,
                parse_pounds(form.amount.data),
                form.what_for.data,
            )
        except pools.PoolError as error:
            db.session.rollback()
            pool = _pool_or_404(pool_id)
            show_error(form, error, "amount")
            status = 400
        else:
            db.session.commit()
            if spend.status is SpendStatus.PAID:
                flash("Agreed and paid from the pool.", "success")
            else:
                flash("The others have been asked to agree.", "success")
            return _back(pool_id)
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "support/pools/spend.html", pool=pool, balance=pools.balance(pool), form=form
        ),
        status,
    )


@bp.post("/pools/<int:pool_id>/spends/<int:spend_id>/vote")
@login_required
def pool_vote(pool_id: int, spend_id: int):
    pool = _pool_or_404(pool_id)
    spend = pools.spend_of(pool, spend_id)
    if spend is None:
        abort(404)
    form = VoteForm()
    if not form.validate_on_submit():
        flash("Choose yes or no.", "error")
        return _back(pool_id)
    try:
        pools.vote(spend, current_user, form.agrees.data == "yes")
    except pools.PoolError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(pool_id)
    db.session.commit()
    flash(
        {
            SpendStatus.PAID: "More than half agree, so it has been paid from the pool.",
            SpendStatus.AGREED: "More than half agree, but the pool does not hold enough yet.",
            SpendStatus.REFUSED: "Not enough members agree, so it will not be paid.",
        }.get(spend.status, "Thank you. It is decided when more than half agree."),
        "success",
    )
    return _back(pool_id)


def _spend_act(pool_id: int, spend_id: int, action, done):
    """Do `action(spend, member)` to one of the pool's proposals; `done(result)` says how it
    went as (message, category)."""
    pool = _pool_or_404(pool_id)
    spend = pools.spend_of(pool, spend_id)
    if spend is None or not pools.membership_of(pool, current_user).is_current:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            result = action(spend, current_user)
        except pools.PoolError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(pool_id)
        db.session.commit()
        flash(*done(result))
    return _back(pool_id)


@bp.post("/pools/<int:pool_id>/spends/<int:spend_id>/pay")
@login_required
def pool_pay_agreed(pool_id: int, spend_id: int):
    return _spend_act(
        pool_id,
        spend_id,
        pools.pay_agreed,
        lambda paid: (
            ("Paid from the pool.", "success")
            if paid
            else ("The pool still does not hold enough.", "error")
        ),
    )


@bp.post("/pools/<int:pool_id>/spends/<int:spend_id>/withdraw")
@login_required
def pool_withdraw_spend(pool_id: int, spend_id: int):
    return _spend_act(
        pool_id, spend_id, pools.withdraw_spend, lambda _spend: ("Withdrawn.", "success")
    )
