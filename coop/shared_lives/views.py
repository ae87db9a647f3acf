"""The Shared Lives blueprint: the scheme's start page, and the coordinator's, carer
households' and the person's pages (coordinator_views, household_views, person_views)."""

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from coop import clock
from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import ConfirmForm, show_error
from coop.members import roles
from coop.shared_lives import due, incidents, matching, payment_run, service
from coop.shared_lives.forms import (
    AgreeForm,
    AnswerForm,
    BreakForm,
    CancelForm,
    DaySessionForm,
    EndForm,
    IncidentForm,
    MeetingForm,
    MoveForm,
    NewHouseholdForm,
    PaymentRunForm,
    ProfileForm,
    RatesForm,
    ReferralForm,
    ReviewForm,
    RoomForm,
    SayNoForm,
    StartForm,
    StayForm,
)
from coop.shared_lives.models import (
    ArrangementType,
    Household,
    HouseholdStatus,
    Incident,
    IncidentKind,
    StayKind,
)

bp = Blueprint("shared_lives", __name__, url_prefix="/shared-lives", template_folder="templates")

from coop.shared_lives import models as _models  # noqa: E402,F401 - the tables, for migrations


@bp.get("")
def start():
    """The scheme's public start page: what Shared Lives is and where each person goes next."""
    return render_template(
        "shared_lives/start.html",
        coordinator=service.can_coordinate(current_user),
        households=service.households_of(current_user),
        referrals=service.referrals_of_person(current_user),
    )


# --- The coordinator's pages --------------------------------------------------------------

coordinator_only = allowed_only_if(service.can_coordinate)
member_only = allowed_only_if(roles.is_member)


def _or_404(found):
    if found is None:
        abort(404)
    return found


@bp.get("/coordinator")
@coordinator_only
def coordinator():
    today = clock.london_today()
    overdue, soon = due.falling_due(service.everything_due(today), today)
    answers_overdue, answers_soon = service.answers_waiting(today)
    return render_template(
        "shared_lives/coordinator.html",
        answers_overdue=answers_overdue,
        answers_soon=answers_soon,
        households=service.all_households(),
        referrals=service.all_referrals(),
        overdue=overdue,
        soon=soon,
        incidents=incidents.to_notify(),
        requests=service.requests_waiting(),
        today=today,
    )


@bp.route("/coordinator/households/<int:household_id>", methods=["GET", "POST"])
@coordinator_only
def coordinator_household(household_id):
    household = _or_404(db.session.get(Household, household_id))
    form = MoveForm()
    if form.validate_on_submit():
        try:
            service.move_household(
                household,
                HouseholdStatus(form.status.data),
                current_user,
                form.reason.data or "",
                panel_date=form.panel_date.data,
            )
        except service.SharedLivesError as error:
            show_error(form, error, "status")
        else:
            db.session.commit()
            flash(f"{household.name} is now {household.status.label.lower()}.", "success")
            return redirect(url_for(".coordinator_household", household_id=household.id))
    elif not form.is_submitted():
        form.status.data = None
    return render_template(
        "shared_lives/coordinator_household.html",
        household=household,
        form=form,
        today=clock.london_today(),
        gaps=service.application_gaps(household),
        lapses=due.lapses(household, clock.london_today()),
        history=service.history_of(household),
        room_form=RoomForm(formdata=None),
    )


@bp.route("/coordinator/referrals/new", methods=["GET", "POST"])
@coordinator_only
def new_referral():
    form = ReferralForm()
    if form.validate_on_submit():
        try:
            referral = service.record_referral(
                service.ReferralDetails(
                    person_name=form.person_name.data,
                    arrangement_type=ArrangementType(form.arrangement_type.data),
                    wanted_from=form.wanted_from.data,
                    wanted_until=form.wanted_until.data,
                    area_postcode=form.area_postcode.data,
                    needs=frozenset(form.needs.data or ()),
                    health_notes=form.health_notes.data or "",
                    must_haves=frozenset(form.must_haves.data or ()),
                    language=form.language.data or "",
                    faith=form.faith.data or "",
                    interests=form.interests.data or "",
                    household_wish=form.household_wish.data or "",
                    shared_summary=form.shared_summary.data or "",
                    person=service.member_by_number(form.person_member_number.data),
                    acting_for=service.member_by_number(form.acting_for_member_number.data),
                ),
                current_user,
            )
        except service.SharedLivesError as error:
            show_error(form, error, "person_name")
        else:
            db.session.commit()
            flash(f"The referral for {referral.person_name} is recorded.", "success")
            return redirect(url_for(".coordinator_referral", referral_id=referral.id))
    return render_template("shared_lives/referral_form.html", form=form)


@bp.get("/coordinator/referrals/<int:referral_id>")
@coordinator_only
def coordinator_referral(referral_id):
    referral = _or_404(service.referral_for_coordinator(current_user, referral_id))
    return render_template(
        "shared_lives/coordinator_referral.html",
        referral=referral,
        introductions=service.introductions_for_referral(referral),
        log=service.access_log(referral),
        form=ConfirmForm(),
        full=False,
    )


@bp.post("/coordinator/referrals/<int:referral_id>/details")
@coordinator_only
def show_referral(referral_id):
    """Show needs and health details: a button, so that every look is logged."""
    referral = _or_404(service.referral_for_coordinator(current_user, referral_id))
    service.open_referral(referral, current_user)
    db.session.commit()
    return render_template(
        "shared_lives/coordinator_referral.html",
        referral=referral,
        introductions=service.introductions_for_referral(referral),
        log=service.access_log(referral),
        form=ConfirmForm(),
        full=True,
        needs=sorted(matching.NEEDS[n] for n in referral.need_set),
        must_haves=sorted(matching.MUST_HAVES[n] for n in referral.must_have_set),
    )


@bp.post("/coordinator/referrals/<int:referral_id>/matching")
@coordinator_only
def run_matching(referral_id):
    """Match the referral against every household; its needs are used, so the look is logged."""
    referral = _or_404(service.referral_for_coordinator(current_user, referral_id))
    result = service.run_matching(referral)
    service.log_access(referral, current_user, service.MATCHING)
    db.session.commit()
    introduced = {i.household_id for i in service.introductions_for_referral(referral)}
    return render_template(
        "shared_lives/matching.html",
        referral=referral,
        result=result,
        introduced=introduced,
        form=ConfirmForm(),
    )


@bp.post("/coordinator/referrals/<int:referral_id>/introduce/<int:household_id>")
@coordinator_only
def introduce(referral_id, household_id):
    referral = _or_404(service.referral_for_coordinator(current_user, referral_id))
    household = _or_404(db.session.get(Household, household_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        introduction = service.propose_introduction(referral, household, current_user)
    except service.SharedLivesError as error:
        flash(error.message, "error")
        return redirect(url_for(".coordinator_referral", referral_id=referral.id))
    db.session.commit()
    flash(
        f"{household.name} is asked to answer by {clock.format_date(introduction.respond_by)}.",
        "success",
    )
    return redirect(url_for(".introduction", introduction_id=introduction.id))


@bp.route("/introductions/<int:introduction_id>", methods=["GET", "POST"])
@member_only
def introduction(introduction_id):
    """One introduction: its answers, meetings and, once both agree, the booking or start."""
    found = _or_404(service.introduction_for(current_user, introduction_id))
    stay = _stay_form(found)
    if _is_day_support(found):
        stay.on.data = found.referral.wanted_from
    elif found.referral.wanted_until:
        stay.starts_on.data = found.referral.wanted_from
        stay.ends_on.data = found.referral.wanted_until
    return _introduction_page(found, stay)


def _is_day_support(introduction) -> bool:
    return introduction.referral.arrangement_type is ArrangementType.DAY_SUPPORT


def _stay_form(introduction, formdata=None):
    """The booking form: nights for a short break; a day, hours and people for day support."""
    form = (DaySessionForm if _is_day_support(introduction) else StayForm)(formdata=formdata)
    form.room.choices = [(r.id, r.name) for r in introduction.household.rooms if r.for_short_breaks]
    return form


def _introduction_page(found, stay, status: int = 200):
    """The introduction's page, with the booking form as given (its errors and what was typed
    kept when a booking was refused)."""
    page = render_template(
        "shared_lives/introduction.html",
        introduction=found,
        coordinating=service.can_coordinate(current_user),
        household_side=service.is_household_side(current_user, found),
        person_side=service.is_the_person(current_user, found.referral),
        lapsed=service.is_lapsed(found, clock.london_today()),
        can_step=lambda step: service.can_step(found, step),
        day_support=_is_day_support(found),
        answer=AnswerForm(formdata=None),
        agree=AgreeForm(formdata=None),
        say_no=SayNoForm(formdata=None),
        stay=stay,
        # The error summary at the top of the page shows `form`'s errors.
        form=stay if stay.errors else ConfirmForm(),
        stays=service.stays_for(found),
        meeting=MeetingForm(formdata=None),
        start=_start_form(found),
    )
    return page, status


def _start_form(introduction):
    form = StartForm(formdata=None)
    form.room.choices = [(r.id, r.name) for r in introduction.household.rooms if r.for_long_term]
    return form


@bp.post("/introductions/<int:introduction_id>/answer")
@member_only
def answer_introduction(introduction_id):
    found = _or_404(service.introduction_for(current_user, introduction_id))
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            service.answer_introduction(
                found, current_user, form.answer.data == "accept", form.reason.data or ""
            )
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Your answer is sent to the coordinator.", "success")
    else:
        flash("Choose yes or no.", "error")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.post("/introductions/<int:introduction_id>/summary")
@member_only
def introduction_summary(introduction_id):
    """The household reads the summary the person agreed to share; the look is logged."""
    found = _or_404(service.introduction_for(current_user, introduction_id))
    try:
        what, referral = service.open_referral(found.referral, current_user)
    except LookupError:
        abort(404)
    db.session.commit()
    return render_template("shared_lives/summary.html", introduction=found, referral=referral)


@bp.post("/introductions/<int:introduction_id>/person-accepts")
@member_only
def person_accepts(introduction_id):
    """The person (or a coordinator for them) says yes to meeting the household."""
    found = _or_404(service.introduction_for(current_user, introduction_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.person_accepts(found, current_user)
    except service.SharedLivesError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("The person's yes to meeting is recorded.", "success")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.post("/introductions/<int:introduction_id>/person-says-no")
@member_only
def person_says_no(introduction_id):
    """The person (or a coordinator for them) says no to the household suggested."""
    found = _or_404(service.introduction_for(current_user, introduction_id))
    form = SayNoForm()
    if form.validate_on_submit():
        try:
            service.say_no(found, current_user, form.reason.data)
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The person's no is recorded; the coordinator will be in touch.", "success")
    else:
        flash("Enter why not, so the coordinator knows.", "error")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.post("/introductions/<int:introduction_id>/agree/<any(person, household):side>")
@member_only
def agree(introduction_id, side):
    """After the meetings, one side says whether the arrangement should go ahead."""
    found = _or_404(service.introduction_for(current_user, introduction_id))
    form = AgreeForm()
    if form.validate_on_submit():
        try:
            service.agree(
                found, current_user, side, form.answer.data == "yes", form.reason.data or ""
            )
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The answer is recorded.", "success")
    else:
        flash("Choose yes or no.", "error")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.post("/introductions/<int:introduction_id>/book")
@coordinator_only
def book_short_break(introduction_id):
    found = _or_404(service.introduction_for(current_user, introduction_id))
    stay = _stay_form(found, request.form)
    if not stay.validate_on_submit():
        return _introduction_page(found, stay, 400)
    room = next(r for r in found.household.rooms if r.id == stay.room.data)
    if _is_day_support(found):
        kind, first, last = StayKind.DAY_SUPPORT, stay.on.data, stay.on.data + timedelta(days=1)
        session = dict(hours=stay.hours.data, people=stay.people.data)
    else:
        kind, first, last, session = (
            StayKind.SHORT_BREAK,
            stay.starts_on.data,
            stay.ends_on.data,
            {},
        )
    try:
        service.book_stay(room, kind, first, last, current_user, referral=found.referral, **session)
        db.session.commit()
    except service.SharedLivesError as error:
        db.session.rollback()
        show_error(stay, error, "on" if _is_day_support(found) else "starts_on")
        return _introduction_page(found, stay, 409)
    flash(f"{room.name} is booked.", "success")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.route("/stays/<int:stay_id>/cancel", methods=["GET", "POST"])
@member_only
def cancel_stay(stay_id):
    """Cancel a short break, day support session or the carers' own break, with a reason:
    the coordinator any, the household its own."""
    found = _or_404(service.stay_for(current_user, stay_id))
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_stay(found, current_user, form.reason.data)
        except service.SharedLivesError as error:
            show_error(form, error, "reason")
        else:
            db.session.commit()
            flash(f"{found.kind.label} in {found.room.name} is cancelled.", "success")
            return redirect(_after_cancel(found))
    return render_template(
        "shared_lives/cancel_stay.html", stay=found, form=form, back=_after_cancel(found)
    )


def _after_cancel(stay) -> str:
    if service.can_coordinate(current_user) and stay.referral_id:
        introduction = service.introduction_of_stay(stay)
        if introduction is not None:
            return url_for(".introduction", introduction_id=introduction.id)
    return url_for(".household", household_id=stay.household_id)


# --- The household's and the person's pages -----------------------------------------------


@bp.get("/households/<int:household_id>")
@member_only
def household(household_id):
    found = _or_404(service.household_of(current_user, household_id))
    return render_template(
        "shared_lives/household.html",
        household=found,
        introductions=service.introductions_of(found),
        arrangements=service.arrangements_of(found),
        stays=service.stays_of(found),
        due_items=due.household_due(found, clock.london_today()),
        today=clock.london_today(),
        room_form=RoomForm(formdata=None),
        break_form=_break_form(found),
    )


def _break_form(household):
    form = BreakForm(formdata=None)
    form.room.choices = [(r.id, r.name) for r in household.rooms]
    return form


@bp.get("/referrals/<int:referral_id>")
@member_only
def my_referral(referral_id):
    """The person's own referral: the households suggested and why, and who looked at it."""
    referral = _or_404(service.own_referral(current_user, referral_id))
    return render_template(
        "shared_lives/my_referral.html",
        referral=referral,
        suggestions=service.suggestions_for_person(referral),
        log=service.access_log(referral),
        form=ConfirmForm(),
        must_haves=sorted(matching.MUST_HAVES[n] for n in referral.must_have_set),
    )


# --- Rates, payments and statements -------------------------------------------------------


@bp.route("/coordinator/payments", methods=["GET", "POST"])
@coordinator_only
def payments():
    form = PaymentRunForm()
    result = None
    if form.validate_on_submit():
        try:
            month = datetime.strptime(form.month.data, "%Y-%m").date()
        except ValueError:
            form.month.errors = ["Enter the month like 2027-03"]
        else:
            try:
                result = payment_run.run(month, current_user)
            except service.SharedLivesError as error:
                show_error(form, error, "month")
            else:
                db.session.commit()
    return render_template(
        "shared_lives/payments.html",
        form=form,
        result=result,
        rates=payment_run.rate_history(),
        rates_form=RatesForm(formdata=None),
    )


RATE_FIELDS = {
    "band_1_weekly": "band_1_weekly_pence", "band_2_weekly": "band_2_weekly_pence",
    "band_3_weekly": "band_3_weekly_pence", "band_4_weekly": "band_4_weekly_pence",
    "short_break_nightly": "short_break_nightly_pence",
    "day_4h": "day_4h_pence", "day_6h": "day_6h_pence", "day_8h": "day_8h_pence",
}  # fmt: skip


@bp.post("/coordinator/rates")
@coordinator_only
def set_rates():
    """New rates from a date; the old ones are kept, and a month is paid at the rates in force
    on its first day."""
    rates_form = RatesForm()
    if rates_form.validate_on_submit():
        try:
            payment_run.set_rates(
                current_user,
                rates_form.starts_on.data,
                **{column: int(getattr(rates_form, field).data * 100)
                   for field, column in RATE_FIELDS.items()},
            )  # fmt: skip
        except service.SharedLivesError as error:
            show_error(rates_form, error, "starts_on")
        else:
            db.session.commit()
            flash("The new rates are saved.", "success")
            return redirect(url_for(".payments"))
    page = render_template(
        "shared_lives/payments.html",
        form=rates_form,
        run_form=PaymentRunForm(formdata=None),
        result=None,
        rates=payment_run.rate_history(),
        rates_form=rates_form,
    )
    return page, 400


@bp.get("/households/<int:household_id>/statement")
@member_only
def statement(household_id):
    found = _or_404(service.household_of(current_user, household_id))
    payments_made = payment_run.statement(found)
    return render_template(
        "shared_lives/statement.html",
        household=found,
        payments=[(p, payment_run.statement_lines(p)) for p in payments_made],
        tax_years=payment_run.tax_years(found),
    )


@bp.get("/households/<int:household_id>/statement.csv")
@member_only
def statement_csv(household_id):
    found = _or_404(service.household_of(current_user, household_id))
    return Response(
        payment_run.statement_csv(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=statement-{found.id}.csv"},
    )


# --- Incidents ----------------------------------------------------------------------------


@bp.route("/incidents", methods=["GET", "POST"])
@member_only
def incidents_page():
    mine = (
        service.all_households()
        if service.can_coordinate(current_user)
        else (service.households_of(current_user))
    )
    if not mine:
        abort(404)
    form = IncidentForm()
    form.household.choices = [(h.id, h.name) for h in mine]
    if form.validate_on_submit():
        household = _or_404(service.household_of(current_user, form.household.data))
        try:
            incident = incidents.record(
                household,
                IncidentKind(form.kind.data),
                form.happened_on.data,
                form.description.data,
                current_user,
            )
        except service.SharedLivesError as error:
            show_error(form, error, "description")
        else:
            db.session.commit()
            flag = " It must be notified to the regulator." if incident.kind.notifiable else ""
            flash(f"The incident is recorded.{flag}", "success")
            return redirect(url_for(".incidents_page"))
    coordinating = service.can_coordinate(current_user)
    return render_template(
        "shared_lives/incidents.html",
        form=form,
        coordinating=coordinating,
        to_notify=[
            (i, incidents.draft_notification(i, current_app.config["SITE_NAME"]))
            for i in (incidents.to_notify() if coordinating else [])
        ],
        sent=ConfirmForm(),
    )


@bp.post("/incidents/<int:incident_id>/sent")
@coordinator_only
def incident_sent(incident_id):
    incident = _or_404(db.session.get(Incident, incident_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        incidents.mark_sent(incident, current_user, clock.london_today())
    except service.SharedLivesError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Marked as sent to the regulator.", "success")
    return redirect(url_for(".incidents_page"))


# --- Households: the enquiry, rooms, the carers' own breaks ---------------------------------


@bp.route("/coordinator/households/new", methods=["GET", "POST"])
@coordinator_only
def new_household():
    form = NewHouseholdForm()
    if form.validate_on_submit():
        try:
            carers = [
                service.member_by_number(number)
                for number in form.member_numbers.data.split(",")
                if number.strip()
            ]
            household = service.new_household(
                form.name.data, form.postcode.data, carers, current_user
            )
        except service.SharedLivesError as error:
            show_error(form, error, "member_numbers")
        else:
            db.session.commit()
            flash(f"The enquiry from {household.name} is recorded.", "success")
            return redirect(url_for(".coordinator_household", household_id=household.id))
    return render_template("shared_lives/new_household.html", form=form)


@bp.post("/households/<int:household_id>/rooms")
@member_only
def add_room(household_id):
    found = _or_404(service.household_of(current_user, household_id))
    form = RoomForm()
    if form.validate_on_submit():
        features = set(form.features.data or ())
        try:
            service.add_room(
                found,
                current_user,
                name=form.name.data,
                **{
                    f: f in features
                    for f in ("for_long_term", "for_short_breaks", "step_free", "en_suite")
                },
            )
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{form.name.data} is added.", "success")
    else:
        flash("Enter a name for the room.", "error")
    return redirect(url_for(".household", household_id=found.id))


@bp.post("/households/<int:household_id>/breaks")
@member_only
def block_out(household_id):
    """The carers block out their own break: no short break is offered on those nights."""
    found = _or_404(service.household_of(current_user, household_id))
    form = BreakForm()
    form.room.choices = [(r.id, r.name) for r in found.rooms]
    if form.validate_on_submit():
        room = next(r for r in found.rooms if r.id == form.room.data)
        try:
            service.book_stay(
                room, StayKind.CARERS_BREAK, form.starts_on.data, form.ends_on.data, current_user
            )
            db.session.commit()
        except service.SharedLivesError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash("Your break is blocked out.", "success")
    else:
        flash("Enter the first night away and the day you are back.", "error")
    return redirect(url_for(".household", household_id=found.id))


# --- Meetings, arrangements, reviews and endings ------------------------------------------


@bp.post("/introductions/<int:introduction_id>/meetings")
@member_only
def record_meeting(introduction_id):
    found = _or_404(service.introduction_for(current_user, introduction_id))
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            service.record_meeting(
                found, form.kind.data, form.held_on.data, form.notes.data or "", current_user
            )
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The meeting is recorded.", "success")
    else:
        flash("Choose the kind of meeting and enter its date.", "error")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.post("/introductions/<int:introduction_id>/start")
@coordinator_only
def start_arrangement(introduction_id):
    found = _or_404(service.introduction_for(current_user, introduction_id))
    form = StartForm()
    form.room.choices = [(r.id, r.name) for r in found.household.rooms]
    if form.validate_on_submit():
        room = next((r for r in found.household.rooms if r.id == form.room.data), None)
        try:
            arrangement = service.start_arrangement(
                found, room, form.starts_on.data, form.plan.data, form.rate_band.data, current_user
            )
        except service.SharedLivesError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The arrangement has started.", "success")
            return redirect(url_for(".arrangement", arrangement_id=arrangement.id))
    else:
        flash("Enter the start date and the agreed plan.", "error")
    return redirect(url_for(".introduction", introduction_id=found.id))


@bp.get("/arrangements/<int:arrangement_id>")
@member_only
def arrangement(arrangement_id):
    found = _or_404(service.arrangement_for(current_user, arrangement_id))
    return render_template(
        "shared_lives/arrangement.html",
        arrangement=found,
        coordinating=service.can_coordinate(current_user),
        next_review=due.arrangement_due(found).due_on,
        review=ReviewForm(),
        end=EndForm(),
        form=ConfirmForm(),
    )


@bp.post("/arrangements/<int:arrangement_id>/<any(review, end, ask_review, ask_ending):action>")
@member_only
def arrangement_action(arrangement_id, action):
    found = _or_404(service.arrangement_for(current_user, arrangement_id))
    try:
        if action == "review":
            form = ReviewForm()
            if not form.validate_on_submit():
                raise service.SharedLivesError("Enter the date and the outcome of the review.")
            service.record_review(found, form.held_on.data, form.outcome.data, current_user)
        elif action == "end":
            form = EndForm()
            if not form.validate_on_submit():
                raise service.SharedLivesError("Enter the last day and why it ends.")
            service.end_arrangement(found, form.ends_on.data, form.reason.data, current_user)
        else:
            if not ConfirmForm().validate_on_submit():
                abort(400)
            service.ask(found, current_user, "a review" if action == "ask_review" else "an ending")
    except service.SharedLivesError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Saved.", "success")
    return redirect(url_for(".arrangement", arrangement_id=found.id))


@bp.route("/households/<int:household_id>/profile", methods=["GET", "POST"])
@member_only
def profile(household_id):
    found = _or_404(service.household_of(current_user, household_id))
    coordinating = service.can_coordinate(current_user)
    form = ProfileForm(obj=None if request.method == "POST" else found)
    flags = ("consents_to_dbs", "housing_permission", "smoking", "has_woman_carer")
    if not coordinating:  # what the household is approved for is the panel's to say
        del form.approved_types
        del form.max_people
    if request.method == "GET":
        form.consents.data = [f for f in flags if getattr(found, f)]
        form.exclusions.data = sorted(found.exclusion_set)
        if coordinating:
            form.approved_types.data = [t.value for t in found.type_set]
    if form.validate_on_submit():
        ticked = set(form.consents.data or ())
        try:
            service.update_profile(
                found,
                current_user,
                **{f: f in ticked for f in flags},
                **{f: getattr(form, f).data or "" for f in (
                    "reasons", "reference_1", "reference_2", "pets", "languages", "faith",
                    "interests", "makeup")},
                exclusions=",".join(form.exclusions.data or ()),
                **(
                    dict(
                        approved_types=",".join(form.approved_types.data or ()),
                        max_people=form.max_people.data,
                    )
                    if coordinating
                    else {}
                ),
            )  # fmt: skip
        except service.SharedLivesError as error:
            show_error(form, error, "reasons")
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for(".profile", household_id=found.id))
    return render_template(
        "shared_lives/profile.html", household=found, form=form, coordinating=coordinating
    )
