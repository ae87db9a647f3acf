"""Motions, votes, proxies, results and the co-op's voting rules."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.members.models import Member, MembershipStatus
from coop.urls import parse_id
from coop.voting import service, surplus, weighted_count
from coop.voting.forms import (
    ConfirmVoteForm,
    MotionForm,
    ProxyForm,
    RulesForm,
    VoteForm,
    percent_text,
)
from coop.voting.models import Choice, Motion, Proxy, Resolution

bp = Blueprint("voting", __name__, url_prefix="/voting", template_folder="templates")


@bp.app_template_filter("percent")
def _percent(value) -> str:
    """An exact percentage for display, e.g. Fraction(200, 3) -> '66.7%'."""
    return weighted_count.format_percent(value)


@bp.app_template_filter("basis_points")
def _basis_points(value: int) -> str:
    """A rate in basis points as a percentage, e.g. 750 -> '7.5%'."""
    return percent_text(value) + "%"


#: Only the serving secretary may use these pages.
secretary_required = allowed_only_if(service.can_manage_voting)


def _motion_or_404(motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None:
        abort(404)
    return motion


def _member_by_number(number: str | None) -> Member | None:
    number = parse_id(number)
    if number is None:
        return None
    return db.session.scalar(select(Member).where(Member.member_number == number))


@bp.get("/")
def index():
    return render_template(
        "voting/index.html",
        motions=service.motions_by_state(),
        surplus_ballots=surplus.ballots(),
        can_manage=service.can_manage_voting(current_user),
    )


def _back_to_motion(motion: Motion, message: str):
    """Return to the motion page, saying why the vote went no further."""
    flash(message.rstrip(".") + ".", "info")
    return redirect(url_for("voting.motion", motion_id=motion.id))


@bp.get("/motions/<int:motion_id>")
def motion(motion_id: int):
    motion = _motion_or_404(motion_id)
    context = {"motion": motion, "state": service.state(motion), "form": None}
    if current_user.is_authenticated:
        context.update(
            form=VoteForm(),
            blocked=service.can_vote(current_user, current_user, motion),
            my_participation=service.participation(motion, current_user),
            principals=service.principals_for(current_user, motion),
        )
    return render_template("voting/motion.html", **context)


def _voter(motion: Motion) -> Member:
    """Whose vote is being cast: the signed-in member's own, or a principal's (?for=ID).

    Anyone who has not made the signed-in member their proxy for this motion is a 404. A
    principal who has already voted is not: the proxy is told the vote has been cast.
    """
    for_id = parse_id(request.values.get("for"))
    if for_id is None or for_id == current_user.id:
        return current_user
    member = db.session.get(Member, for_id)
    if member is None or not service.is_proxy_for(current_user, member, motion):
        abort(404)
    return member


@bp.post("/motions/<int:motion_id>/check")
@login_required
def check_vote(motion_id: int):
    """Check your answer before the vote is cast: a vote is final."""
    motion = _motion_or_404(motion_id)
    voter = _voter(motion)
    form = VoteForm()
    blocked = service.can_vote(current_user, voter, motion)
    if blocked:
        return _back_to_motion(motion, blocked)
    if not form.validate_on_submit():
        return render_template("voting/vote.html", motion=motion, form=form, voter=voter)
    confirm = ConfirmVoteForm(data={"choice": form.choice.data})
    return render_template(
        "voting/check.html",
        motion=motion,
        form=confirm,
        voter=voter,
        choice=Choice(form.choice.data),
    )


@bp.get("/motions/<int:motion_id>/vote")
@login_required
def vote(motion_id: int):
    motion = _motion_or_404(motion_id)
    voter = _voter(motion)
    blocked = service.can_vote(current_user, voter, motion)
    if blocked:
        return _back_to_motion(motion, blocked)
    return render_template("voting/vote.html", motion=motion, form=VoteForm(), voter=voter)


@bp.post("/motions/<int:motion_id>/cast")
@login_required
def cast(motion_id: int):
    motion = _motion_or_404(motion_id)
    voter = _voter(motion)
    form = ConfirmVoteForm()
    if not form.validate_on_submit():
        return render_template("voting/vote.html", motion=motion, form=form, voter=voter)
    try:
        receipt = service.cast_vote(motion, voter, Choice(form.choice.data), by=current_user)
        db.session.commit()
    except service.AlreadyVoted:
        db.session.rollback()
        return _back_to_motion(motion, "This vote had already been cast, so nothing was changed")
    except service.VotingError as error:
        db.session.rollback()
        return _back_to_motion(motion, str(error))
    return render_template(
        "voting/receipt.html",
        motion=motion,
        receipt=receipt,
        voter=voter,
        choice=Choice(form.choice.data),
    )


@bp.get("/motions/<int:motion_id>/results")
def results(motion_id: int):
    motion = _motion_or_404(motion_id)
    if service.state(motion) != "closed":
        return render_template("voting/results_not_yet.html", motion=motion), 404
    result = service.count(motion)
    merged = service.merged_classes_of(motion)
    return render_template(
        "voting/results.html",
        motion=motion,
        result=result,
        groups=service.published_groups(result, merged),
        summary=service.published_summary(result, merged),
        merged=merged,
        fewest=service.rules_in_force(motion.opens_at).min_class_voters,
        receipts=service.receipts(motion),
    )


@bp.get("/motions/<int:motion_id>/receipts.csv")
def receipts_csv(motion_id: int):
    motion = _motion_or_404(motion_id)
    if service.state(motion) != "closed":
        abort(404)
    return Response(
        service.receipts_csv(motion),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=motion-{motion.id}-votes.csv"},
    )


# --- Proxies -----------------------------------------------------------------------------


@bp.route("/proxies", methods=["GET", "POST"])
@login_required
def proxies():
    form = ProxyForm()
    open_motions = [m for state in ("open", "upcoming") for m in service.motions_by_state()[state]]
    form.motion.choices = [("", "Choose a motion")] + [(str(m.id), m.title) for m in open_motions]
    if request.method == "GET" and request.args.get("motion"):
        form.scope.data = "motion"
        form.motion.data = request.args["motion"]
    if form.validate_on_submit():
        proxy = _member_by_number(form.proxy.data)
        if proxy is None:
            form.proxy.errors.append("There is no member with that number")
        else:
            motion = (
                db.session.get(Motion, int(form.motion.data))
                if form.scope.data == "motion"
                else None
            )
            try:
                service.appoint_proxy(
                    current_user,
                    proxy,
                    motion=motion,
                    starts_on=form.starts_on.data if motion is None else None,
                    ends_on=form.ends_on.data if motion is None else None,
                )
                db.session.commit()
            except service.VotingError as error:
                db.session.rollback()
                show_error(form, error, "proxy")
            else:
                flash(f"{proxy.name} is now your proxy.", "success")
                return redirect(url_for("voting.proxies"))
    return render_template(
        "voting/proxies.html",
        form=form,
        made=service.appointments_made(current_user),
        held=service.appointments_held(current_user),
        my_votes=service.votes_cast_for(current_user),
        can_appoint=current_user.status is MembershipStatus.APPROVED,
    )


@bp.post("/proxies/<int:proxy_id>/revoke")
@login_required
def revoke(proxy_id: int):
    appointment = db.session.get(Proxy, proxy_id)
    if appointment is None or appointment.member_id != current_user.id:
        abort(404)
    try:
        service.revoke_proxy(appointment, current_user)
        db.session.commit()
    except service.VotingError as error:
        db.session.rollback()
        flash(f"{error}.", "info")
    else:
        flash(f"{appointment.proxy.name} is no longer your proxy.", "success")
    return redirect(url_for("voting.proxies"))


# --- The secretary -----------------------------------------------------------------------


@bp.route("/motions/new", methods=["GET", "POST"])
@secretary_required
def new_motion():
    rules = service.rules_in_force()
    form = MotionForm()
    if request.method == "GET":
        form.quorum_percent.data = rules.quorum_percent
        form.resolution.data = "ordinary"
    if form.validate_on_submit():
        proposer = _member_by_number(form.proposer.data)
        seconder = _member_by_number(form.seconder.data) if form.seconder.data else None
        if proposer is None:
            form.proposer.errors.append("There is no member with that number")
        if form.seconder.data and seconder is None:
            form.seconder.errors.append("There is no member with that number")
        if not form.errors:
            draft = service.MotionDraft(
                title=form.title.data,
                summary=form.summary.data,
                full_text=form.full_text.data,
                proposer=proposer,
                seconder=seconder,
                resolution=Resolution(form.resolution.data),
                opens_at=clock.at_london(
                    form.opens_on.data, clock.parse_time(form.opens_time.data)
                ),
                closes_at=clock.at_london(
                    form.closes_on.data, clock.parse_time(form.closes_time.data)
                ),
                quorum_percent=form.quorum_percent.data,
                class_quorums={
                    cls: getattr(form, f"quorum_{cls}").data
                    for cls in ("budget_holder", "carer", "pa", "provider")
                },
            )
            try:
                motion = service.put_motion(current_user, draft)
                db.session.commit()
            except service.VotingError as error:
                db.session.rollback()
                show_error(form, error, "title")
            else:
                flash("The motion has been put to the members.", "success")
                return redirect(url_for("voting.motion", motion_id=motion.id))
    return render_template("voting/new_motion.html", form=form, rules=rules)


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    current = service.rules_in_force()
    can_manage = service.can_manage_voting(current_user)
    form = (
        RulesForm(obj=current, commission_percent=current.commission_basis_points)
        if can_manage
        else None
    )
    if form is not None and form.validate_on_submit():
        try:
            service.change_rules(
                current_user,
                shares={
                    "budget_holder": form.share_budget_holder.data,
                    "carer": form.share_carer.data,
                    "pa": form.share_pa.data,
                    "provider": form.share_provider.data,
                },
                quorum_percent=form.quorum_percent.data,
                max_proxies=form.max_proxies.data,
                seconder_required=form.seconder_required.data,
                commission_basis_points=form.commission_percent.data,
                min_class_voters=form.min_class_voters.data,
            )
            db.session.commit()
        except service.VotingError as error:
            db.session.rollback()
            show_error(form, error, "share_budget_holder")
        else:
            flash("The co-op's voting rules have been changed.", "success")
            return redirect(url_for("voting.rules"))
    elif request.method == "POST" and form is None:
        abort(403)
    return render_template(
        "voting/rules.html", rules=current, history=service.rules_history(), form=form
    )
