"""Joining, signing in, your account, and the secretary's registers."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db, limiter, login_manager
from coop.forms import ConfirmForm
from coop.members import circles, emails, paper, service, sign_ins, tokens
from coop.members.forms import (
    AppointForm,
    ChangePasswordForm,
    DecisionForm,
    DetailsForm,
    LeaveForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
    SearchForm,
)
from coop.members.models import Member, MemberClass, MembershipStatus, Office, Officer
from coop.members.paper_forms import IdentityForm

bp = Blueprint("members", __name__, template_folder="templates")

login_manager.login_view = "members.login"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_ACCOUNT"]


def _account_typed() -> str:
    return service.normalise_email(request.form.get("email", ""))


def _account_key() -> str:
    """Attempts at one account count together, from whatever address they come."""
    return f"account:{_account_typed()}"


def _no_account_typed() -> bool:
    return not _account_typed()


def _sign_in_failed(response) -> bool:
    # Only failed sign-ins count towards an account's limit: its owner signing in does not.
    return response.status_code != 302


#: Per account, as well as per address (the blueprint's limit): the address alone lets one
#: person try every account, and behind a proxy it would put every member in one bucket.
per_account_limit = limiter.limit(
    _account_limit, key_func=_account_key, methods=["POST"], exempt_when=_no_account_typed
)
per_account_sign_in_limit = limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    exempt_when=_no_account_typed,
    deduct_when=_sign_in_failed,
)


@login_manager.user_loader
def _load_member(key: str) -> Member | None:
    """Every request: the browser's sign-in must still be live, whichever cookie carried it."""
    member = sign_ins.member_for(key)
    if member is None:
        session.pop("_user_id", None)
        if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            session["_remember"] = "clear"  # Flask-Login then deletes the dead cookie
    return member


def _sign_in(member: Member, remember: bool) -> None:
    """Start a recorded sign-in for this browser, in a fresh session so that an old one
    cannot be fixed on us; the caller commits."""
    sign_ins.start(member, remember=remember)
    session.clear()
    login_user(member, remember=remember)


def _sign_out() -> None:
    """Forget the member in this browser: its session and its remember cookie."""
    session.clear()
    logout_user()


#: Only the serving secretary may use these pages.
secretary_required = allowed_only_if(service.can_manage_membership)


def _safe_next(target: str | None) -> str | None:
    """Only follow a `next` link that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# --- Joining ---------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@per_account_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("members.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        application = service.Application(
            member_class=MemberClass(form.member_class.data),
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            address_line_1=form.address_line_1.data,
            address_line_2=form.address_line_2.data or "",
            town=form.town.data,
            postcode=form.postcode.data,
            organisation_name=form.organisation_name.data,
        )
        try:
            member = service.apply(application)
            sent = emails.send_confirmation(member)
            db.session.commit()
        except service.EmailTaken:
            # Answered exactly as a new application is, so the form tells no one who is a
            # member; the address's owner is told someone tried.
            db.session.rollback()
            sent = emails.send_registration_attempt(service.find_by_email(application.email))
            db.session.commit()
        except service.MembershipError as error:
            db.session.rollback()
            form.member_class.errors.append(str(error))
            return render_template("members/register.html", form=form)
        session.clear()
        session["applied_email"] = service.normalise_email(application.email)
        return redirect(url_for("members.register_done", sent=int(sent)))
    return render_template("members/register.html", form=form)


@bp.get("/register/check-your-email")
def register_done():
    email_address = session.get("applied_email")
    if not email_address:
        return redirect(url_for("members.register"))
    return render_template(
        "members/register_done.html", email=email_address, sent=request.args.get("sent") != "0"
    )


#: For each kind of emailed link: its salt, how long it lasts, and what it is bound to.
LINKS = {
    "confirm": (tokens.CONFIRM_SALT, "EMAIL_CONFIRM_MAX_AGE", "email"),
    "reset": (tokens.RESET_SALT, "PASSWORD_RESET_MAX_AGE", "password_hash"),
}


def _member_from_link(token: str, kind: str):
    """(member, None) for a good emailed link, or (None, the page explaining what is wrong)."""
    salt, max_age, bound_to = LINKS[kind]
    try:
        member_id, fingerprint = tokens.read_token(
            current_app.config["SECRET_KEY"], salt, token, current_app.config[max_age]
        )
    except tokens.TokenError as error:
        expired = error.expired
    else:
        member = db.session.get(Member, member_id)
        if member is not None and tokens.matches(fingerprint, getattr(member, bound_to)):
            return member, None
        expired = False
    page = render_template("members/link_problem.html", expired=expired, kind=kind)
    return None, (page, 400)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The emailed link shows a button; pressing it confirms. Opening a page never changes
    anything, so a mail scanner that follows links confirms nobody."""
    member, problem = _member_from_link(token, "confirm")
    if problem:
        return problem
    form = ConfirmForm()
    if form.validate_on_submit():
        if member.email_confirmed_at is None:
            service.confirm_email(member)
            db.session.commit()
        return render_template("members/confirmed.html", member=member)
    if member.email_confirmed_at is not None:
        return render_template("members/confirmed.html", member=member)
    return render_template("members/confirm.html", member=member, form=form)


@bp.post("/account/resend-confirmation")
@login_required
def account_resend():
    if current_user.email_confirmed_at is not None:
        flash("Your email address is already confirmed.", "success")
    else:
        emails.send_confirmation(current_user)
        db.session.commit()
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(url_for("members.account"))


# --- Signing in and out ----------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@per_account_sign_in_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("members.account"))
    form = LoginForm()
    if form.validate_on_submit():
        member = service.find_by_email(form.email.data)
        if service.check_password(member, form.password.data):
            target = _safe_next(request.args.get("next"))
            _sign_in(member, remember=bool(form.remember.data))
            db.session.commit()
            return redirect(target or url_for("members.account"))
        form.email.errors.append(
            "Your email address or password is not right. Check them and try again"
        )
    return render_template("members/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out this browser: its sign-in ends on the server, so its old cookies are useless,
    while the member's other devices stay signed in."""
    if current_user.is_authenticated:
        sign_ins.end(current_user.sign_in_key)
        db.session.commit()
    _sign_out()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.home"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    service.sign_out_everywhere(current_user)
    db.session.commit()
    _sign_out()
    flash("You have signed out on every device, this one included.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@per_account_limit
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        member = service.find_by_email(form.email.data)
        if member is not None:
            emails.send_password_reset(member)
        else:
            emails.compose_password_reset_for_nobody()
        db.session.commit()
        # The same answer whether or not the address is registered, so it reveals nothing.
        return render_template("members/reset_sent.html", email=form.email.data)
    return render_template("members/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def reset_password(token: str):
    member, problem = _member_from_link(token, "reset")
    if problem:
        return problem
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.set_password(member, form.password.data)  # and signs them out everywhere
        db.session.commit()
        _sign_out()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("members.login"))
    return render_template("members/reset_password.html", form=form)


# --- Your account ----------------------------------------------------------------------


@bp.get("/account")
@login_required
def account():
    return render_template("members/account.html", member=current_user)


@bp.route("/account/details", methods=["GET", "POST"])
@login_required
def account_edit():
    member: Member = current_user
    form = DetailsForm(obj=member)
    if member.member_class is not MemberClass.PROVIDER:
        del form.organisation_name
    if form.validate_on_submit():
        details = {
            name: getattr(form, name).data or ""
            for name in ("name", "email", "address_line_1", "address_line_2", "town", "postcode")
        }
        if member.member_class is MemberClass.PROVIDER:
            details["organisation_name"] = form.organisation_name.data or ""
        try:
            changed = service.update_details(member, **details)
            if "email" in changed:
                emails.send_confirmation(member)
            db.session.commit()
        except service.EmailTaken as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        except IntegrityError:
            db.session.rollback()
            form.email.errors.append("Another account already uses this email address")
        else:
            if "email" in changed:
                flash(
                    f"Your details are saved. We have sent a link to {member.email} to confirm it.",
                    "success",
                )
            else:
                flash("Your details are saved.", "success")
            return redirect(url_for("members.account"))
    return render_template("members/account_edit.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not service.check_password(current_user, form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            member: Member = current_user._get_current_object()  # the member, not the proxy
            this_browser = sign_ins.find(member.sign_in_key)
            remembered = this_browser is not None and this_browser.remembered
            service.set_password(member, form.password.data)  # signs out every device
            _sign_in(member, remember=remembered)  # then this browser again, afresh
            db.session.commit()
            flash(
                "Your password has been changed. Any other device you were signed in on has "
                "been signed out.",
                "success",
            )
            return redirect(url_for("members.account"))
    return render_template("members/account_password.html", form=form)


@bp.get("/account/data.json")
@login_required
def account_data():
    response = jsonify(service.personal_data(current_user))
    response.headers["Content-Disposition"] = "attachment; filename=my-coop-data.json"
    return response


@bp.route("/account/leave", methods=["GET", "POST"])
@login_required
def account_leave():
    member: Member = current_user
    if member.status is not MembershipStatus.APPROVED:
        return render_template("members/leave_not_possible.html", member=member)
    form = LeaveForm()
    if form.validate_on_submit():
        service.leave(member)  # and signs them out everywhere
        db.session.commit()
        _sign_out()
        flash(
            "You have left the co-op. Thank you for being a member. You can still sign in to "
            "download your data.",
            "success",
        )
        return redirect(url_for("pages.home"))
    return render_template("members/leave.html", form=form)


# --- The secretary ---------------------------------------------------------------------


@bp.get("/secretary/applications")
@secretary_required
def secretary_applications():
    applicants = db.session.scalars(service.applications_query()).all()
    return render_template("members/secretary_applications.html", applicants=applicants)


@bp.route("/secretary/applications/<int:member_id>", methods=["GET", "POST"])
@secretary_required
def secretary_application(member_id: int):
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = DecisionForm()
    if member.status is MembershipStatus.APPLIED and form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                service.approve(member, current_user)
            else:
                service.reject(member, current_user, form.reason.data)
            emails.send_decision(member)
            db.session.commit()
        except service.MembershipError as error:
            db.session.rollback()
            form.decision.errors.append(str(error))
        except IntegrityError:
            db.session.rollback()
            form.decision.errors.append(
                "Someone else changed the register at the same moment. Try again"
            )
        else:
            if member.is_approved:
                flash(f"{member.name} is now member number {member.member_number}.", "success")
            else:
                flash(
                    f"{member.name}'s application was not accepted. They have been told why.",
                    "success",
                )
            return redirect(url_for("members.secretary_applications"))
    return render_template(
        "members/secretary_application.html",
        member=member,
        form=form,
        paper=paper.record_of(member),
        identity_form=IdentityForm(),
        nominees=circles.nominees_of(member),
    )


@bp.route("/secretary/members/<int:member_id>/sign-out", methods=["GET", "POST"])
@secretary_required
def secretary_sign_out(member_id: int):
    """The secretary signs a member out on every device, after confirming."""
    member = db.get_or_404(Member, member_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        ended = service.sign_member_out(member, current_user)
        db.session.commit()
        current_app.logger.info(
            "Secretary %s signed member %s out of %s sign-ins", current_user.id, member.id, ended
        )
        if member.id == current_user.id:
            _sign_out()
            flash("You have signed yourself out on every device.", "success")
            return redirect(url_for("pages.home"))
        flash(f"{member.name} has been signed out on every device.", "success")
        return redirect(url_for("members.secretary_application", member_id=member.id))
    return render_template(
        "members/secretary_sign_out.html",
        member=member,
        form=form,
        signed_in_on=sign_ins.count(member),
    )


def _register_members(form: SearchForm) -> list[Member]:
    known = {c.value: c for c in MemberClass}  # a class not in the list filters nothing
    member_class = known.get(form.member_class.data or "")
    return db.session.scalars(service.register_query(form.q.data or "", member_class)).all()


@bp.get("/secretary/register")
@secretary_required
def secretary_register():
    form = SearchForm(request.args)
    form.validate()
    members = _register_members(form)
    return render_template("members/secretary_register.html", form=form, members=members)


@bp.get("/secretary/register.csv")
@secretary_required
def secretary_register_csv():
    form = SearchForm(request.args)
    form.validate()
    body = service.register_csv(_register_members(form))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=register-of-members.csv"},
    )


@bp.route("/secretary/officers", methods=["GET", "POST"])
@secretary_required
def secretary_officers():
    form = AppointForm()
    if form.validate_on_submit():
        member = db.session.scalar(
            db.select(Member).where(Member.member_number == int(form.member_number.data))
        )
        if member is None:
            form.member_number.errors.append("There is no member with that number")
        else:
            try:
                service.appoint(member, Office(form.office.data), clock.now().date())
                db.session.commit()
            except service.MembershipError as error:
                db.session.rollback()
                form.member_number.errors.append(str(error))
            else:
                flash(f"{member.name} is now {Office(form.office.data).label.lower()}.", "success")
                return redirect(url_for("members.secretary_officers"))
    officers = db.session.scalars(service.officers_query()).all()
    return render_template("members/secretary_officers.html", form=form, officers=officers)


@bp.post("/secretary/officers/<int:officer_id>/end")
@secretary_required
def secretary_end_term(officer_id: int):
    officer = db.session.get(Officer, officer_id)
    if officer is None:
        abort(404)
    try:
        service.end_term(officer, clock.now().date())
        db.session.commit()
    except service.MembershipError as error:
        db.session.rollback()
        flash(str(error), "info")
    else:
        flash(
            f"{officer.member.name}'s term as {officer.office.label.lower()} has ended.", "success"
        )
    return redirect(url_for("members.secretary_officers"))


@bp.get("/secretary/officers.csv")
@secretary_required
def secretary_officers_csv():
    body = service.officers_csv(db.session.scalars(service.officers_query()).all())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=register-of-officers.csv"},
    )
