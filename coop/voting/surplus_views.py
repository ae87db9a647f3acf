"""Pages for reinvesting the surplus; routes on the voting blueprint."""

import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop import clock
from coop.extensions import db
from coop.forms import ConfirmForm
from coop.money import parse_pounds
from coop.voting import pabulib, service, surplus
from coop.voting.models import SurplusBallot, SurplusProposal
from coop.voting.surplus_forms import (
    ApprovalForm,
    ProposalDecisionForm,
    ProposalForm,
    SurplusBallotForm,
)
from coop.voting.views import bp, secretary_required


def _ballot_or_404(ballot_id: int) -> SurplusBallot:
    ballot = db.session.get(SurplusBallot, ballot_id)
    if ballot is None:
        abort(404)
    return ballot


@bp.route("/surplus/new", methods=["GET", "POST"])
@secretary_required
def new_surplus_ballot():
    form = SurplusBallotForm()
    figures = surplus.proposed_surplus()
    if not form.is_submitted():
        form.financial_year.data = figures.label
        if figures.surplus_pence > 0:
            form.amount.data = f"{figures.surplus_pence / 100:.2f}"
    if form.validate_on_submit():
        try:
            ballot = surplus.open_ballot(
                current_user,
                financial_year=form.financial_year.data,
                amount_pence=parse_pounds(form.amount.data),
                figures=figures,
                share_less_reason=form.share_less_reason.data,
                proposals_close_at=clock.at_london(
                    form.proposals_close_on.data, clock.parse_time("00:00")
                ),
                opens_at=clock.at_london(
                    form.opens_on.data, clock.parse_time(form.opens_time.data)
                ),
                closes_at=clock.at_london(
                    form.closes_on.data, clock.parse_time(form.closes_time.data)
                ),
            )
            db.session.commit()
        except service.VotingError as error:
            db.session.rollback()
            target = (
                form.share_less_reason
                if "less than the surplus" in str(error)
                else (form.amount if "can be shared" in str(error) else form.financial_year)
            )
            target.errors = [*target.errors, str(error)]
        else:
            flash("The surplus ballot is open for proposals.", "success")
            return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    return render_template("voting/surplus_new.html", form=form, figures=figures)


@bp.get("/surplus/<int:ballot_id>")
def surplus_ballot(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    signed_in = current_user.is_authenticated
    context = {
        "ballot": ballot,
        "state": service.state(ballot),
        "proposals_open": clock.now() < ballot.proposals_close_at,
        "on_ballot": surplus.on_ballot(ballot),
        "can_manage": service.can_manage_voting(current_user),
        "mine": [p for p in ballot.proposals if signed_in and p.submitted_by_id == current_user.id],
        "blocked": surplus.why_cannot_vote(ballot, current_user) if signed_in else None,
        "form": None,
    }
    if signed_in and context["blocked"] is None:
        form = ApprovalForm()
        form.proposals.choices = [(p.id, p.title) for p in context["on_ballot"]]
        context["form"] = form
    return render_template("voting/surplus_ballot.html", **context)


@bp.route("/surplus/<int:ballot_id>/propose", methods=["GET", "POST"])
@login_required
def propose(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            surplus.submit_proposal(
                ballot,
                current_user,
                title=form.title.data,
                description=form.description.data,
                cost_pence=parse_pounds(form.cost.data),
                helps=form.helps.data,
            )
            db.session.commit()
        except service.VotingError as error:
            db.session.rollback()
            form.cost.errors.append(str(error))
        else:
            flash("Thank you: your proposal has gone to the secretary.", "success")
            return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    return render_template("voting/surplus_propose.html", ballot=ballot, form=form)


@bp.route("/surplus/<int:ballot_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
@secretary_required
def decide_proposal(ballot_id: int, proposal_id: int):
    proposal = db.session.get(SurplusProposal, proposal_id)
    if proposal is None or proposal.ballot_id != ballot_id:
        abort(404)
    form = ProposalDecisionForm()
    if form.validate_on_submit():
        try:
            surplus.decide_proposal(
                current_user, proposal, form.decision.data == "accept", form.reason.data or ""
            )
            db.session.commit()
        except service.VotingError as error:
            db.session.rollback()
            form.decision.errors.append(str(error))
        else:
            flash(f"Decision saved: {proposal.status.label.lower()}.", "success")
            return redirect(url_for("voting.surplus_ballot", ballot_id=ballot_id))
    return render_template("voting/surplus_decide.html", proposal=proposal, form=form)


def _approval_form(ballot: SurplusBallot) -> ApprovalForm:
    form = ApprovalForm()
    form.proposals.choices = [(p.id, p.title) for p in surplus.on_ballot(ballot)]
    return form


@bp.post("/surplus/<int:ballot_id>/check")
@login_required
def check_approvals(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    blocked = surplus.why_cannot_vote(ballot, current_user)
    if blocked:
        flash(blocked + ".", "info")
        return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    form = _approval_form(ballot)
    if not form.validate_on_submit():
        return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    chosen = [p for p in surplus.on_ballot(ballot) if p.id in set(form.proposals.data)]
    return render_template("voting/surplus_check.html", ballot=ballot, chosen=chosen, form=form)


@bp.post("/surplus/<int:ballot_id>/cast")
@login_required
def cast_approvals(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    form = _approval_form(ballot)
    if not form.validate_on_submit():
        flash("Something was wrong with your choices. Please choose again.", "info")
        return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    try:
        receipt = surplus.cast_approvals(ballot, current_user, set(form.proposals.data))
        db.session.commit()
    except service.VotingError as error:
        db.session.rollback()
        flash(f"{error}.", "info")
        return redirect(url_for("voting.surplus_ballot", ballot_id=ballot.id))
    chosen = [p for p in surplus.on_ballot(ballot) if p.id in set(form.proposals.data)]
    return render_template(
        "voting/surplus_receipt.html", ballot=ballot, receipt=receipt, chosen=chosen
    )


@bp.get("/surplus/<int:ballot_id>/results")
def surplus_results(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    if service.state(ballot) != "closed":
        return render_template("voting/surplus_not_yet.html", ballot=ballot), 404
    counted = surplus.count(ballot)
    receipt = (request.args.get("receipt") or "").strip()
    my_share = counted.where_my_share_went(receipt) if receipt else None
    return render_template(
        "voting/surplus_results.html",
        ballot=ballot,
        counted=counted,
        receipt=receipt,
        my_share=my_share,
        by_id={str(p.id): p for p in counted.proposals},
        fewest=service.rules_in_force(ballot.opens_at).min_class_voters,
        can_manage=service.can_manage_voting(current_user),
        earmark_form=ConfirmForm(),
    )


@bp.post("/surplus/<int:ballot_id>/earmark")
@secretary_required
def earmark_funded(ballot_id: int):
    """Set the funded proposals' money aside in the accounts (once; a second press does nothing)."""
    ballot = _ballot_or_404(ballot_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        done = surplus.earmark_funded(ballot)
        db.session.commit()
    except service.VotingError as error:
        db.session.rollback()
        flash(f"{error}.", "info")
    else:
        flash(
            f"{len(done)} funded proposal{'' if len(done) == 1 else 's'} set aside in the accounts."
            if done
            else "The funded proposals were already set aside in the accounts.",
            "success",
        )
    return redirect(url_for("voting.surplus_results", ballot_id=ballot.id))


@bp.get("/surplus/<int:ballot_id>/votes.pb")
def surplus_export(ballot_id: int):
    """The closed ballot in pabulib's format, for anyone to recount with other tools."""
    ballot = _ballot_or_404(ballot_id)
    if service.state(ballot) != "closed":
        abort(404)
    out = io.StringIO()
    pabulib.write_pb(surplus.export_pb(ballot), out)
    return Response(
        out.getvalue(),
        mimetype="text/plain",
        headers={"Content-Disposition": f"attachment; filename=surplus-{ballot.id}.pb"},
    )
