"""Incidents: recorded by a coordinator or a carer; those the regulator must be told of are
flagged with a draft notification and listed until marked sent."""

from datetime import date, datetime

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.members.models import Member
from coop.shared_lives import service
from coop.shared_lives.models import Household, Incident, IncidentKind


def record(
    household: Household,
    kind: IncidentKind,
    happened_on: date,
    description: str,
    by: Member,
    now: datetime | None = None,
) -> Incident:
    if not service.can_act_for_household(by, household):
        raise service.SharedLivesError("Only the household or a coordinator can record this.")
    if not (description or "").strip():
        raise service.SharedLivesError("Describe what happened", "description")
    now = now or clock.now()
    if happened_on > clock.london_today(now):
        raise service.SharedLivesError("The date must be today or in the past", "happened_on")
    incident = Incident(
        household_id=household.id,
        kind=kind,
        happened_on=happened_on,
        description=description.strip(),
        reported_by_id=by.id,
        reported_at=now,
    )
    db.session.add(incident)
    db.session.flush()
    return incident


def to_notify() -> list[Incident]:
    """Notifiable incidents not yet marked as sent to the regulator, oldest first."""
    notifiable = [kind for kind in IncidentKind if kind.notifiable]
    return list(
        db.session.scalars(
            select(Incident)
            .where(Incident.kind.in_(notifiable), Incident.notification_sent_on.is_(None))
            .order_by(Incident.happened_on, Incident.id)
        )
    )


def draft_notification(incident: Incident, site_name: str) -> str:
    """A notification to copy into the regulator's form; no needs or health details."""
    return (
        f"Notification of {incident.kind.label.lower()}\n"
        f"Provider: {site_name} Shared Lives scheme\n"
        f"Carer household: {incident.household.name}, {incident.household.postcode}\n"
        f"Date of the incident: {clock.format_date(incident.happened_on)}\n"
        f"Reported to the scheme by {incident.reported_by.name} on "
        f"{clock.format_moment(incident.reported_at)}\n\n"
        f"What happened:\n{incident.description}\n"
    )


def mark_sent(incident: Incident, by: Member, sent_on: date) -> Incident:
    if not service.can_coordinate(by):
        raise service.SharedLivesError("Only a coordinator can mark a notification as sent.")
    if not incident.kind.notifiable:
        raise service.SharedLivesError("This incident does not need a notification.")
    incident.notification_sent_on = sent_on
    db.session.flush()
    return incident
