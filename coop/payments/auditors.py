"""Read-only access for auditors: named budget holders' returns, with their agreement, until a
date; every view logged."""

from datetime import datetime

from sqlalchemy import func, select

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member
from coop.payments.models import AuditorGrant, AuditorView


class AuditorError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def can_grant_auditors(actor: Member | None) -> bool:
    """The secretary gives auditors access."""
    return roles.is_secretary(actor)


def is_in_force(grant: AuditorGrant, now: datetime | None = None) -> bool:
    """Agreed by the budget holder, not ended, and not past its last day."""
    now = now or clock.now()
    return (
        grant.agreed_at is not None
        and grant.ended_at is None
        and clock.london_today(now) <= grant.until
    )


def grant(
    auditor_email: str,
    member: Member,
    organisation: str,
    until,
    by: Member,
    now: datetime | None = None,
) -> AuditorGrant:
    """The secretary asks for an auditor to see one budget holder's returns until a date; it
    is in force once the budget holder agrees."""
    now = now or clock.now()
    if not can_grant_auditors(by):
        raise AuditorError("Only the secretary can give an auditor access.")
    auditor = db.session.scalar(
        select(Member).where(func.lower(Member.email) == (auditor_email or "").strip().lower())
    )
    if auditor is None:
        raise AuditorError(
            "No account has that email address. Ask the auditor to create an account first.",
            "auditor_email",
        )
    if auditor.id == member.id:
        raise AuditorError("A budget holder cannot audit their own budget.", "auditor_email")
    if not roles.is_budget_holder(member):
        raise AuditorError("Choose an approved budget holder.", "member_id")
    if until < clock.london_today(now):
        raise AuditorError("The last day must be today or later.", "until")
    organisation = (organisation or "").strip()
    if not organisation:
        raise AuditorError("Say who the auditor works for.", "organisation")
    found = AuditorGrant(
        auditor_id=auditor.id,
        member_id=member.id,
        organisation=organisation[:120],
        until=until,
        granted_by_id=by.id,
        granted_at=now,
    )
    db.session.add(found)
    db.session.flush()
    return found


def waiting_for(member: Member) -> list[AuditorGrant]:
    """Requests for access to this budget holder's returns, and those in force, for them."""
    return list(
        db.session.scalars(
            select(AuditorGrant)
            .where(AuditorGrant.member_id == member.id, AuditorGrant.ended_at.is_(None))
            .order_by(AuditorGrant.granted_at.desc())
        )
    )


def _own(member: Member, grant_id: int) -> AuditorGrant | None:
    return db.session.scalar(
        select(AuditorGrant).where(AuditorGrant.id == grant_id, AuditorGrant.member_id == member.id)
    )


def agree(member: Member, grant_id: int, now: datetime | None = None) -> AuditorGrant | None:
    """The budget holder agrees to an auditor seeing their returns (None if not theirs)."""
    found = _own(member, grant_id)
    if found is not None and found.agreed_at is None and found.ended_at is None:
        found.agreed_at = now or clock.now()
    return found


def end(member: Member, grant_id: int, now: datetime | None = None) -> AuditorGrant | None:
    """The budget holder says no, or ends access early (None if not theirs)."""
    found = _own(member, grant_id)
    if found is not None and found.ended_at is None:
        found.ended_at = now or clock.now()
    return found


def grants_of(auditor: Member | None, now: datetime | None = None) -> list[AuditorGrant]:
    """The grants in force for this auditor: exactly the budget holders they may see."""
    if auditor is None or not auditor.is_authenticated:
        return []
    found = db.session.scalars(
        select(AuditorGrant).where(AuditorGrant.auditor_id == auditor.id).order_by(AuditorGrant.id)
    )
    return [g for g in found if is_in_force(g, now)]


def grant_for(auditor: Member | None, member_id: int) -> AuditorGrant | None:
    """The grant in force that lets this auditor see this budget holder, if there is one."""
    return next((g for g in grants_of(auditor) if g.member_id == member_id), None)


def is_auditor(actor: Member | None) -> bool:
    return bool(grants_of(actor))


def log_view(found: AuditorGrant, what: str, now: datetime | None = None) -> None:
    """Record that the auditor looked: the one write a read makes, because the issue (and a
    budget holder's trust) asks that every view by an auditor is logged."""
    db.session.add(AuditorView(grant=found, viewed_at=now or clock.now(), what=what[:120]))
    db.session.flush()


def views_of(member: Member) -> list[AuditorView]:
    """Every look any auditor took at this budget holder's returns, newest first."""
    return list(
        db.session.scalars(
            select(AuditorView)
            .join(AuditorGrant)
            .where(AuditorGrant.member_id == member.id)
            .order_by(AuditorView.viewed_at.desc())
        )
    )


def all_grants() -> list[AuditorGrant]:
    return list(db.session.scalars(select(AuditorGrant).order_by(AuditorGrant.granted_at.desc())))
