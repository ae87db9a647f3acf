"""Circles of support: a member's own circle (choose a helper, withdraw), the people a helper
acts for (step back), and a coordinator recording nominated or authorised people. Routes on
the members blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import ConfirmForm
from coop.members import circles, roles
from coop.members.circle_forms import HelperForm, NomineeForm
from coop.members.circle_models import NomineeKind, Permission
from coop.members.models import Member
from coop.members.views import bp

#: Circles are for approved members (as a person choosing helpers, or as a helper).
members_only = allowed_only_if(roles.is_member)
#: The secretary and Shared Lives coordinators record nominated and authorised people.
coordinators_only = allowed_only_if(circles.can_record_nominees)


@bp.get("/account/circle")
@members_only
def circle():
    """Your circle of support: who may do what for you, and everything done for you."""
    now = clock.now()
    return render_template(
        "members/circle.html",
        grants=circles.grants_of(current_user, now),
        acts=circles.acts_for(current_user),
        nominees=circles.nominees_of(current_user),
    )


@bp.route("/account/circle/add", methods=["GET", "POST"])
@members_only
def circle_add():
    """Choose someone and what each of them may do for you, each permission on its own."""
    form = HelperForm()
    if form.validate_on_submit():
        helper = circles.find_member(form.who.data)
        if helper is None:
            form.who.errors.append(
                "We cannot find an approved member with that email address or membership "
                "number. Check it, or ask them for the email address they use with the co-op"
            )
        else:
            now = clock.now()
            try:
                for value in form.permissions.data:
                    permission = Permission(value)
                    circles.give(
                        current_user,
                        helper,
                        circles.Choice(permission, form.limit_pence, form.until.data),
                        now,
                    )
            except circles.CircleError as error:
                db.session.rollback()
                form.who.errors.append(str(error).rstrip("."))
            else:
                db.session.commit()
                flash(f"{helper.name} is in your circle of support.", "success")
                return redirect(url_for("members.circle"))
    return render_template("members/circle_add.html", form=form), 400 if form.errors else 200


def _end_grant(grant, done: str, back: str, template: str):
    """Ask first (GET), then end the grant at once (POST) and go back with `done` said."""
    form = ConfirmForm()
    if form.validate_on_submit():
        circles.withdraw(grant, current_user)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for(back))
    return render_template(template, grant=grant, form=form)


@bp.route("/account/circle/<int:grant_id>/withdraw", methods=["GET", "POST"])
@members_only
def circle_withdraw(grant_id: int):
    """Withdraw one permission, after saying what it stops; it stops at once."""
    grant = circles.grant_of(current_user, grant_id) or abort(404)
    label = grant.permission.label
    return _end_grant(
        grant,
        f"{grant.helper.name} can no longer {label[:1].lower()}"
        f"{label[1:].replace('my ', 'your ')}.",
        "members.circle",
        "members/circle_withdraw.html",
    )


@bp.get("/account/helping")
@members_only
def helping():
    """The people you act for, what each lets you do, and what you have done for them."""
    now = clock.now()
    grants = circles.grants_given_to(current_user, now)
    return render_template(
        "members/helping.html",
        grants=grants,
        people=circles.people_in_circle(current_user, now),
        acts=circles.acts_by(current_user),
        Permission=Permission,
    )


@bp.route("/account/helping/<int:grant_id>/step-back", methods=["GET", "POST"])
@members_only
def helping_step_back(grant_id: int):
    """A helper stops doing one thing for someone."""
    grant = circles.grant_to(current_user, grant_id) or abort(404)
    return _end_grant(
        grant,
        f"You have stepped back. {grant.person.name} can see this.",
        "members.helping",
        "members/helping_step_back.html",
    )


@bp.get("/coordinator/nominees")
@coordinators_only
def nominees_find():
    """Find the member to record a nominated or authorised person for."""
    who = (request.args.get("who") or "").strip()[:254]
    error = None
    if who:
        person = circles.find_member(who)
        if person is not None:
            return redirect(url_for("members.nominees", member_id=person.id))
        error = "We cannot find an approved member with that email address or membership number"
    return render_template("members/nominees_find.html", who=who, error=error)


@bp.route("/coordinator/members/<int:member_id>/nominees", methods=["GET", "POST"])
@coordinators_only
def nominees(member_id: int):
    """Record a legally appointed nominated or authorised person for a member's direct
    payment, with the evidence seen and the date."""
    person = db.session.get(Member, member_id)
    if person is None:
        abort(404)
    form = NomineeForm()
    if form.validate_on_submit():
        try:
            circles.record_nominee(
                person,
                kind=NomineeKind(form.kind.data),
                name=form.name.data,
                evidence=form.evidence.data,
                evidence_seen_on=form.evidence_seen_on.data,
                by=current_user,
            )
        except circles.CircleError as error:
            db.session.rollback()
            form.evidence_seen_on.errors.append(str(error).rstrip("."))
        else:
            db.session.commit()
            flash(f"Recorded for {person.name}.", "success")
            return redirect(url_for("members.nominees", member_id=person.id))
    return (
        render_template(
            "members/nominees.html",
            person=person,
            form=form,
            nominees=circles.nominees_of(person),
        ),
        400 if form.errors else 200,
    )
