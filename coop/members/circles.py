"""Circles of support: a member chooses who may act for them and what each may do.

Every domain asks here before a helper does something for someone: `require` (raising
`NotPermitted` with the reason, which a view turns into a 403) or `may_act` (a yes or no for
showing a choice). Permissions are checked when the action is taken, inside its transaction,
so a permission the person withdraws stops the helper's very next action, even from a page
they already had open. Acting for yourself needs no permission.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.circle_models import (
    CircleAct,
    CircleGrant,
    NominatedPerson,
    NomineeKind,
    Permission,
)
from coop.members.models import Member
from coop.members.service import find_by_email
from coop.money import MAX_PENCE, format_pence


class CircleError(Exception):
    """A circle of support change that cannot be made; the message says why in plain English."""


class NotPermitted(CircleError):
    """The helper may not do this for the person (never chosen, withdrawn, ended, over the
    limit); a view answers 403 and changes nothing."""


def _live(now: datetime):
    today = clock.london_today(now)
    return (CircleGrant.withdrawn_at.is_(None)) & (
        CircleGrant.until.is_(None) | (CircleGrant.until >= today)
    )


def live_grant(
    helper: Member,
    person: Member,
    permission: Permission,
    now: datetime | None = None,
    *,
    lock: bool = False,
) -> CircleGrant | None:
    """The grant letting `helper` do `permission` for `person` today, if there is one.

    With ``lock`` the row is locked (PostgreSQL) until the transaction ends, so a withdrawal
    waits for an action already under way and the next action sees it."""
    now = now or clock.now()
    query = select(CircleGrant).where(
        CircleGrant.person_id == person.id,
        CircleGrant.helper_id == helper.id,
        CircleGrant.permission == permission,
        _live(now),
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query).first()


def require(
    helper: Member | None,
    person: Member,
    permission: Permission,
    now: datetime | None = None,
    *,
    amount_pence: int | None = None,
) -> CircleGrant | None:
    """Check that `helper` may do `permission` for `person` (for `amount_pence` when booking),
    or raise NotPermitted saying why. Returns the grant, or None when acting for yourself."""
    if helper is None or not roles.is_member(helper):
        raise NotPermitted("Sign in as a member of the co-op to do this.")
    if helper.id == person.id:
        return None
    if not roles.is_member(person):
        raise NotPermitted(f"{person.name} is not a member of the co-op now.")
    grant = live_grant(helper, person, permission, now, lock=True)
    if grant is None:
        raise NotPermitted(
            f"{person.name} has not chosen you to {permission.label[0].lower()}"
            f"{permission.label[1:].replace('my ', 'their ')}, or has withdrawn it."
        )
    if (
        permission.has_limit
        and amount_pence is not None
        and grant.limit_pence is not None
        and amount_pence > grant.limit_pence
    ):
        raise NotPermitted(
            f"This costs {format_pence(amount_pence)}. {person.name} lets you spend up to "
            f"{format_pence(grant.limit_pence)} on one booking. Ask {person.name} to raise "
            "the limit, or choose something that costs less."
        )
    return grant


def may_act(
    helper: Member | None,
    person: Member,
    permission: Permission,
    now: datetime | None = None,
    *,
    amount_pence: int | None = None,
) -> bool:
    """Whether `helper` may do `permission` for `person` now (for showing choices)."""
    if helper is None or not roles.is_member(helper):
        return False
    if helper.id == person.id:
        return True
    if not roles.is_member(person):
        return False
    grant = live_grant(helper, person, permission, now)
    if grant is None:
        return False
    return not (
        permission.has_limit
        and amount_pence is not None
        and grant.limit_pence is not None
        and amount_pence > grant.limit_pence
    )


def people_helped_by(
    helper: Member, permission: Permission, now: datetime | None = None
) -> list[Member]:
    """The members who let `helper` do `permission` for them today, by name."""
    now = now or clock.now()
    query = (
        select(Member)
        .join(CircleGrant, CircleGrant.person_id == Member.id)
        .where(CircleGrant.helper_id == helper.id, CircleGrant.permission == permission, _live(now))
        .order_by(Member.name, Member.id)
    )
    return [person for person in db.session.scalars(query).unique() if roles.is_member(person)]


def grants_of(person: Member, now: datetime | None = None) -> list[CircleGrant]:
    """Everything `person` lets others do today, by helper and permission."""
    now = now or clock.now()
    query = (
        select(CircleGrant)
        .join(Member, CircleGrant.helper_id == Member.id)
        .where(CircleGrant.person_id == person.id, _live(now))
        .order_by(Member.name, CircleGrant.helper_id, CircleGrant.permission)
    )
    return list(db.session.scalars(query))


def grants_given_to(helper: Member, now: datetime | None = None) -> list[CircleGrant]:
    """Everything others let `helper` do for them today."""
    now = now or clock.now()
    query = (
        select(CircleGrant)
        .join(Member, CircleGrant.person_id == Member.id)
        .where(CircleGrant.helper_id == helper.id, _live(now))
        .order_by(Member.name, CircleGrant.person_id, CircleGrant.permission)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Choice:
    """What a person chose to let a helper do: a permission, a limit and an end date."""

    permission: Permission
    limit_pence: int | None = None
    until: date | None = None


def give(
    person: Member, helper: Member, choice: Choice, now: datetime | None = None
) -> CircleGrant:
    """Let `helper` do `choice.permission` for `person`, replacing any grant of it they have."""
    now = now or clock.now()
    if not roles.is_member(person):
        raise CircleError("Only members of the co-op can choose people to act for them.")
    if helper.id == person.id:
        raise CircleError("You cannot choose yourself: you can already do this.")
    if not roles.is_member(helper):
        raise CircleError(f"{helper.name} is not a member of the co-op, so cannot act for you.")
    if choice.until is not None and choice.until < clock.london_today(now):
        raise CircleError("The end date must be today or later.")
    limit = choice.limit_pence
    if choice.permission.has_limit:
        if limit is None or limit <= 0:
            raise CircleError("Enter the most they may spend on one booking, more than £0.")
        if limit > MAX_PENCE:
            raise CircleError(f"Enter a limit of {format_pence(MAX_PENCE)} or less.")
    else:
        limit = None
    old = live_grant(helper, person, choice.permission, now, lock=True)
    if old is not None:
        old.withdrawn_at = now
        db.session.flush()
    grant = CircleGrant(
        person_id=person.id,
        helper_id=helper.id,
        permission=choice.permission,
        limit_pence=limit,
        until=choice.until,
        granted_at=now,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def withdraw(grant: CircleGrant, by: Member, now: datetime | None = None) -> CircleGrant:
    """The person (or the helper, stepping back) ends a grant at once."""
    if by.id not in (grant.person_id, grant.helper_id):
        raise NotPermitted("Only the person or their helper can withdraw this.")
    if grant.withdrawn_at is None:
        grant.withdrawn_at = now or clock.now()
        db.session.flush()
    return grant


def record_act(
    helper: Member,
    person: Member,
    permission: Permission,
    description: str,
    now: datetime | None = None,
) -> CircleAct | None:
    """Record something `helper` did for `person`; nothing when they acted for themselves."""
    if helper.id == person.id:
        return None
    act = CircleAct(
        person_id=person.id,
        helper_id=helper.id,
        permission=permission,
        description=description,
        at=now or clock.now(),
    )
    db.session.add(act)
    db.session.flush()
    return act


def acts_for(person: Member) -> list[CircleAct]:
    """Everything done for `person` by their helpers, newest first."""
    query = (
        select(CircleAct)
        .where(CircleAct.person_id == person.id)
        .order_by(CircleAct.at.desc(), CircleAct.id.desc())
    )
    return list(db.session.scalars(query))


def acts_by(helper: Member) -> list[CircleAct]:
    """Everything `helper` has done for others, newest first."""
    query = (
        select(CircleAct)
        .where(CircleAct.helper_id == helper.id)
        .order_by(CircleAct.at.desc(), CircleAct.id.desc())
    )
    return list(db.session.scalars(query))


def acting_label(helper: Member | None, person: Member) -> str:
    """ "by Dev for Asha", or "" when someone acted for themselves."""
    if helper is None or helper.id == person.id:
        return ""
    return f"by {helper.name} for {person.name}"


def can_record_nominees(actor: Member | None) -> bool:
    """The secretary and Shared Lives coordinators record nominated and authorised people."""
    return roles.is_secretary(actor) or roles.is_shared_lives_coordinator(actor)


def record_nominee(
    person: Member,
    *,
    kind: NomineeKind,
    name: str,
    evidence: str,
    evidence_seen_on: date,
    by: Member,
    nominee: Member | None = None,
    now: datetime | None = None,
) -> NominatedPerson:
    """A coordinator records a nominated or authorised person for `person`'s direct payment,
    with the evidence seen and the date it was seen."""
    now = now or clock.now()
    if not can_record_nominees(by):
        raise NotPermitted("Only the secretary or a coordinator can record this.")
    if not name.strip() or not evidence.strip():
        raise CircleError("Enter the person's name and the evidence you saw.")
    if evidence_seen_on > clock.london_today(now):
        raise CircleError("The date you saw the evidence must be today or in the past.")
    record = NominatedPerson(
        person_id=person.id,
        kind=kind,
        name=name.strip(),
        nominee_id=nominee.id if nominee else None,
        evidence=evidence.strip(),
        evidence_seen_on=evidence_seen_on,
        recorded_by_id=by.id,
        recorded_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return record


def nominees_of(person: Member) -> list[NominatedPerson]:
    """The nominated and authorised people recorded for `person`, newest first."""
    query = (
        select(NominatedPerson)
        .where(NominatedPerson.person_id == person.id)
        .order_by(NominatedPerson.evidence_seen_on.desc(), NominatedPerson.id.desc())
    )
    return list(db.session.scalars(query))


# --- For the circle pages --------------------------------------------------------------


def find_member(text: str) -> Member | None:
    """The approved member with this email address or membership number, if there is one.

    Only approved members can be chosen, so an applicant or someone who has left is not found."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        found = db.session.scalar(select(Member).where(Member.member_number == int(text)))
    elif "@" in text:
        found = find_by_email(text)
    else:
        found = None
    return found if found is not None and found.is_approved else None


def _live_grant_by_id(grant_id: int, owner, member: Member, now: datetime | None):
    return db.session.scalar(
        select(CircleGrant).where(
            CircleGrant.id == grant_id, owner == member.id, _live(now or clock.now())
        )
    )


def grant_of(person: Member, grant_id: int, now: datetime | None = None) -> CircleGrant | None:
    """A live grant `person` gave, by id; anyone else's is None, whatever its id."""
    return _live_grant_by_id(grant_id, CircleGrant.person_id, person, now)


def grant_to(helper: Member, grant_id: int, now: datetime | None = None) -> CircleGrant | None:
    """A live grant given to `helper`, by id; anyone else's is None, whatever its id."""
    return _live_grant_by_id(grant_id, CircleGrant.helper_id, helper, now)


def people_in_circle(helper: Member, now: datetime | None = None) -> list[Member]:
    """The members who let `helper` do anything for them today, by name."""
    seen: dict[int, Member] = {}
    for grant in grants_given_to(helper, now):
        if roles.is_member(grant.person):
            seen.setdefault(grant.person_id, grant.person)
    return list(seen.values())


def can_see_for(helper: Member | None, person: Member, now: datetime | None = None) -> bool:
    """Whether `helper` may look at `person`'s bookings and budget (themselves, or SEE)."""
    return may_act(helper, person, Permission.SEE, now)
