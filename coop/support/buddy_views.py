"""Peer support buddies: opt in, see suggestions with the reasons, ask, answer, end."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.members.roles import is_member
from coop.support import buddies
from coop.support.buddy_forms import AnswerForm, ProfileForm
from coop.support.buddy_models import Topic, Way
from coop.support.views import bp


def _members_only():
    if not is_member(current_user):
        abort(403)


@bp.get("/buddies")
@login_required
def buddies_home():
    """Your choices, the people suggested for you and why, and your pairings."""
    _members_only()
    return render_template(
        "support/buddies/home.html",
        profile=buddies.profile_of(current_user),
        suggestions=buddies.suggestions_for(current_user),
        pairs=buddies.pairs_of(current_user),
        form=ConfirmForm(),
    )


@bp.route("/buddies/me", methods=["GET", "POST"])
@login_required
def buddy_profile():
    _members_only()
    profile = buddies.profile_of(current_user)
    form = ProfileForm()
    if not form.is_submitted() and profile is not None:
        form.role.data = [r for r, on in (("offers", profile.offers), ("asks", profile.asks)) if on]
        form.topics.data = [t.value for t in profile.topics]
        form.ways.data = [w.value for w in profile.ways]
        form.about.data, form.phone.data = profile.about, profile.phone
    status = 200
    if form.validate_on_submit():
        try:
            buddies.save_profile(
                current_user,
                offers="offers" in form.role.data,
                asks="asks" in form.role.data,
                topics={Topic(v) for v in form.topics.data},
                ways={Way(v) for v in form.ways.data},
                about=form.about.data,
                phone=form.phone.data,
            )
        except buddies.BuddyError as error:
            db.session.rollback()
            show_error(form, error, "role")
            status = 400
        else:
            db.session.commit()
            flash("Saved. The people suggested for you are below.", "success")
            return redirect(url_for("support.buddies_home"))
    elif form.is_submitted():
        status = 400
    return render_template("support/buddies/profile.html", form=form), status


@bp.post("/buddies/stop")
@login_required
def buddy_stop():
    _members_only()
    if ConfirmForm().validate_on_submit():
        try:
            buddies.stop(current_user)
        except buddies.BuddyError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Nobody will be suggested you until you opt in again.", "success")
    return redirect(url_for("support.buddies_home"))


@bp.post("/buddies/ask/<int:member_id>")
@login_required
def buddy_ask(member_id: int):
    _members_only()
    if ConfirmForm().validate_on_submit():
        try:
            pair = buddies.ask(current_user, member_id)
        except buddies.BuddyError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Asked. Your contact details are shared only if they say yes.", "success")
            return redirect(url_for("support.buddy_pair", pair_id=pair.id))
    return redirect(url_for("support.buddies_home"))


def _pair_or_404(pair_id: int):
    pair = buddies.pair_of(current_user, pair_id)
    if pair is None:
        abort(404)
    return pair


@bp.get("/buddies/pairs/<int:pair_id>")
@login_required
def buddy_pair(pair_id: int):
    """One pairing: why it was suggested, its state, and contact details once both said yes."""
    pair = _pair_or_404(pair_id)
    other = pair.other(current_user)
    return render_template(
        "support/buddies/pair.html",
        pair=pair,
        other=other,
        other_profile=buddies.profile_of(other),
        shown=buddies.contact_shown(pair),
        other_phone=buddies.phone_of(other),
        answer_form=AnswerForm(),
        form=ConfirmForm(),
    )


@bp.post("/buddies/pairs/<int:pair_id>/answer")
@login_required
def buddy_answer(pair_id: int):
    pair = _pair_or_404(pair_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            buddies.answer(pair, current_user, form.answer.data == "yes")
        except buddies.BuddyError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                "You are buddies: your contact details are now shared."
                if form.answer.data == "yes"
                else "You said no. Nothing of yours was shared. You can ask them later.",
                "success",
            )
    else:
        flash("Choose yes or no.", "error")
    return redirect(url_for("support.buddy_pair", pair_id=pair_id))


@bp.post("/buddies/pairs/<int:pair_id>/end")
@login_required
def buddy_end(pair_id: int):
    pair = _pair_or_404(pair_id)
    if ConfirmForm().validate_on_submit():
        try:
            buddies.end(pair, current_user)
        except buddies.BuddyError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Ended.", "success")
    return redirect(url_for("support.buddy_pair", pair_id=pair_id))
