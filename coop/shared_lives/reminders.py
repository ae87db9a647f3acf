"""Reminders of what falls due: each one emailed once, by `flask shared-lives send-reminders`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.email import external_url, send
from coop.extensions import db
from coop.members.models import Member, Office, Officer
from coop.shared_lives import due, service
from coop.shared_lives.models import Household, ReminderSent


def coordinators() -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .join(Officer, Officer.member_id == Member.id)
            .where(Officer.office == Office.SHARED_LIVES_COORDINATOR, Officer.ended_on.is_(None))
        )
    )


def claim(item: due.DueItem, now: datetime) -> bool:
    """Record that this reminder is sent; False if it was already (the UNIQUE key decides)."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(key=item.reminder_key, sent_at=now))
    except IntegrityError:
        return False
    return True


def recipients(item: due.DueItem) -> list[str]:
    """The household's carers for its own checks; the coordinators for arrangement reviews."""
    if item.key.startswith("household:"):
        household = db.session.get(Household, item.household_id)
        return [carer.member.email for carer in household.carers]
    return [member.email for member in coordinators()]


def send_reminders(today: date | None = None, now: datetime | None = None) -> int:
    """Email every reminder of something overdue or due in the next 30 days, once each.

    The reminder is claimed and committed before it is sent, so two runs at once never send
    it twice; a failed email gives up its claim so the next run tries again.
    """
    now = now or clock.now()
    today = today or clock.london_today(now)
    overdue, soon = due.falling_due(service.everything_due(today), today)
    sent = 0
    for item in overdue + soon:
        if db.session.scalar(select(ReminderSent.id).where(ReminderSent.key == item.reminder_key)):
            continue
        if not claim(item, now):
            continue
        db.session.commit()
        state = "was due" if item.overdue(today) else "falls due"
        body = (
            f"The {item.what} for {item.subject} {state} on {clock.format_date(item.due_on)}.\n\n"
            f"See what falls due: {external_url('shared_lives.start')}\n"
        )
        delivered = all(
            send(address, f"Shared Lives: {item.what} {state}", body)
            for address in recipients(item)
        )
        if delivered:
            sent += 1
        else:
            db.session.execute(
                ReminderSent.__table__.delete().where(ReminderSent.key == item.reminder_key)
            )
            db.session.commit()
    return sent
