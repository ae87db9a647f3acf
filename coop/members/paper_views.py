"""The secretary's pages for members without email (recording a paper or phone application,
confirming identity in person, the letters to post, adding an email address later), and the
page where such a member confirms that address. Routes on the members blueprint."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, logout_user

from coop.extensions import db
from coop.members import letters, paper, service
from coop.members.models import Member, MemberClass
from coop.members.paper_forms import (
    AddEmailForm,
    ChoosePasswordForm,
    IdentityForm,
    PaperApplicationForm,
)
from coop.members.paper_models import Letter, ReceivedBy
from coop.members.views import bp, secretary_required


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/secretary/applications/paper", methods=["GET", "POST"])
@secretary_required
def secretary_paper_application():
    """Record an application received on paper, by phone or in person."""
    form = PaperApplicationForm()
    if form.validate_on_submit():
        details = paper.PaperDetails(
            member_class=MemberClass(form.member_class.data),
            name=form.name.data,
            address_line_1=form.address_line_1.data,
            address_line_2=form.address_line_2.data or "",
            town=form.town.data,
            postcode=form.postcode.data,
            organisation_name=form.organisation_name.data,
            email=form.email.data or "",
            received_by=ReceivedBy(form.received_by.data),
            received_on=form.received_on.data,
        )
        try:
            member, record = paper.record_application(details, current_user)
            db.session.commit()
        except service.EmailTaken as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        except service.MembershipError as error:
            db.session.rollback()
            form.member_class.errors.append(str(error))
        else:
            if record.pending_email:
                paper.send_added_email_link(member)
            flash(
                f"The application from {member.name} is recorded. Confirm their identity in "
                "person, then decide it.",
                "success",
            )
            return redirect(url_for("members.secretary_application", member_id=member.id))
    return render_template("members/secretary_paper_application.html", form=form)


@bp.post("/secretary/applications/<int:member_id>/identity")
@secretary_required
def secretary_confirm_identity(member_id: int):
    member = _member_or_404(member_id)
    if paper.record_of(member) is None:
        abort(404)
    form = IdentityForm()
    if form.validate_on_submit():
        try:
            paper.confirm_identity(member, current_user, form.note.data or "")
            db.session.commit()
        except service.MembershipError as error:
            db.session.rollback()
            flash(str(error), "info")
        else:
            flash(
                f"You have confirmed {member.name}'s identity. You can now approve the "
                "application.",
                "success",
            )
    else:
        flash(" ".join(form.note.errors) or "Try again.", "info")
    return redirect(url_for("members.secretary_application", member_id=member.id))


@bp.get("/secretary/letters")
@secretary_required
def secretary_letters():
    return render_template(
        "members/secretary_letters.html",
        to_send=letters.letters_to_send(),
        posted=letters.letters_posted(),
        form=IdentityForm(),  # for its CSRF token only
    )


@bp.post("/secretary/letters/<int:letter_id>/posted")
@secretary_required
def secretary_letter_posted(letter_id: int):
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    try:
        letters.mark_posted(letter, current_user)
        db.session.commit()
    except letters.LetterError as error:
        db.session.rollback()
        flash(str(error), "info")
    else:
        flash(f"The letter to {letter.member.name} is marked as posted.", "success")
    return redirect(url_for("members.secretary_letters"))


@bp.route("/secretary/members/<int:member_id>/email", methods=["GET", "POST"])
@secretary_required
def secretary_add_email(member_id: int):
    """Give a member who is sent letters a sign-in: they confirm the address and choose a
    password from the emailed link."""
    member = _member_or_404(member_id)
    if not paper.can_add_email(member):
        abort(404)
    form = AddEmailForm()
    if form.validate_on_submit():
        try:
            address = paper.add_email(member, form.email.data, current_user)
            paper.send_added_email_link(member)  # in the outbox, with the change
            db.session.commit()
        except service.MembershipError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            flash(
                f"We have emailed {address} a link. Once {member.name} opens it and chooses a "
                "password they can sign in, and we will email them instead of writing.",
                "success",
            )
            return redirect(url_for("members.secretary_register"))
    return render_template(
        "members/secretary_add_email.html",
        member=member,
        record=paper.record_of(member),
        form=form,
    )


@bp.route("/confirm-address/<token>", methods=["GET", "POST"])
def confirm_added_email(token: str):
    """The link sent to an address the secretary added: confirm it and choose a password."""
    member, expired = paper.member_from_added_email_token(token)
    if member is None:
        page = render_template("members/link_problem.html", expired=expired, kind="added")
        return page, 400
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            paper.confirm_added_email(member, form.password.data)
            db.session.commit()
        except service.MembershipError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(
                "Your email address is confirmed. Sign in with it and your new password.", "success"
            )
            return redirect(url_for("members.login"))
    return render_template(
        "members/paper_confirm_email.html",
        member=member,
        address=paper.record_of(member).pending_email,
        form=form,
    )
