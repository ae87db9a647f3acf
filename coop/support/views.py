"""The support network's pages: the PA register, same-day cover and shared PAs' calendars.

Views stay thin: they parse the form, call the service (which checks the circle of support
inside the transaction), commit and redirect. A helper acting beyond what the person chose
is answered 403 with the reason, and nothing changes; anyone else's object is a 404.
"""

from datetime import time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coop import clock
from coop.auth import allowed_only_if
from coop.errors import render_error
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.members import circles, roles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.money import format_pence, parse_pounds
from coop.payments import pa_pay
from coop.payments.signals import Description, describe_transactions
from coop.support import buddy_models as _buddy_models  # noqa: F401 - tables, for migrations
from coop.support import cover, pa_register, shared_pas
from coop.support import models as _models  # noqa: F401 - the tables, for migrations
from coop.support import pool_models as _pool_models  # noqa: F401 - likewise
from coop.support.forms import (
    ChecksForm,
    CoverForm,
    HoursForm,
    ProfileForm,
    RegularForm,
    SearchForm,
)
from coop.support.models import CoverRequest, PaProfile, RegularShift, Skill
from coop.support.pa_register import DAYS, SupportError

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")

pa_only = allowed_only_if(pa_register.is_pa)
coordinator_only = allowed_only_if(pa_register.can_coordinate)


@describe_transactions.connect
def _describe_pa_hours(_sender, transactions, viewer=None):
    """Tell statements and councils' returns whose hours each PA payment was for, and who
    approved them when a helper did; a link only for those who may open the request."""
    found = cover.requests_by_payment({t.id for t in transactions})
    described = {}
    for transaction in transactions:
        paid = found.get(transaction.id)
        if paid is None:
            continue
        label = circles.acting_label(paid.approved_by, paid.budget_holder)
        hours = cover.hours_text(paid.minutes_worked)
        mine = viewer is not None and cover.may_see(paid, viewer)
        described[transaction.id] = Description(
            what="PA cover by",
            text=paid.pa.name,
            detail=f"{hours} on {clock.format_date(paid.starts_at)} at "
            f"{format_pence(paid.hourly_rate_pence)} an hour"
            + (f", approved {label}" if label else ""),
            href=url_for("support.request_page", request_id=paid.id) if mine else None,
            provider=paid.pa.name,
            item=f"PA cover, {hours} on {clock.format_date(paid.starts_at)}",
            reference=f"COVER-{paid.id}",
            category="Personal assistant",
        )
    return described


@bp.errorhandler(circles.NotPermitted)
def _not_permitted(error):
    return render_error(403, "You cannot do this for them", str(error))


def _or_404(found):
    if found is None:
        abort(404)
    return found


def _people_i_help() -> list[Member]:
    """Whom the signed-in member may ask for cover for: themselves first (a budget holder),
    then everyone who gave them the cover permission."""
    people = [current_user] if roles.is_budget_holder(current_user) else []
    return people + circles.people_helped_by(current_user, Permission.COVER)


def _family_or_404(person_id: int) -> Member:
    """A budget holder whose cover pages the signed-in member may open: themselves, or someone
    who gave them the cover permission. A helper whose permission ended is told why (403);
    anyone else sees nothing (404)."""
    person = db.session.get(Member, person_id)
    if person is None or not roles.is_budget_holder(person):
        abort(404)
    if circles.may_act(current_user, person, Permission.COVER):
        return person
    _refuse_former_helper(person)
    abort(404)


def _refuse_former_helper(person: Member) -> None:
    """403 with the reason for someone the person chose once but who may not ask for cover for
    them now (another permission, past its end date, or withdrawn). Read without locking, so
    opening a page never writes; every action checks again with `circles.require`."""
    if cover.was_ever_helper(current_user, person.id):
        raise circles.NotPermitted(
            f"{person.name} has not chosen you to ask for cover and approve PA hours for them, "
            "or has withdrawn it."
        )


def _request_or_404(request_id: int) -> CoverRequest:
    found = _or_404(db.session.get(CoverRequest, request_id))
    if cover.may_see(found, current_user):
        return found
    _refuse_former_helper(found.budget_holder)
    abort(404)


@bp.get("")
def start():
    signed_in = current_user.is_authenticated
    return render_template(
        "support/start.html",
        is_pa=pa_register.is_pa(current_user),
        people=_people_i_help() if signed_in else [],
        coordinating=pa_register.can_coordinate(current_user),
    )


# --- PAs ---------------------------------------------------------------------------------


def _windows(form: ProfileForm):
    windows = []
    for i in range(7):
        a = clock.parse_time(getattr(form, f"day_{i}_from").data)
        b = clock.parse_time(getattr(form, f"day_{i}_to").data)
        if a is None and b is None:
            continue  # a day off
        if a is None or b is None:
            raise SupportError(f"Enter both times for {DAYS[i]}, or neither for a day off",
                               f"day_{i}_from")  # fmt: skip
        windows.append((i, a, b))
    return tuple(windows)


@bp.route("/pa/profile", methods=["GET", "POST"])
@pa_only
def profile():
    mine = pa_register.profile_of(current_user)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            pa_register.save_profile(
                current_user,
                pa_register.ProfileDetails(
                    skills=frozenset(Skill(s) for s in form.skills.data or ()),
                    languages=form.languages.data or "",
                    districts=form.districts.data or "",
                    hourly_rate_pence=parse_pounds(form.hourly_rate.data) or 0,
                    introduction=form.introduction.data or "",
                    gender=form.gender.data or "",
                    published=bool(form.published.data),
                    windows=_windows(form),
                ),
            )
        except SupportError as error:
            show_error(form, error, "skills")
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for(".pa_home"))
    elif not form.is_submitted() and mine is not None:
        form.skills.data = [s.value for s in mine.skill_set]
        form.languages.data = mine.languages
        form.districts.data = mine.districts.replace(",", ", ")
        form.hourly_rate.data = f"{mine.hourly_rate_pence / 100:.2f}"
        form.introduction.data = mine.introduction
        form.gender.data = mine.gender
        form.published.data = mine.published
        for slot in mine.availability:
            getattr(form, f"day_{slot.weekday}_from").data = clock.format_time(slot.starts)
            getattr(form, f"day_{slot.weekday}_to").data = clock.format_time(slot.ends)
    return render_template("support/profile.html", form=form, days=list(enumerate(DAYS)))


@bp.get("/pa")
@pa_only
def pa_home():
    now = clock.now()
    mine = pa_register.profile_of(current_user)
    return render_template(
        "support/pa_home.html",
        profile=mine,
        lapsed=pa_register.lapsed_checks(mine, clock.london_today(now)) if mine else [],
        offers=cover.open_offers_for(current_user, now),
        owed=pa_pay.owed_to(current_user),
        covered=cover.shifts_covered_by(current_user),
        calendar=shared_pas.pa_calendar(current_user, now - timedelta(days=1),
                                        now + timedelta(days=14)),
    )  # fmt: skip


@bp.route("/cover/<int:request_id>/offer", methods=["GET", "POST"])
@login_required
def offer(request_id):
    found = _or_404(db.session.get(CoverRequest, request_id))
    if not cover.can_see_offer(found, current_user):
        abort(404)
    form = ConfirmForm()
    status = 200
    problem = None
    if form.validate_on_submit():
        try:
            cover.accept(found, current_user)
        except cover.AlreadyCovered as error:
            db.session.rollback()
            found = db.session.get(CoverRequest, request_id)
            problem, status = str(error), 409
        except SupportError as error:
            db.session.rollback()
            found = db.session.get(CoverRequest, request_id)
            problem, status = str(error), 409
        else:
            db.session.commit()
            flash("The shift is yours. The budget holder has been told you are coming.", "success")
            return redirect(url_for(".request_page", request_id=request_id))
    return render_template(
        "support/offer.html",
        offer=cover.offer_for(found, current_user),
        problem=problem,
        form=form,
        when=cover.when(found),
    ), status


@bp.route("/cover/<int:request_id>/hours", methods=["GET", "POST"])
@pa_only
def hours(request_id):
    found = _or_404(db.session.get(CoverRequest, request_id))
    if found.pa_id != current_user.id:
        abort(404)
    form = HoursForm()
    if form.validate_on_submit():
        minutes = (form.hours.data or 0) * 60 + int(form.minutes.data or 0)
        try:
            cover.record_hours(found, current_user, minutes)
        except SupportError as error:
            show_error(form, error, "hours")
        else:
            db.session.commit()
            flash("Your hours are recorded and sent for approval.", "success")
            return redirect(url_for(".request_page", request_id=request_id))
    return render_template("support/hours.html", form=form, request_=found, when=cover.when(found))


# --- Budget holders and their helpers ------------------------------------------------------


def _can_search(actor) -> bool:
    return (
        roles.is_budget_holder(actor)
        or pa_register.can_coordinate(actor)
        or (roles.is_member(actor) and bool(circles.people_helped_by(actor, Permission.COVER)))
    )


@bp.get("/register")
@allowed_only_if(_can_search)
def register():
    form = SearchForm(request.args)
    results = None
    if request.args:
        form.validate()
        if not form.errors:
            district = pa_register.district_of(form.district.data) if form.district.data else None
            if form.district.data and district is None:
                form.district.errors = ["Enter a postcode district, like DE22"]
            else:
                results = pa_register.search(
                    pa_register.Search(
                        skill=Skill(form.skill.data) if form.skill.data in
                        {s.value for s in Skill} else None,
                        district=district,
                        weekday=int(form.day.data) if form.day.data.isdigit() else None,
                        starts=clock.parse_time(form.starts.data),
                        ends=clock.parse_time(form.ends.data),
                    ),
                    clock.london_today(),
                )  # fmt: skip
    return render_template(
        "support/register.html",
        form=form,
        results=results,
        people=_people_i_help(),
        confirm=ConfirmForm(),
    )


@bp.route("/cover/new", methods=["GET", "POST"])
@login_required
def ask():
    people = _people_i_help()
    if not people:
        return render_error(
            403,
            "Only budget holders and their helpers can ask for cover",
            "A budget holder can ask for cover, or choose someone in their circle of support "
            "to ask for them.",
        )
    form = CoverForm()
    form.person.choices = [
        SelectChoice(str(p.id), "Myself" if p.id == current_user.id else p.name) for p in people
    ]
    if form.validate_on_submit():
        person = _or_404(db.session.get(Member, _int(form.person.data)))
        try:
            made = cover.ask(
                person,
                cover.Wanted(
                    day=form.day.data,
                    starts=clock.parse_time(form.starts.data),
                    ends=clock.parse_time(form.ends.data),
                    district=form.district.data or "",
                    skills=frozenset(Skill(s) for s in form.skills.data or ()),
                    tasks=form.tasks.data or "",
                    wants_woman=bool(form.wants_woman.data),
                    bank_delay_minutes=cover.DEFAULT_DELAY_MINUTES
                    if form.bank_delay.data is None else form.bank_delay.data,
                ),
                current_user,
            )  # fmt: skip
        except SupportError as error:
            show_error(form, error, "day")
        else:
            db.session.commit()
            flash("Your request for cover is sent. We will email you when a PA accepts.",
                  "success")  # fmt: skip
            return redirect(url_for(".request_page", request_id=made.id))
    elif not form.is_submitted():
        wanted = request.args.get("for")
        mine = next((p for p in people if str(p.id) == wanted), people[0])
        form.person.data = str(mine.id)
        form.day.data = clock.london_today()
        if mine.postcode:
            form.district.data = pa_register.district_of(mine.postcode)
        form.bank_delay.data = cover.DEFAULT_DELAY_MINUTES
    return render_template("support/ask.html", form=form)


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        abort(404)


@bp.get("/cover/<int:request_id>")
@login_required
def request_page(request_id):
    found = _request_or_404(request_id)
    is_family = circles.may_act(current_user, found.budget_holder, Permission.COVER)
    return render_template(
        "support/request.html",
        request_=found,
        is_family=is_family,
        is_pa=found.pa_id == current_user.id,
        when=cover.when(found),
        cost=cover.cost_pence(found) if found.minutes_worked and found.hourly_rate_pence else None,
        hours_text=cover.hours_text(found.minutes_worked) if found.minutes_worked else "",
        acted=circles.acting_label(found.asked_by, found.budget_holder),
        approved_label=circles.acting_label(found.approved_by, found.budget_holder)
        if found.approved_by else "",
        form=ConfirmForm(),
        now=clock.now(),
    )  # fmt: skip


def _family_action(request_id, action, done: str):
    found = _request_or_404(request_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(found, current_user)
    except SupportError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".request_page", request_id=request_id))


@bp.post("/cover/<int:request_id>/approve")
@login_required
def approve(request_id):
    return _family_action(request_id, cover.approve, "The hours are approved and paid.")


@bp.post("/cover/<int:request_id>/send-back")
@login_required
def send_back(request_id):
    return _family_action(request_id, cover.send_back, "The PA has been asked to correct them.")


@bp.post("/cover/<int:request_id>/cancel")
@login_required
def cancel(request_id):
    return _family_action(request_id, cover.cancel, "The request is cancelled.")


@bp.get("/for/<int:person_id>")
@login_required
def family(person_id):
    person = _family_or_404(person_id)
    now = clock.now()
    today = clock.london_today(now)
    return render_template(
        "support/family.html",
        person=person,
        yourself=person.id == current_user.id,
        requests=cover.requests_of(person),
        own=cover.own_list(person),
        regulars=shared_pas.regular_shifts_of_family(person, today),
        calendar=shared_pas.family_calendar(person, now - timedelta(days=1),
                                            now + timedelta(days=14)),
        form=ConfirmForm(),
        days=DAYS,
    )  # fmt: skip


def _pa_or_404(pa_id) -> Member:
    pa = db.session.get(Member, _int(pa_id))
    if pa is None or pa_register.profile_of(pa) is None:
        abort(404)
    return pa


@bp.post("/for/<int:person_id>/pas")
@login_required
def own_pas(person_id):
    person = _family_or_404(person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    pa = _pa_or_404(request.form.get("pa"))
    action = {"add": cover.add_own, "remove": cover.remove_own, "up": cover.move_up}.get(
        request.form.get("action", "")
    )
    if action is None:
        abort(400)
    try:
        action(person, pa, current_user)
    except SupportError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The list of PAs is saved.", "success")
    return redirect(url_for(".family", person_id=person.id))


@bp.route("/for/<int:person_id>/regular", methods=["GET", "POST"])
@login_required
def regular(person_id):
    person = _family_or_404(person_id)
    form = RegularForm()
    profiles = pa_register.bookable_profiles(clock.london_today())
    form.pa.choices = [SelectChoice(str(p.member_id), p.member.name) for p in profiles]
    if form.validate_on_submit():
        pa = _pa_or_404(form.pa.data)
        try:
            shared_pas.add_regular(
                pa,
                person,
                shared_pas.Regular(
                    weekday=int(form.weekday.data),
                    starts=clock.parse_time(form.starts.data) or time(0),
                    ends=clock.parse_time(form.ends.data) or time(0),
                    starts_on=form.starts_on.data,
                    until=form.until.data,
                ),
                current_user,
            )
        except SupportError as error:
            db.session.rollback()
            show_error(form, error, "starts")
        else:
            db.session.commit()
            flash("The regular shift is in the PA's calendar.", "success")
            return redirect(url_for(".family", person_id=person.id))
    elif not form.is_submitted():
        form.starts_on.data = clock.london_today()
    return render_template("support/regular.html", form=form, person=person)


@bp.post("/regular/<int:regular_id>/end")
@login_required
def end_regular(regular_id):
    found = _or_404(db.session.get(RegularShift, regular_id))
    person = _family_or_404(found.budget_holder_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shared_pas.end_regular(found, current_user)
    db.session.commit()
    flash("The regular shift ends today.", "success")
    return redirect(url_for(".family", person_id=person.id))


# --- Coordinators ------------------------------------------------------------------------


@bp.get("/coordinator")
@coordinator_only
def coordinator():
    today = clock.london_today()
    return render_template(
        "support/coordinator.html",
        open_soon=cover.still_open_soon(),
        profiles=[(p, pa_register.lapsed_checks(p, today)) for p in pa_register.all_profiles()],
        when=cover.when,
    )


@bp.route("/coordinator/pas/<int:profile_id>", methods=["GET", "POST"])
@coordinator_only
def checks(profile_id):
    found = _or_404(db.session.get(PaProfile, profile_id))
    form = ChecksForm()
    if form.validate_on_submit():
        try:
            pa_register.record_checks(
                found,
                pa_register.Checks(
                    form.dbs_issued_on.data,
                    form.right_to_work_seen_on.data,
                    form.right_to_work_until.data,
                    form.references_on.data,
                ),
                current_user,
            )
        except SupportError as error:
            show_error(form, error, "dbs_issued_on")
        else:
            db.session.commit()
            flash(f"The checks for {found.member.name} are saved.", "success")
            return redirect(url_for(".coordinator"))
    elif not form.is_submitted():
        form.dbs_issued_on.data = found.dbs_issued_on
        form.right_to_work_seen_on.data = found.right_to_work_seen_on
        form.right_to_work_until.data = found.right_to_work_until
        form.references_on.data = found.references_on
    return render_template(
        "support/checks.html",
        form=form,
        profile=found,
        lapsed=pa_register.lapsed_checks(found, clock.london_today()),
    )
