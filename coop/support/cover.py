"""Same-day cover: a budget holder (or someone acting for them) asks; the eligible PAs are
told, their own PAs first and the whole bank after the delay they chose; the first eligible
PA to accept gets the shift; the PA records the hours; the budget holder approves and the
budget pays.

Who gets the shift is decided by one conditional UPDATE (``... WHERE status = 'open'``): of
any number of PAs accepting at once exactly one changes the row, and the others are told the
shift is already covered.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from coop import clock, email
from coop.extensions import db
from coop.members import circles, letters
from coop.members.circle_models import CircleGrant, Permission
from coop.members.models import Member
from coop.money import format_pence
from coop.payments import pa_pay, postings
from coop.support import shared_pas
from coop.support.models import (
    CoverRequest,
    CoverStatus,
    OwnPa,
    PaProfile,
    Shift,
    Skill,
    skills_text,
)
from coop.support.pa_register import (
    SupportError,
    available,
    bookable_profiles,
    coordinators,
    district_of,
    is_pa,
    lapsed_checks,
    profile_of,
    windows_of,
)

S = CoverStatus

#: The allowed moves of a cover request; every change goes through `_move`.
MOVES: dict[CoverStatus, frozenset[CoverStatus]] = {
    S.OPEN: frozenset({S.COVERED, S.CANCELLED}),
    S.COVERED: frozenset({S.HOURS_RECORDED, S.CANCELLED}),
    S.HOURS_RECORDED: frozenset({S.PAID, S.COVERED}),
    S.PAID: frozenset(),
    S.CANCELLED: frozenset(),
}
#: The bank is told after this many minutes unless the budget holder chooses otherwise.
DEFAULT_DELAY_MINUTES = 30
#: Coordinators are told of a request still open this long before it starts.
FLAG_BEFORE = timedelta(hours=2)
#: Cover is for today, or for the next few days at most.
DAYS_AHEAD = 13
#: The most hours a PA may record for one shift.
MAX_MINUTES = 16 * 60


class CoverError(SupportError):
    """A cover request cannot do what was asked; the message says why."""


class AlreadyCovered(CoverError):
    """Another PA accepted first."""


def can_move(frm: CoverStatus, to: CoverStatus) -> bool:
    return to in MOVES[frm]


def _move(request: CoverRequest, to: CoverStatus, **values) -> bool:
    """Move the request on by one conditional UPDATE from the state it was read in; False if
    another transaction moved it first."""
    frm = request.status
    if not can_move(frm, to):
        raise CoverError(f"A request that is {frm.label.lower()} cannot become {to.label.lower()}.")
    changed = db.session.execute(
        update(CoverRequest)
        .where(CoverRequest.id == request.id, CoverRequest.status == frm)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(request)
    return changed == 1


# --- Asking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    day: date
    starts: time
    ends: time
    district: str
    skills: frozenset[Skill]
    tasks: str = ""
    wants_woman: bool = False
    bank_delay_minutes: int = DEFAULT_DELAY_MINUTES


def ask(person: Member, wanted: Wanted, by: Member, now: datetime | None = None) -> CoverRequest:
    """Ask for cover for `person` (by them, or by a helper with the cover permission) and tell
    the eligible PAs on their own list; the whole bank at once if none of those can come."""
    now = now or clock.now()
    circles.require(by, person, Permission.COVER, now)
    today = clock.london_today(now)
    if wanted.day < today or wanted.day > today + timedelta(days=DAYS_AHEAD):
        raise CoverError(f"Cover can be asked for today or the next {DAYS_AHEAD} days.", "day")
    if wanted.ends <= wanted.starts:
        raise CoverError("The end time must be after the start time", "ends")
    starts_at = clock.at_london(wanted.day, wanted.starts)
    if starts_at <= now:
        raise CoverError("The start time has already passed: choose a later time", "starts")
    district = district_of(wanted.district)
    if district is None or district != wanted.district.strip().upper():
        raise CoverError("Enter the postcode district, like DE22", "district")
    if not 0 <= wanted.bank_delay_minutes <= 240:
        raise CoverError("Choose how long your own PAs have, up to 4 hours", "bank_delay")
    request = CoverRequest(
        budget_holder_id=person.id,
        asked_by_id=by.id,
        starts_at=starts_at,
        ends_at=clock.at_london(wanted.day, wanted.ends),
        skills=skills_text(wanted.skills),
        tasks=wanted.tasks.strip(),
        district=district,
        wants_woman=wanted.wants_woman,
        bank_delay_minutes=wanted.bank_delay_minutes,
        status=S.OPEN,
        created_at=now,
    )
    db.session.add(request)
    db.session.flush()
    own = [p for p in own_list(person) if p.member_id in _eligible_ids(request, now)]
    for profile in own:
        _tell(profile.member, request)
    if not own:
        _tell_bank(request, now)
    circles.record_act(by, person, Permission.COVER, f"Asked for PA cover {when(request)}", now)
    return request


def when(request: CoverRequest) -> str:
    """ "on Tuesday 1 December 2026, 2:00pm to 6:00pm" """
    local_end = request.ends_at.astimezone(clock.LONDON)
    return f"on {clock.format_start(request.starts_at).replace(' at ', ', ')} to " + (
        f"{int(local_end.strftime('%I'))}:{local_end:%M}{'am' if local_end.hour < 12 else 'pm'}"
    )


def _tell(pa: Member, request: CoverRequest) -> None:
    # Only when and where: never the person's needs.
    letters.notify(
        pa,
        "Cover needed today"
        if clock.london_date(request.starts_at) == clock.london_today()
        else "Cover needed",
        f"A budget holder in {request.district} needs a PA {when(request)}.\n\n"
        "The first PA to accept gets the shift. See what it involves and accept it here:\n"
        f"{email.external_url('support.offer', request_id=request.id)}\n",
    )


def _tell_bank(request: CoverRequest, now: datetime) -> int:
    """Tell every eligible PA not on the budget holder's own list; record when."""
    own_ids = {p.member_id for p in own_list(request.budget_holder)}
    told = 0
    for profile in eligible(request, now):
        if profile.member_id not in own_ids:
            _tell(profile.member, request)
            told += 1
    request.bank_told_at = now
    db.session.flush()
    return told


# --- Who may take it ---------------------------------------------------------------------


def why_not(profile: PaProfile, request: CoverRequest, *, busy: bool, today: date) -> list[str]:
    """Why this PA cannot take this shift, in plain English; empty when they can."""
    reasons = []
    if profile.member_id == request.budget_holder_id:
        reasons.append("This is your own request.")
    if not profile.published:
        reasons.append("Your profile is not published in the register.")
    if lapsed_checks(profile, today):
        reasons.append("Your checks are not in date: " + "; ".join(lapsed_checks(profile, today)))
    missing = request.skill_set - profile.skill_set
    if missing:
        reasons.append(
            "It needs skills your profile does not list: "
            + ", ".join(s.label for s in Skill if s in missing)
        )
    if request.district not in profile.district_set:
        reasons.append(f"Your profile does not cover {request.district}.")
    if request.wants_woman and profile.gender != "woman":
        reasons.append("The budget holder asked for a woman PA.")
    local_start = request.starts_at.astimezone(clock.LONDON)
    local_end = request.ends_at.astimezone(clock.LONDON)
    if not available(
        windows_of(profile), local_start.weekday(), local_start.time(), local_end.time()
    ):
        reasons.append("Your availability does not include that time.")
    if busy:
        reasons.append("You are already working then.")
    return reasons


def eligible(request: CoverRequest, now: datetime) -> list[PaProfile]:
    """The PAs who could take the shift now: checks in date, skills, district, preference,
    available that day and time, and not already working then."""
    today = clock.london_date(request.starts_at)
    profiles = [p for p in bookable_profiles(today) if is_pa(p.member)]
    taken = shared_pas.busy_pas([p.member_id for p in profiles], request.starts_at, request.ends_at)
    return [p for p in profiles if not why_not(p, request, busy=p.member_id in taken, today=today)]


def _eligible_ids(request: CoverRequest, now: datetime) -> set[int]:
    return {p.member_id for p in eligible(request, now)}


def bank_due_at(request: CoverRequest) -> datetime:
    return request.created_at + timedelta(minutes=request.bank_delay_minutes)


def on_own_list(request: CoverRequest, pa: Member) -> bool:
    return (
        db.session.scalar(
            select(OwnPa.id).where(
                OwnPa.budget_holder_id == request.budget_holder_id, OwnPa.pa_id == pa.id
            )
        )
        is not None
    )


@dataclass(frozen=True)
class Offer:
    """What a PA opening the emailed link is shown: whether they can accept, and why not."""

    request: CoverRequest
    can_accept: bool
    reasons: list[str]
    already_covered: bool
    is_theirs: bool


def offer_for(request: CoverRequest, pa: Member, now: datetime | None = None) -> Offer:
    now = now or clock.now()
    if request.status is not S.OPEN:
        theirs = request.pa_id == pa.id
        return Offer(request, False, [], not theirs and request.status is not S.CANCELLED, theirs)
    reasons = _reasons(request, pa, now)
    return Offer(request, not reasons, reasons, False, False)


def _reasons(request: CoverRequest, pa: Member, now: datetime) -> list[str]:
    if now >= request.starts_at:
        return ["This shift has already started."]
    profile = profile_of(pa)
    if profile is None or not is_pa(pa):
        return ["Only PAs in the register can take cover shifts."]
    busy = shared_pas.busy(pa.id, request.starts_at, request.ends_at) is not None
    reasons = why_not(profile, request, busy=busy, today=clock.london_date(request.starts_at))
    if (
        not reasons
        and request.bank_told_at is None
        and now < bank_due_at(request)
        and not on_own_list(request, pa)
    ):
        reasons.append(
            "The budget holder's own PAs are asked first. The other PAs are told at "
            f"{clock.format_moment(bank_due_at(request))}."
        )
    return reasons


def can_see_offer(request: CoverRequest, pa: Member | None) -> bool:
    """PAs in the register may open an emailed link; no one else."""
    return is_pa(pa) and profile_of(pa) is not None and request.budget_holder_id != pa.id


def accept(request: CoverRequest, pa: Member, now: datetime | None = None) -> CoverRequest:
    """The PA takes the shift, if it is still open and they are eligible.

    One conditional UPDATE decides between PAs accepting at once (AlreadyCovered for the
    rest); the shift then goes into the PA's calendar, where the database refuses an overlap
    with any other family's shift (and the whole acceptance is undone).
    """
    now = now or clock.now()
    if request.status is not S.OPEN:
        raise AlreadyCovered("This shift is already covered by another PA. Thank you for offering.")
    reasons = _reasons(request, pa, now)
    if reasons:
        raise CoverError(" ".join(reasons))
    rate = profile_of(pa).hourly_rate_pence
    try:
        with db.session.begin_nested():
            won = _move(request, S.COVERED, pa_id=pa.id, covered_at=now, hourly_rate_pence=rate)
            if not won:
                raise AlreadyCovered(
                    "This shift is already covered by another PA. Thank you for offering."
                )
            shared_pas.book(
                pa.id, request.budget_holder_id, request.starts_at, request.ends_at,
                cover_request_id=request.id,
            )  # fmt: skip
    except shared_pas.Clash:
        db.session.refresh(request)
        raise CoverError("You are already working then, so you cannot take this shift.") from None
    link = email.external_url("support.request_page", request_id=request.id)
    body = (
        f"{pa.name} is coming {when(request)}. Their email address is {pa.email or 'not given'}."
        f"\n\nSee the request: {link}\n"
    )
    letters.notify(request.budget_holder, f"{pa.name} is covering your shift", body)
    if request.asked_by_id != request.budget_holder_id:
        letters.notify(request.asked_by, f"{pa.name} is covering the shift", body)
    return request


# --- After the shift ---------------------------------------------------------------------


def record_hours(
    request: CoverRequest, pa: Member, minutes: int, now: datetime | None = None
) -> CoverRequest:
    """The PA who covered records how long they worked, once the shift has started."""
    now = now or clock.now()
    if request.pa_id != pa.id:
        raise CoverError("Only the PA who covered this shift can record its hours.")
    if request.status is not S.COVERED:
        raise CoverError(
            f"The hours cannot be recorded: the request is {request.status.label.lower()}."
        )
    if now < request.starts_at:
        raise CoverError("Record the hours once the shift has started.", "hours")
    if not 0 < minutes <= MAX_MINUTES:
        raise CoverError(
            f"Enter the time worked: more than 0 and up to {MAX_MINUTES // 60} hours", "hours"
        )
    if not _move(request, S.HOURS_RECORDED, minutes_worked=minutes, hours_recorded_at=now):
        raise CoverError("The request changed just now; look again.")
    letters.notify(
        request.budget_holder,
        f"{pa.name} recorded their hours",
        f"{pa.name} recorded {hours_text(minutes)} for the shift {when(request)}. Approve them "
        f"here, and they are paid from your budget:\n"
        f"{email.external_url('support.request_page', request_id=request.id)}\n",
    )
    return request


def hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    words = f"{hours} hour{'s' if hours != 1 else ''}" if hours else ""
    if rest:
        words = (words + " " if words else "") + f"{rest} minutes"
    return words


def cost_pence(request: CoverRequest) -> int:
    return pa_pay.hours_pence(request.hourly_rate_pence, request.minutes_worked)


def approve(request: CoverRequest, by: Member, now: datetime | None = None) -> CoverRequest:
    """The budget holder (or a helper with the cover permission) approves the hours, and the
    payment posts from the budget to what is owed to the PA, never taking it below zero."""
    now = now or clock.now()
    person = request.budget_holder
    circles.require(by, person, Permission.COVER, now)
    if request.status is not S.HOURS_RECORDED:
        raise CoverError(
            f"There are no hours to approve: the request is {request.status.label.lower()}."
        )
    amount = cost_pence(request)
    label = circles.acting_label(by, person)
    memo = (
        f"{request.pa.name}, cover {clock.format_date(request.starts_at)}: "
        f"{hours_text(request.minutes_worked)} at {format_pence(request.hourly_rate_pence)} an hour"
        + (f", {label}" if label else "")
    )
    try:
        with db.session.begin_nested():
            if not _move(request, S.PAID, approved_by_id=by.id, approved_at=now):
                raise CoverError("These hours were approved just now.")
            payment = pa_pay.pay_hours(person, request.pa, amount, memo, by=by, now=now)
            request.payment_id = payment.id
            db.session.flush()
    except postings.InsufficientFunds as short:
        db.session.refresh(request)
        raise CoverError(
            f"The budget holds {format_pence(short.available_pence)} but these hours cost "
            f"{format_pence(amount)}. Ask the secretary about money arriving, then approve them."
        ) from None
    circles.record_act(
        by, person, Permission.COVER,
        f"Approved {hours_text(request.minutes_worked)} by {request.pa.name}, "
        f"{format_pence(amount)} paid from the budget", now,
    )  # fmt: skip
    letters.notify(
        request.pa,
        "Your hours were approved",
        f"Your {hours_text(request.minutes_worked)} {when(request)} were approved: "
        f"{format_pence(amount)} is owed to you.\n",
    )
    return request


def send_back(request: CoverRequest, by: Member, now: datetime | None = None) -> CoverRequest:
    """The budget holder asks the PA to correct the hours recorded."""
    now = now or clock.now()
    circles.require(by, request.budget_holder, Permission.COVER, now)
    if request.status is not S.HOURS_RECORDED:
        raise CoverError("There are no hours waiting to be approved.")
    if not _move(request, S.COVERED, minutes_worked=None, hours_recorded_at=None):
        raise CoverError("The request changed just now; look again.")
    letters.notify(
        request.pa,
        "Please check your hours",
        f"The hours you recorded {when(request)} were sent back to you to correct:\n"
        f"{email.external_url('support.hours', request_id=request.id)}\n",
    )
    return request


def cancel(request: CoverRequest, by: Member, now: datetime | None = None) -> CoverRequest:
    """The family no longer needs the cover (before it starts); the PA, if any, is told."""
    now = now or clock.now()
    circles.require(by, request.budget_holder, Permission.COVER, now)
    if now >= request.starts_at:
        raise CoverError("The shift has started, so it cannot be cancelled here.")
    pa = request.pa
    if not _move(request, S.CANCELLED, cancelled_at=now):
        raise CoverError("The request changed just now; look again.")
    db.session.execute(Shift.__table__.delete().where(Shift.cover_request_id == request.id))
    if pa is not None:
        letters.notify(
            pa, "A cover shift was cancelled", f"The shift {when(request)} is no longer needed.\n"
        )
    circles.record_act(
        by, request.budget_holder, Permission.COVER, f"Cancelled PA cover {when(request)}", now
    )
    return request


# --- The worker's jobs -------------------------------------------------------------------


def tell_banks(now: datetime | None = None) -> int:
    """Tell the whole bank about each open request whose own-PA delay has passed. Each is
    claimed by a conditional UPDATE, so two workers never tell the bank twice."""
    now = now or clock.now()
    told = 0
    waiting = db.session.scalars(
        select(CoverRequest).where(
            CoverRequest.status == S.OPEN,
            CoverRequest.bank_told_at.is_(None),
            CoverRequest.starts_at > now,
        )
    ).all()
    for request in waiting:
        if bank_due_at(request) > now:
            continue
        claimed = db.session.execute(
            update(CoverRequest)
            .where(CoverRequest.id == request.id, CoverRequest.bank_told_at.is_(None))
            .values(bank_told_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            db.session.refresh(request)
            _tell_bank(request, now)
            told += 1
    return told


def tell_banks_now() -> str:
    told = tell_banks()
    db.session.commit()
    return f"Told the bank of PAs about {told} cover request{'s' if told != 1 else ''}."


def still_open_soon(now: datetime | None = None) -> list[CoverRequest]:
    """Open requests starting within two hours (or already late): the coordinators' list."""
    now = now or clock.now()
    return list(
        db.session.scalars(
            select(CoverRequest)
            .where(
                CoverRequest.status == S.OPEN,
                CoverRequest.starts_at <= now + FLAG_BEFORE,
                CoverRequest.ends_at > now,
            )
            .order_by(CoverRequest.starts_at, CoverRequest.id)
        )
    )


def flag_unfilled(now: datetime | None = None) -> int:
    """Tell the coordinators once about each request still open two hours before it starts."""
    now = now or clock.now()
    flagged = 0
    for request in still_open_soon(now):
        if request.flagged_at is not None:
            continue
        claimed = db.session.execute(
            update(CoverRequest)
            .where(CoverRequest.id == request.id, CoverRequest.flagged_at.is_(None))
            .values(flagged_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        for coordinator in coordinators():
            letters.notify(
                coordinator,
                "Cover still needed",
                f"A request for cover {when(request)} in {request.district} has no PA yet.\n"
                f"{email.external_url('support.coordinator')}\n",
            )
        flagged += 1
    return flagged


def flag_unfilled_now() -> str:
    flagged = flag_unfilled()
    db.session.commit()
    return f"Told the coordinators about {flagged} cover request{'s' if flagged != 1 else ''}."


# --- Reading -----------------------------------------------------------------------------


def own_list(person: Member) -> list[PaProfile]:
    """The PAs on a budget holder's own list, in their order, with a profile in the register."""
    return list(
        db.session.scalars(
            select(PaProfile)
            .join(OwnPa, OwnPa.pa_id == PaProfile.member_id)
            .where(OwnPa.budget_holder_id == person.id)
            .order_by(OwnPa.position, OwnPa.id)
        )
    )


def add_own(person: Member, pa: Member, by: Member, now: datetime | None = None) -> OwnPa:
    circles.require(by, person, Permission.COVER, now)
    if profile_of(pa) is None or not is_pa(pa):
        raise CoverError("Only PAs in the register can be on your list.")
    if on_own_list_of(person, pa):
        raise CoverError(f"{pa.name} is already on the list.")
    last = db.session.scalar(
        select(OwnPa.position).where(OwnPa.budget_holder_id == person.id)
        .order_by(OwnPa.position.desc()).limit(1)
    )  # fmt: skip
    own = OwnPa(budget_holder_id=person.id, pa_id=pa.id, position=(last or 0) + 1)
    db.session.add(own)
    db.session.flush()
    circles.record_act(by, person, Permission.COVER, f"Added {pa.name} to the list of PAs", now)
    return own


def on_own_list_of(person: Member, pa: Member) -> bool:
    return (
        db.session.scalar(
            select(OwnPa.id).where(OwnPa.budget_holder_id == person.id, OwnPa.pa_id == pa.id)
        )
        is not None
    )


def remove_own(person: Member, pa: Member, by: Member, now: datetime | None = None) -> None:
    circles.require(by, person, Permission.COVER, now)
    found = db.session.scalar(
        select(OwnPa).where(OwnPa.budget_holder_id == person.id, OwnPa.pa_id == pa.id)
    )
    if found is None:
        raise CoverError(f"{pa.name} is not on the list.")
    db.session.delete(found)
    db.session.flush()
    circles.record_act(by, person, Permission.COVER, f"Took {pa.name} off the list of PAs", now)


def move_up(person: Member, pa: Member, by: Member, now: datetime | None = None) -> None:
    """Ask this PA before the one above them."""
    circles.require(by, person, Permission.COVER, now)
    rows = list(
        db.session.scalars(
            select(OwnPa).where(OwnPa.budget_holder_id == person.id)
            .order_by(OwnPa.position, OwnPa.id)
        )
    )  # fmt: skip
    ids = [row.pa_id for row in rows]
    if pa.id not in ids:
        raise CoverError(f"{pa.name} is not on the list.")
    i = ids.index(pa.id)
    if i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    for position, row in enumerate(rows, start=1):
        row.position = position
    db.session.flush()


def requests_by_payment(payment_ids) -> dict[int, CoverRequest]:
    """The cover requests whose approved hours these ledger transactions paid."""
    ids = [i for i in payment_ids if i is not None]
    if not ids:
        return {}
    found = db.session.scalars(select(CoverRequest).where(CoverRequest.payment_id.in_(ids)))
    return {r.payment_id: r for r in found}


def requests_of(person: Member) -> list[CoverRequest]:
    """A family's cover requests, newest first: only theirs."""
    return list(
        db.session.scalars(
            select(CoverRequest)
            .where(CoverRequest.budget_holder_id == person.id)
            .order_by(CoverRequest.starts_at.desc(), CoverRequest.id.desc())
        )
    )


def shifts_covered_by(pa: Member) -> list[CoverRequest]:
    return list(
        db.session.scalars(
            select(CoverRequest)
            .where(CoverRequest.pa_id == pa.id)
            .order_by(CoverRequest.starts_at.desc(), CoverRequest.id.desc())
        )
    )


def open_offers_for(pa: Member, now: datetime | None = None) -> list[CoverRequest]:
    """Open requests this PA could accept now, soonest first."""
    now = now or clock.now()
    found = db.session.scalars(
        select(CoverRequest)
        .where(CoverRequest.status == S.OPEN, CoverRequest.starts_at > now)
        .order_by(CoverRequest.starts_at, CoverRequest.id)
    )
    return [r for r in found if can_see_offer(r, pa) and not _reasons(r, pa, now)]


def was_ever_helper(helper: Member | None, person_id: int) -> bool:
    """Whether `person` ever chose `helper` for anything: such a helper is told why they may
    not act (403); anyone else is shown nothing at all (404)."""
    if helper is None or not getattr(helper, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(CircleGrant.id)
            .where(CircleGrant.person_id == person_id, CircleGrant.helper_id == helper.id)
            .limit(1)
        )
        is not None
    )


def may_see(request: CoverRequest, actor: Member | None, now: datetime | None = None) -> bool:
    """The family, a helper with the cover permission, the PA who covers it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if request.pa_id is not None and request.pa_id == actor.id:
        return True
    return circles.may_act(actor, request.budget_holder, Permission.COVER, now)
