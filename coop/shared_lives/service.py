"""The Shared Lives rules: who may do what, households' approval, referrals and who saw them,
matching from the database, introductions, arrangements and short breaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import circles, roles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.postcodes import normalise_postcode
from coop.shared_lives import districts, due, matching
from coop.shared_lives.models import (
    Arrangement,
    ArrangementReview,
    ArrangementType,
    CarerPayment,
    Household,
    HouseholdCarer,
    HouseholdStatus,
    HouseholdStatusChange,
    Introduction,
    IntroductionStatus,
    Meeting,
    Referral,
    ReferralAccess,
    ReferralStatus,
    Room,
    Stay,
    StayKind,
)

S = HouseholdStatus

#: The moves a carer household may make between states; anything else is refused.
HOUSEHOLD_MOVES: dict[HouseholdStatus, frozenset[HouseholdStatus]] = {
    S.ENQUIRY: frozenset({S.APPLICATION, S.RESIGNED}),
    S.APPLICATION: frozenset({S.ASSESSMENT, S.RESIGNED}),
    S.ASSESSMENT: frozenset({S.PANEL, S.APPLICATION, S.RESIGNED}),
    S.PANEL: frozenset({S.APPROVED, S.ASSESSMENT, S.RESIGNED}),
    S.APPROVED: frozenset({S.SUSPENDED, S.DEAPPROVED, S.RESIGNED}),
    S.SUSPENDED: frozenset({S.APPROVED, S.DEAPPROVED, S.RESIGNED}),
    S.DEAPPROVED: frozenset(),
    S.RESIGNED: frozenset(),
}

#: Moves that need a reason written down.
NEEDS_REASON = frozenset({S.SUSPENDED, S.DEAPPROVED, S.APPROVED})

#: How long a household has to answer an introduction, unless COOP_SHARED_LIVES_ANSWER_DAYS
#: says otherwise.
INTRODUCTION_ANSWER_DAYS = 14

IS = IntroductionStatus

#: The moves an introduction may make. Proposed: each side says whether it will meet the other
#: (the household within the time the scheme sets). Accepted: both said yes, so they meet.
#: Agreed: after the meetings both sides agreed, so the coordinator may start the arrangement
#: or book the short break. Either side may pull out until then.
INTRODUCTION_MOVES: dict[IntroductionStatus, frozenset[IntroductionStatus]] = {
    IS.PROPOSED: frozenset({IS.ACCEPTED, IS.DECLINED, IS.WITHDRAWN}),
    IS.ACCEPTED: frozenset({IS.AGREED, IS.WITHDRAWN}),
    IS.AGREED: frozenset(),
    IS.DECLINED: frozenset(),
    IS.WITHDRAWN: frozenset(),
}

#: What may be done to an introduction in each state; anything else is refused.
INTRODUCTION_STEPS: dict[str, frozenset[IntroductionStatus]] = {
    "say yes to meeting": frozenset({IS.PROPOSED}),
    "decline": frozenset({IS.PROPOSED}),
    "record a meeting": frozenset({IS.ACCEPTED}),
    "agree after meeting": frozenset({IS.ACCEPTED}),
    "pull out": frozenset({IS.PROPOSED, IS.ACCEPTED}),
    "start or book": frozenset({IS.AGREED}),
}

#: Days before the answer is due that the household is reminded.
ANSWER_REMINDER_DAYS = 3

MEETING_KINDS = ("A first visit", "A meal together", "An overnight stay", "Another meeting")


class SharedLivesError(Exception):
    """Something the scheme's rules refuse; the message says why in plain English."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Who may do what ----------------------------------------------------------------------


def can_coordinate(actor: Member | None) -> bool:
    """Coordinators see and manage everything in the scheme."""
    return roles.is_shared_lives_coordinator(actor)


def households_of(actor: Member | None) -> list[Household]:
    """The carer households the member belongs to."""
    if not roles.is_member(actor):
        return []
    return list(
        db.session.scalars(
            select(Household)
            .join(HouseholdCarer, HouseholdCarer.household_id == Household.id)
            .where(HouseholdCarer.member_id == actor.id)
            .order_by(Household.id)
        )
    )


def can_act_for_household(actor: Member | None, household: Household) -> bool:
    return can_coordinate(actor) or any(h.id == household.id for h in households_of(actor))


def household_of(actor: Member | None, household_id: int) -> Household | None:
    """A household the actor may act for, or None (the page is then a 404)."""
    household = db.session.get(Household, household_id)
    if household is None or not can_act_for_household(actor, household):
        return None
    return household


def is_the_person(actor: Member | None, referral: Referral) -> bool:
    """The person referred, whoever they said may act for them, or someone in their circle
    of support they let manage their Shared Lives referral."""
    if not roles.is_member(actor):
        return False
    if actor.id in (referral.person_id, referral.acting_for_id):
        return True
    return referral.person is not None and circles.may_act(
        actor, referral.person, Permission.SHARED_LIVES
    )


def _for_the_person(referral: Referral, by: Member, what: str, now: datetime) -> None:
    """When a helper from the person's circle of support acts on their referral: check their
    permission in this transaction, record the act, and log it as the helper's."""
    if referral.person is None or by.id in (referral.person_id, referral.acting_for_id):
        return
    if can_coordinate(by) and not circles.may_act(by, referral.person, Permission.SHARED_LIVES):
        return  # a coordinator recording what the person said
    try:
        circles.require(by, referral.person, Permission.SHARED_LIVES, now)
    except circles.NotPermitted as refused:
        raise SharedLivesError(str(refused)) from None
    circles.record_act(by, referral.person, Permission.SHARED_LIVES, what, now)
    log_access(referral, by, f"the referral, {circles.acting_label(by, referral.person)}", now)


def referrals_of_person(actor: Member | None) -> list[Referral]:
    if not roles.is_member(actor):
        return []
    helped = [p.id for p in circles.people_helped_by(actor, Permission.SHARED_LIVES)]
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                or_(
                    Referral.person_id == actor.id,
                    Referral.acting_for_id == actor.id,
                    Referral.person_id.in_(helped),
                )
            )
            .order_by(Referral.id)
        )
    )


def can_use_scheme(actor: Member | None) -> bool:
    """Anyone with a part in the scheme: a coordinator, a carer household, a person referred."""
    return can_coordinate(actor) or bool(households_of(actor)) or bool(referrals_of_person(actor))


# --- Households ---------------------------------------------------------------------------


def can_move(from_status: HouseholdStatus, to_status: HouseholdStatus) -> bool:
    return to_status in HOUSEHOLD_MOVES[from_status]


def new_household(
    name: str, postcode: str, carers: list[Member], by: Member, now: datetime | None = None
) -> Household:
    """A coordinator records an enquiry from a household of one or more members."""
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can record a household.")
    name = (name or "").strip()
    if not name:
        raise SharedLivesError("Enter the household's name", "name")
    code = normalise_postcode(postcode)
    if code is None:
        raise SharedLivesError("Enter a real UK postcode, like DE1 3AB", "postcode")
    if not carers or not all(roles.is_member(carer) for carer in carers):
        raise SharedLivesError(
            "A carer household needs at least one adult who is an approved member", "carers"
        )
    household = Household(name=name, postcode=code, created_at=now or clock.now())
    db.session.add(household)
    for carer in carers:
        db.session.add(HouseholdCarer(household=household, member_id=carer.id))
    db.session.flush()
    return household


def application_gaps(household: Household) -> list[str]:
    """What the application still lacks before assessment can start."""
    gaps = []
    if not household.reasons.strip():
        gaps.append("the household's reasons for applying")
    if not (household.reference_1.strip() and household.reference_2.strip()):
        gaps.append("two references")
    if not household.consents_to_dbs:
        gaps.append("consent to an enhanced DBS check")
    if not household.housing_permission:
        gaps.append("the landlord's or mortgage lender's permission")
    return gaps


def move_household(
    household: Household,
    to_status: HouseholdStatus,
    by: Member,
    reason: str = "",
    *,
    panel_date: date | None = None,
    now: datetime | None = None,
) -> Household:
    """Move a household to a new state, if the table allows it, recording who and why."""
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can change a household's state.")
    now = now or clock.now()
    if not can_move(household.status, to_status):
        raise SharedLivesError(
            f"A household that is {household.status.label.lower()} cannot become "
            f"{to_status.label.lower()}.",
            "status",
        )
    reason = (reason or "").strip()
    if to_status in NEEDS_REASON and not reason:
        raise SharedLivesError("Enter the reasons for this decision", "reason")
    if household.status is S.APPLICATION and to_status is S.ASSESSMENT:
        gaps = application_gaps(household)
        if gaps:
            raise SharedLivesError("The application still needs " + ", ".join(gaps) + ".")
    if household.status is S.PANEL and to_status is S.APPROVED:
        if panel_date is None:
            raise SharedLivesError("Enter the date of the panel's decision", "panel_date")
        if panel_date > clock.london_today(now):
            raise SharedLivesError("The panel's date must be today or in the past", "panel_date")
        household.panel_decided_on = panel_date
        household.panel_reasons = reason
    db.session.add(
        HouseholdStatusChange(
            household_id=household.id,
            from_status=household.status,
            to_status=to_status,
            changed_at=now,
            changed_by_id=by.id,
            reason=reason,
        )
    )
    household.status = to_status
    db.session.flush()
    return household


def add_room(household: Household, by: Member, **facts) -> Room:
    if not can_act_for_household(by, household):
        raise SharedLivesError("Only the household or a coordinator can add a room.")
    if not (facts.get("name") or "").strip():
        raise SharedLivesError("Enter a name for the room, like 'Back bedroom'", "name")
    if not (facts.get("for_long_term") or facts.get("for_short_breaks")):
        raise SharedLivesError(
            "Say whether the room is for long-term arrangements, short breaks or both",
            "use",
        )
    room = Room(household=household, **facts)
    db.session.add(room)
    db.session.flush()
    return room


# --- Referrals and who saw them -----------------------------------------------------------


@dataclass(frozen=True)
class ReferralDetails:
    person_name: str
    arrangement_type: ArrangementType
    wanted_from: date
    wanted_until: date | None
    area_postcode: str
    needs: frozenset[str] = frozenset()
    health_notes: str = ""
    must_haves: frozenset[str] = frozenset()
    language: str = ""
    faith: str = ""
    interests: str = ""
    household_wish: str = ""
    shared_summary: str = ""
    person: Member | None = None
    acting_for: Member | None = None
    paid_from_budget: bool = False


def record_referral(details: ReferralDetails, by: Member, now: datetime | None = None) -> Referral:
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can record a referral.")
    if not details.person_name.strip():
        raise SharedLivesError("Enter the person's name", "person_name")
    code = normalise_postcode(details.area_postcode)
    if code is None:
        raise SharedLivesError("Enter a real UK postcode for the area, like DE1 3AB", "area")
    if details.arrangement_type is ArrangementType.SHORT_BREAK and details.wanted_until is None:
        raise SharedLivesError("Enter the day the short break ends", "wanted_until")
    if details.wanted_until is not None and details.wanted_until <= details.wanted_from:
        raise SharedLivesError("The end must be after the start", "wanted_until")
    unknown = details.needs - set(matching.NEEDS) or details.must_haves - set(matching.MUST_HAVES)
    if unknown:
        raise SharedLivesError("Choose needs and must-haves from the lists")
    if "language" in details.must_haves and not details.language.strip():
        raise SharedLivesError("Enter the language the carer must speak", "language")
    if "faith" in details.must_haves and not details.faith.strip():
        raise SharedLivesError("Enter the faith the household must share", "faith")
    if details.paid_from_budget and not roles.is_budget_holder(details.person):
        raise SharedLivesError(
            "Only a budget holder's referral can be paid from their budget", "paid_from_budget"
        )
    referral = Referral(
        person_name=details.person_name.strip(),
        person_id=details.person.id if details.person else None,
        acting_for_id=details.acting_for.id if details.acting_for else None,
        arrangement_type=details.arrangement_type,
        wanted_from=details.wanted_from,
        wanted_until=details.wanted_until,
        area_postcode=code,
        needs=",".join(sorted(details.needs)),
        health_notes=details.health_notes.strip(),
        must_haves=",".join(sorted(details.must_haves)),
        language=details.language.strip(),
        faith=details.faith.strip(),
        interests=details.interests.strip(),
        household_wish=details.household_wish.strip(),
        shared_summary=details.shared_summary.strip(),
        paid_from_budget=details.paid_from_budget,
        created_at=now or clock.now(),
        created_by_id=by.id,
    )
    db.session.add(referral)
    db.session.flush()
    return referral


FULL_RECORD = "the full referral, with needs and health details"
SHARED_SUMMARY = "the summary you agreed to share"
MATCHING = "needs and must-haves, to run matching"


def households_introduced(referral: Referral) -> list[Household]:
    return list(
        db.session.scalars(
            select(Household)
            .join(Introduction, Introduction.household_id == Household.id)
            .where(
                Introduction.referral_id == referral.id,
                Introduction.status != IntroductionStatus.DECLINED,
                Introduction.status != IntroductionStatus.WITHDRAWN,
            )
        )
    )


def open_referral(
    referral: Referral, viewer: Member, now: datetime | None = None
) -> tuple[str, Referral]:
    """Show a referral to someone who may see it, writing the view to its access log.

    Coordinators see the full record; a household introduced to the person sees the summary
    the person agreed to share. Anyone else is refused (the page is a 404). Called from a
    POST ("Show ..."), so reading an ordinary page never writes.
    """
    if can_coordinate(viewer):
        what = FULL_RECORD
    elif any(can_act_for_household(viewer, h) for h in households_introduced(referral)):
        what = SHARED_SUMMARY
    else:
        raise LookupError("not yours")
    log_access(referral, viewer, what, now)
    return what, referral


def log_access(referral: Referral, viewer: Member, what: str, now: datetime | None = None):
    db.session.add(
        ReferralAccess(
            referral_id=referral.id, viewer_id=viewer.id, what=what, viewed_at=now or clock.now()
        )
    )
    db.session.flush()


def access_log(referral: Referral) -> list[ReferralAccess]:
    return list(
        db.session.scalars(
            select(ReferralAccess)
            .where(ReferralAccess.referral_id == referral.id)
            .order_by(ReferralAccess.viewed_at.desc(), ReferralAccess.id.desc())
        )
    )


def referral_for_coordinator(actor: Member | None, referral_id: int) -> Referral | None:
    return db.session.get(Referral, referral_id) if can_coordinate(actor) else None


def own_referral(actor: Member | None, referral_id: int) -> Referral | None:
    referral = db.session.get(Referral, referral_id)
    return referral if referral is not None and is_the_person(actor, referral) else None


# --- Matching from the database -----------------------------------------------------------


def _supporting(household: Household, start: date, end: date | None) -> int:
    """People the household supports on any of the nights [start, end)."""
    people = 0
    for arrangement in db.session.scalars(
        select(Arrangement).where(
            Arrangement.household_id == household.id,
            Arrangement.arrangement_type == ArrangementType.LONG_TERM,
        )
    ):
        stop = arrangement.ends_on + timedelta(days=1) if arrangement.ends_on else None
        if matching.overlaps(start, end, arrangement.starts_on, stop):
            people += 1
    for stay in db.session.scalars(
        select(Stay).where(
            Stay.household_id == household.id,
            Stay.kind != StayKind.CARERS_BREAK,
            Stay.cancelled_at.is_(None),
        )
    ):
        if matching.overlaps(start, end, stay.starts_on, stay.ends_on):
            people += stay.people
    return people


def _wanted(referral: Referral) -> tuple[date, date | None]:
    if referral.arrangement_type is ArrangementType.LONG_TERM:
        return referral.wanted_from, referral.wanted_until
    return referral.wanted_from, referral.wanted_until or referral.wanted_from + timedelta(1)


def room_facts(room: Room) -> matching.RoomFacts:
    taken = [
        (s.starts_on, s.ends_on)
        for s in db.session.scalars(
            select(Stay).where(Stay.room_id == room.id, Stay.cancelled_at.is_(None))
        )
    ]
    for arrangement in db.session.scalars(
        select(Arrangement).where(
            Arrangement.room_id == room.id,
            Arrangement.arrangement_type == ArrangementType.LONG_TERM,
        )
    ):
        stop = arrangement.ends_on + timedelta(days=1) if arrangement.ends_on else None
        taken.append((arrangement.starts_on, stop))
    return matching.RoomFacts(
        id=room.id,
        name=room.name,
        step_free=room.step_free,
        en_suite=room.en_suite,
        for_long_term=room.for_long_term,
        for_short_breaks=room.for_short_breaks,
        taken=tuple(taken),
    )


def household_facts(
    household: Household, referral: Referral, today: date
) -> matching.HouseholdFacts:
    start, end = _wanted(referral)
    blocked = tuple(
        (s.starts_on, s.ends_on)
        for s in db.session.scalars(
            select(Stay).where(
                Stay.household_id == household.id,
                Stay.kind == StayKind.CARERS_BREAK,
                Stay.cancelled_at.is_(None),
            )
        )
    )
    return matching.HouseholdFacts(
        id=household.id,
        name=household.name,
        postcode=household.postcode,
        approved=household.status is S.APPROVED,
        lapsed=tuple(due.lapses(household, today)),
        types=frozenset(t.value for t in household.type_set),
        max_people=household.max_people,
        supporting=_supporting(household, start, end),
        rooms=tuple(room_facts(room) for room in household.rooms),
        pets=household.pets,
        smoking=household.smoking,
        languages=household.language_set,
        faith=household.faith,
        interests=household.interest_set,
        makeup=household.makeup,
        has_woman_carer=household.has_woman_carer,
        exclusions=household.exclusion_set,
        blocked=blocked,
        location=districts.centre(household.postcode),
    )


def referral_facts(referral: Referral) -> matching.ReferralFacts:
    return matching.ReferralFacts(
        arrangement_type=referral.arrangement_type.value,
        wanted_from=referral.wanted_from,
        wanted_until=referral.wanted_until,
        postcode=referral.area_postcode,
        needs=referral.need_set,
        must_haves=referral.must_have_set,
        language=referral.language,
        faith=referral.faith,
        interests=referral.interest_set,
        household_wish=referral.household_wish,
        location=districts.centre(referral.area_postcode),
    )


def run_matching(referral: Referral, today: date | None = None) -> matching.Result:
    """Match a referral against every household that has got as far as the panel."""
    today = today or clock.london_today()
    households = db.session.scalars(
        select(Household)
        .where(Household.status.in_([S.APPROVED, S.SUSPENDED, S.PANEL]))
        .order_by(Household.id)
    )
    return matching.match(
        referral_facts(referral), [household_facts(h, referral, today) for h in households]
    )


# --- Introductions, meetings, arrangements ------------------------------------------------


def propose_introduction(
    referral: Referral, household: Household, by: Member, now: datetime | None = None
) -> Introduction:
    """A coordinator introduces a ranked household to the person."""
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can propose an introduction.")
    now = now or clock.now()
    result = run_matching(referral, clock.london_today(now))
    if not any(r.household.id == household.id for r in result.ranked):
        raise SharedLivesError(f"{household.name} is not on this referral's shortlist.")
    introduction = Introduction(
        referral_id=referral.id,
        household_id=household.id,
        respond_by=clock.london_today(now) + timedelta(days=answer_days()),
        proposed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(introduction)
    except IntegrityError:
        raise SharedLivesError(f"{household.name} has already been introduced.") from None
    referral.status = ReferralStatus.INTRODUCED
    log_access(referral, by, "needs, to propose an introduction", now)
    return introduction


def answer_days() -> int:
    """The days a household has to answer an introduction, as the scheme sets them."""
    if has_app_context():
        return int(current_app.config.get("SHARED_LIVES_ANSWER_DAYS") or INTRODUCTION_ANSWER_DAYS)
    return INTRODUCTION_ANSWER_DAYS


def can_step(introduction: Introduction, step: str) -> bool:
    """Whether the introduction's state allows the step (`INTRODUCTION_STEPS`)."""
    return introduction.status in INTRODUCTION_STEPS[step]


def _move(introduction: Introduction, to_status: IntroductionStatus) -> None:
    if to_status not in INTRODUCTION_MOVES[introduction.status]:
        raise SharedLivesError(
            f"An introduction that is {introduction.status.label.lower()} cannot become "
            f"{to_status.label.lower()}."
        )
    introduction.status = to_status


def introduction_for(actor: Member | None, introduction_id: int) -> Introduction | None:
    """An introduction its household, its person or a coordinator may see; else None."""
    found = db.session.get(Introduction, introduction_id)
    if found is None:
        return None
    if can_act_for_household(actor, found.household) or is_the_person(actor, found.referral):
        return found
    return None


def is_lapsed(introduction: Introduction, today: date) -> bool:
    """An introduction the household did not answer in time (pages treat it as lapsed)."""
    return (
        introduction.status is IntroductionStatus.PROPOSED
        and introduction.household_accepted_at is None
        and today > introduction.respond_by
    )


def answers_waiting(today: date) -> tuple[list[Introduction], list[Introduction]]:
    """Introductions the household has yet to answer: (overdue, due within
    ANSWER_REMINDER_DAYS days), each soonest first."""
    waiting = db.session.scalars(
        select(Introduction)
        .where(
            Introduction.status == IntroductionStatus.PROPOSED,
            Introduction.household_accepted_at.is_(None),
        )
        .order_by(Introduction.respond_by, Introduction.id)
    )
    overdue, soon = [], []
    for introduction in waiting:
        if introduction.respond_by < today:
            overdue.append(introduction)
        elif introduction.respond_by <= today + timedelta(days=ANSWER_REMINDER_DAYS):
            soon.append(introduction)
    return overdue, soon


def answer_introduction(
    introduction: Introduction,
    by: Member,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Introduction:
    """The household says whether it will meet the person (within the time the scheme sets),
    declining with a reason. Its yes is to meeting, not yet to the arrangement."""
    now = now or clock.now()
    if not is_household_side(by, introduction):
        raise SharedLivesError("Only the household can answer its introduction.")
    if not can_step(introduction, "say yes to meeting") or introduction.household_accepted_at:
        raise SharedLivesError("This introduction has already been answered.")
    if is_lapsed(introduction, clock.london_today(now)):
        raise SharedLivesError(
            f"The time to answer ran out on {clock.format_date(introduction.respond_by)}. "
            "Ask the coordinator to introduce you again."
        )
    if accept:
        introduction.household_accepted_at = now
        _both_said_yes(introduction)
    else:
        reason = (reason or "").strip()
        if not reason:
            raise SharedLivesError("Enter why you are saying no", "reason")
        _move(introduction, IS.DECLINED)
        introduction.decline_reason = reason
    db.session.flush()
    return introduction


def _both_said_yes(introduction: Introduction) -> None:
    if introduction.person_accepted_at and introduction.household_accepted_at:
        _move(introduction, IS.ACCEPTED)


def is_household_side(actor: Member | None, introduction: Introduction) -> bool:
    return any(h.id == introduction.household_id for h in households_of(actor))


def can_speak_for_person(actor: Member | None, introduction: Introduction) -> bool:
    """The person, whoever they said may act for them, or a coordinator recording what a
    person said (a person who is not a member cannot sign in)."""
    return is_the_person(actor, introduction.referral) or can_coordinate(actor)


def person_accepts(introduction: Introduction, by: Member, now: datetime | None = None):
    """The person says yes to meeting the household suggested to them. Nothing goes to
    meetings until the household has said yes too."""
    if not can_speak_for_person(by, introduction):
        raise SharedLivesError("Only the person, or a coordinator for them, can say yes.")
    if not can_step(introduction, "say yes to meeting") or introduction.person_accepted_at:
        raise SharedLivesError("The person has already answered this introduction.")
    now = now or clock.now()
    _for_the_person(
        introduction.referral, by, f"Said yes to meeting {introduction.household.name}", now
    )
    introduction.person_accepted_at = now
    _both_said_yes(introduction)
    db.session.flush()
    return introduction


def record_meeting(
    introduction: Introduction, kind: str, held_on: date, notes: str, by: Member
) -> Meeting:
    if not (can_coordinate(by) or can_act_for_household(by, introduction.household)):
        raise SharedLivesError("Only the household or a coordinator can record a meeting.")
    if not can_step(introduction, "record a meeting"):
        raise SharedLivesError(
            "Meetings follow both sides saying yes to meeting, until both agree."
        )
    if kind not in MEETING_KINDS:
        raise SharedLivesError("Choose the kind of meeting", "kind")
    meeting = Meeting(kind=kind, held_on=held_on, notes=notes.strip())
    introduction.meetings.append(meeting)
    db.session.flush()
    return meeting


SIDES = ("person", "household")


def agree(
    introduction: Introduction,
    by: Member,
    side: str,
    yes: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Introduction:
    """After the meetings, one side says whether it wants the arrangement to go ahead.

    The person speaks for themselves, through whoever acts for them, or through a coordinator
    recording their answer; the household for itself. Both must agree before the coordinator
    can start the arrangement or book the room; a no ends the introduction, with its reason.
    """
    if side == "person":
        allowed = can_speak_for_person(by, introduction)
    elif side == "household":
        allowed = is_household_side(by, introduction)
    else:
        allowed = False
    if not allowed:
        raise SharedLivesError("Only that side can give its answer.")
    if not yes:
        return pull_out(introduction, by, side, reason)
    if not can_step(introduction, "agree after meeting"):
        raise SharedLivesError("Both sides agree after they have said yes to meeting and met.")
    if not introduction.meetings:
        raise SharedLivesError("Record at least one meeting before agreeing.")
    stamp = now or clock.now()
    if side == "person":
        _for_the_person(
            introduction.referral, by, f"Agreed to live with {introduction.household.name}", stamp
        )
        introduction.person_agreed_at = introduction.person_agreed_at or stamp
    else:
        introduction.household_agreed_at = introduction.household_agreed_at or stamp
    if introduction.person_agreed_at and introduction.household_agreed_at:
        _move(introduction, IS.AGREED)
    db.session.flush()
    return introduction


def pull_out(introduction: Introduction, by: Member, side: str, reason: str) -> Introduction:
    """One side says no before both agreed; the introduction goes no further."""
    reason = (reason or "").strip()
    if not reason:
        raise SharedLivesError("Enter why, so the coordinator knows", "reason")
    if not can_step(introduction, "pull out"):
        raise SharedLivesError("This introduction can no longer be ended this way.")
    if side == "person":
        _for_the_person(
            introduction.referral,
            by,
            f"Said no to {introduction.household.name} (Shared Lives)",
            clock.now(),
        )
    _move(introduction, IS.WITHDRAWN)
    who = "The person" if side == "person" else "The household"
    introduction.decline_reason = f"{who} said no: {reason}"
    db.session.flush()
    return introduction


def say_no(introduction: Introduction, by: Member, reason: str) -> Introduction:
    """The person says no to a suggested household; it goes no further."""
    if not can_speak_for_person(by, introduction):
        raise SharedLivesError("Only the person can say no here.")
    return pull_out(introduction, by, "person", reason or "no reason given")


def start_arrangement(
    introduction: Introduction,
    room: Room | None,
    starts_on: date,
    plan: str,
    rate_band: int,
    by: Member,
    *,
    rent_weekly_pence: int = 0,
    contribution_weekly_pence: int = 0,
) -> Arrangement:
    """A coordinator starts a long-term or day support arrangement once both sides agreed."""
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can start an arrangement.")
    if not can_step(introduction, "start or book"):
        raise SharedLivesError("The person and the household must both agree first.")
    referral = introduction.referral
    if room is not None and room.household_id != introduction.household_id:
        raise SharedLivesError("Choose one of the household's rooms", "room")
    if referral.arrangement_type is ArrangementType.LONG_TERM:
        if room is None or not room.for_long_term:
            raise SharedLivesError("Choose a room for long-term use", "room")
        facts = room_facts(room)
        if any(matching.overlaps(starts_on, None, s, e) for s, e in facts.taken):
            raise SharedLivesError(f"{room.name} is taken from that date", "room")
    if not 1 <= rate_band <= 4:
        raise SharedLivesError("Choose a band from 1 to 4", "rate_band")
    arrangement = Arrangement(
        referral_id=referral.id,
        household_id=introduction.household_id,
        room_id=room.id if room else None,
        arrangement_type=referral.arrangement_type,
        starts_on=starts_on,
        plan=plan.strip(),
        rate_band=rate_band,
        rent_weekly_pence=rent_weekly_pence,
        contribution_weekly_pence=contribution_weekly_pence,
    )
    db.session.add(arrangement)
    referral.status = ReferralStatus.PLACED
    db.session.flush()
    return arrangement


def record_review(arrangement: Arrangement, held_on: date, outcome: str, by: Member):
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can record a review.")
    if not outcome.strip():
        raise SharedLivesError("Enter the review's outcome", "outcome")
    review = ArrangementReview(arrangement_id=arrangement.id, held_on=held_on, outcome=outcome)
    db.session.add(review)
    arrangement.review_requested_by = ""
    db.session.flush()
    return review


def end_arrangement(arrangement: Arrangement, ends_on: date, reason: str, by: Member):
    """End an arrangement: the date and reason are kept and the room is free after it."""
    if not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can end an arrangement.")
    if arrangement.ends_on is not None:
        raise SharedLivesError("This arrangement has already ended.")
    if ends_on < arrangement.starts_on:
        raise SharedLivesError("The ending must be on or after the start", "ends_on")
    if not reason.strip():
        raise SharedLivesError("Enter the reason the arrangement ends", "reason")
    arrangement.ends_on = ends_on
    arrangement.end_reason = reason.strip()
    db.session.flush()
    return arrangement


# --- Short breaks, day support and the carers' own breaks ---------------------------------


class RoomTaken(SharedLivesError):
    """The room is already taken on some of those nights."""


def book_stay(
    room: Room,
    kind: StayKind,
    starts_on: date,
    ends_on: date,
    by: Member,
    *,
    referral: Referral | None = None,
    hours: int | None = None,
    people: int = 1,
    now: datetime | None = None,
) -> Stay:
    """Take a room for the nights [starts_on, ends_on).

    Two stays never overlap in one room. The check here gives the friendly answer; the
    database decides a race: PostgreSQL's exclusion constraint refuses the second of two
    overlapping rows, and on SQLite every write transaction begins IMMEDIATE, so this check
    and the insert run one writer at a time.
    """
    household = room.household
    if kind is StayKind.CARERS_BREAK:
        if not can_act_for_household(by, household):
            raise SharedLivesError("Only the household or a coordinator can block out dates.")
    elif not can_coordinate(by):
        raise SharedLivesError("Only a Shared Lives coordinator can book a short break.")
    if ends_on <= starts_on:
        raise SharedLivesError("The last day must be after the first", "ends_on")
    if kind is StayKind.DAY_SUPPORT:
        _check_day_session(household, starts_on, ends_on, hours, people)
    elif hours is not None or people != 1:
        raise SharedLivesError("Only day support has a session length and a number of people.")
    if referral is not None and not db.session.scalar(
        select(Introduction.id).where(
            Introduction.referral_id == referral.id,
            Introduction.household_id == household.id,
            Introduction.status.in_(INTRODUCTION_STEPS["start or book"]),
        )
    ):
        raise SharedLivesError("The person and the household must both agree first.")
    if kind is not StayKind.CARERS_BREAK:
        if household.status is not S.APPROVED or due.lapses(household, starts_on):
            raise SharedLivesError(
                f"{household.name} cannot be booked: its approval or checks have lapsed."
            )
        wanted_type = (
            ArrangementType.SHORT_BREAK
            if kind is StayKind.SHORT_BREAK
            else ArrangementType.DAY_SUPPORT
        )
        if wanted_type not in household.type_set:
            raise SharedLivesError(
                f"{household.name} is not approved for {wanted_type.label.lower()}."
            )
        if not room.for_short_breaks:
            raise SharedLivesError(f"{room.name} is not for short breaks", "room")
        blocked = db.session.scalar(
            select(Stay.id).where(
                Stay.household_id == household.id,
                Stay.kind == StayKind.CARERS_BREAK,
                Stay.cancelled_at.is_(None),
                Stay.starts_on < ends_on,
                Stay.ends_on > starts_on,
            )
        )
        if blocked:
            raise SharedLivesError("The carers are on their own break on some of those dates.")
        if _supporting(household, starts_on, ends_on) + people > household.max_people:
            raise SharedLivesError(
                f"{household.name} would support more than the {household.max_people} "
                "people it is approved for at once."
            )
    if any(matching.overlaps(starts_on, ends_on, s, e) for s, e in room_facts(room).taken):
        raise RoomTaken(f"{room.name} is already taken on some of those nights.", "starts_on")
    stay = Stay(
        household_id=household.id,
        room_id=room.id,
        referral_id=referral.id if referral else None,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        people=people,
        booked_at=now or clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(stay)
    except IntegrityError:
        raise RoomTaken(
            f"{room.name} was booked by someone else for some of those nights just now.",
            "starts_on",
        ) from None
    return stay


#: Day support sessions: up to 4, 6 or 8 hours.
SESSION_HOURS = (4, 6, 8)


def _check_day_session(
    household: Household, starts_on: date, ends_on: date, hours: int | None, people: int
) -> None:
    """A day support session is one day, of up to 4, 6 or 8 hours, for 1 to 3 people and never
    more than the household is approved to support at once."""
    if ends_on != starts_on + timedelta(days=1):
        raise SharedLivesError("A day support session is on one day", "starts_on")
    if hours not in SESSION_HOURS:
        raise SharedLivesError("Choose a session of up to 4, 6 or 8 hours", "hours")
    if not 1 <= people <= 3:
        raise SharedLivesError("A session supports 1 to 3 people", "people")
    if people > household.max_people:
        raise SharedLivesError(
            f"{household.name} is approved to support at most {household.max_people} "
            f"{'person' if household.max_people == 1 else 'people'} at once",
            "people",
        )


def stay_for(actor: Member | None, stay_id: int) -> Stay | None:
    """A stay its household or a coordinator may see; else None (the page is then a 404)."""
    found = db.session.get(Stay, stay_id)
    if found is None or not can_act_for_household(actor, found.household):
        return None
    return found


def paid_month_of(stay: Stay) -> date | None:
    """The first month holding one of the stay's nights that the household was already paid
    for, if any."""
    first = stay.starts_on.replace(day=1)
    return db.session.scalar(
        select(CarerPayment.month)
        .where(
            CarerPayment.household_id == stay.household_id,
            CarerPayment.month >= first,
            CarerPayment.month < stay.ends_on,
        )
        .order_by(CarerPayment.month)
        .limit(1)
    )


def cancel_stay(stay: Stay, by: Member, reason: str, now: datetime | None = None) -> Stay:
    """Cancel a booked short break, day support session or the carers' own break.

    A coordinator may cancel any; the household its own before the first night. The row is
    kept with who cancelled it and why; the room is free again (the exclusion constraint and
    every check ignore cancelled stays) and the payment run does not pay it. A stay in a month
    already paid is refused: the payment was posted to the ledger, so undoing it is a
    correction for the coordinator and the treasurer, not a cancellation.
    """
    now = now or clock.now()
    coordinating = can_coordinate(by)
    if not (coordinating or any(h.id == stay.household_id for h in households_of(by))):
        raise SharedLivesError("Only the household or a coordinator can cancel this.")
    if stay.is_cancelled:
        raise SharedLivesError("This has already been cancelled.")
    if not coordinating and stay.starts_on <= clock.london_today(now):
        raise SharedLivesError("It has already begun: ask the coordinator to cancel it.", "reason")
    paid = paid_month_of(stay)
    if paid is not None:
        raise SharedLivesError(
            f"It was paid in the carer payment for {paid:%B %Y}, so it cannot be cancelled. "
            "Ask the treasurer to correct the payment instead.",
            "reason",
        )
    reason = (reason or "").strip()
    if not reason:
        raise SharedLivesError("Enter why it is cancelled", "reason")
    stay.cancelled_at = now
    stay.cancel_reason = reason
    stay.cancelled_by_id = by.id
    db.session.flush()
    return stay


def introduction_of_stay(stay: Stay) -> Introduction | None:
    return db.session.scalar(
        select(Introduction).where(
            Introduction.referral_id == stay.referral_id,
            Introduction.household_id == stay.household_id,
        )
    )


def stays_of(household: Household) -> list[Stay]:
    return list(
        db.session.scalars(
            select(Stay).where(Stay.household_id == household.id).order_by(Stay.starts_on)
        )
    )


def arrangements_of(household: Household) -> list[Arrangement]:
    return list(
        db.session.scalars(
            select(Arrangement)
            .where(Arrangement.household_id == household.id)
            .order_by(Arrangement.starts_on)
        )
    )


def introductions_of(household: Household) -> list[Introduction]:
    return list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.household_id == household.id)
            .order_by(Introduction.proposed_at.desc())
        )
    )


# --- Lists for pages ----------------------------------------------------------------------


def all_households() -> list[Household]:
    return list(db.session.scalars(select(Household).order_by(Household.name, Household.id)))


def all_referrals() -> list[Referral]:
    return list(db.session.scalars(select(Referral).order_by(Referral.created_at.desc())))


def history_of(household: Household) -> list[HouseholdStatusChange]:
    return list(
        db.session.scalars(
            select(HouseholdStatusChange)
            .where(HouseholdStatusChange.household_id == household.id)
            .order_by(HouseholdStatusChange.changed_at, HouseholdStatusChange.id)
        )
    )


def member_by_number(number: str | None) -> Member | None:
    """The approved member with this member number; a number that finds no one is an error."""
    number = (number or "").strip()
    if not number:
        return None
    if not number.isdigit():
        raise SharedLivesError(f"{number} is not a member number", "person_member_number")
    member = db.session.scalar(select(Member).where(Member.member_number == int(number)))
    if not roles.is_member(member):
        raise SharedLivesError(
            f"No approved member has the number {number}", "person_member_number"
        )
    return member


def introductions_for_referral(referral: Referral) -> list[Introduction]:
    return list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.referral_id == referral.id)
            .order_by(Introduction.proposed_at)
        )
    )


def stays_for(introduction: Introduction) -> list[Stay]:
    return list(
        db.session.scalars(
            select(Stay)
            .where(
                Stay.referral_id == introduction.referral_id,
                Stay.household_id == introduction.household_id,
            )
            .order_by(Stay.starts_on)
        )
    )


@dataclass(frozen=True)
class Suggestion:
    introduction: Introduction
    #: The reasons the household was suggested, in plain English (empty if it no longer fits).
    reasons: list[str]


def suggestions_for_person(referral: Referral, today: date | None = None) -> list[Suggestion]:
    """The households introduced to the person, with the reasons matching gave, in plain
    English: the same reasons the coordinator saw."""
    result = run_matching(referral, today)
    ranked = {r.household.id: r for r in result.ranked}
    return [
        Suggestion(
            i, matching.plain_english(ranked[i.household_id]) if i.household_id in ranked else []
        )
        for i in introductions_for_referral(referral)
    ]


def everything_due(today: date) -> list[due.DueItem]:
    """What falls due for approved households and running arrangements."""
    items = []
    for household in db.session.scalars(
        select(Household).where(Household.status == S.APPROVED).order_by(Household.id)
    ):
        items.extend(due.household_due(household, today))
    for arrangement in db.session.scalars(
        select(Arrangement).where(
            Arrangement.ends_on.is_(None),
            Arrangement.arrangement_type == ArrangementType.LONG_TERM,
        )
    ):
        items.append(due.arrangement_due(arrangement))
    return items


def arrangement_for(actor: Member | None, arrangement_id: int) -> Arrangement | None:
    """An arrangement its household, its person or a coordinator may see; else None."""
    found = db.session.get(Arrangement, arrangement_id)
    if found is None:
        return None
    if can_act_for_household(actor, found.household) or is_the_person(actor, found.referral):
        return found
    return None


def ask(arrangement: Arrangement, by: Member, what: str) -> Arrangement:
    """Either side asks for a review or an ending; the coordinator's overview shows it."""
    if what not in ("a review", "an ending"):
        raise SharedLivesError("Choose a review or an ending")
    if is_the_person(by, arrangement.referral):
        side = "the person"
    elif any(h.id == arrangement.household_id for h in households_of(by)):
        side = "the household"
    else:
        raise SharedLivesError("Only the person or the household can ask.")
    if arrangement.ends_on is not None:
        raise SharedLivesError("This arrangement has ended.")
    arrangement.review_requested_by = f"{side} asked for {what}"[:40]
    db.session.flush()
    return arrangement


def requests_waiting() -> list[Arrangement]:
    return list(
        db.session.scalars(
            select(Arrangement).where(
                Arrangement.review_requested_by != "", Arrangement.ends_on.is_(None)
            )
        )
    )


#: What the household itself may change; a coordinator may also change what it is approved for.
PROFILE_FIELDS = (
    "reasons", "reference_1", "reference_2", "consents_to_dbs", "housing_permission", "pets",
    "smoking", "languages", "faith", "interests", "makeup", "has_woman_carer", "exclusions",
)  # fmt: skip
APPROVAL_FIELDS = ("approved_types", "max_people")


def update_profile(household: Household, by: Member, **fields) -> list[str]:
    """Change the household's application and profile; returns what changed.

    The household keeps its own profile; what it is approved for (the arrangement types and
    the most people at once) only a coordinator changes, as the panel decided.
    """
    if not can_act_for_household(by, household):
        raise SharedLivesError("Only the household or a coordinator can change this.")
    allowed = PROFILE_FIELDS + (APPROVAL_FIELDS if can_coordinate(by) else ())
    if not 1 <= fields.get("max_people", household.max_people) <= 3:
        raise SharedLivesError("A household supports 1 to 3 people at once", "max_people")
    changed = []
    for name, value in fields.items():
        if name in allowed and getattr(household, name) != value:
            setattr(household, name, value)
            changed.append(name)
    db.session.flush()
    return changed
