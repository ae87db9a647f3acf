"""Reminders of what falls due and of introductions to answer: each one emailed once, by
`flask shared-lives send-reminders`."""

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


def claim(key: str, now: datetime) -> bool:
    """Record that this reminder is sent; False if it was already (the UNIQUE key decides)."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(key=key, sent_at=now))
    except IntegrityError:
        return False
    return True


def recipients(item: due.DueItem) -> list[str]:
    """The household's carers for its own checks; the coordinators for arrangement reviews."""
    if item.key.startswith("household:"):
        return carers_of(item.household_id)
    return coordinator_emails()


def carers_of(household_id: int) -> list[str]:
    household = db.session.get(Household, household_id)
    return [carer.member.email for carer in household.carers]


def coordinator_emails() -> list[str]:
    return [member.email for member in coordinators()]


def send_once(key: str, addresses: list[str], subject: str, body: str, now: datetime) -> bool:
    """Send one reminder to everyone it is for, once ever. The claim on its key and the emails
    in the outbox commit together, so a reminder is either claimed and on its way or neither;
    two runs at once never send it twice (the second's claim waits on the UNIQUE key, then
    fails)."""
    if db.session.scalar(select(ReminderSent.id).where(ReminderSent.key == key)):
        return False
    if not claim(key, now):
        return False
    for address in addresses:
        send(address, subject, body)
    db.session.commit()
    return True


def send_reminders(today: date | None = None, now: datetime | None = None) -> int:
    """Email every reminder of something overdue or due in the next 30 days, and of each
    introduction's answer falling due or overdue, once each."""
    now = now or clock.now()
    today = today or clock.london_today(now)
    overdue, soon = due.falling_due(service.everything_due(today), today)
    sent = 0
    for item in overdue + soon:
        state = "was due" if item.overdue(today) else "falls due"
        body = (
            f"The {item.what} for {item.subject} {state} on {clock.format_date(item.due_on)}.\n\n"
            f"See what falls due: {external_url('shared_lives.start')}\n"
        )
        sent += send_once(
            item.reminder_key, recipients(item), f"Shared Lives: {item.what} {state}", body, now
        )
    return sent + send_answer_reminders(today, now)


def send_answer_reminders(today: date, now: datetime) -> int:
    """Remind a household, once, that its answer to an introduction is due within a few days;
    tell the coordinators, once, when the time to answer has run out."""
    overdue, soon = service.answers_waiting(today)
    sent = 0
    for introduction in soon:
        link = external_url("shared_lives.introduction", introduction_id=introduction.id)
        body = (
            f"Please say whether you would like to meet {introduction.referral.person_name} "
            f"by {clock.format_date(introduction.respond_by)}.\n\nAnswer here: {link}\n"
        )
        sent += send_once(
            f"introduction:{introduction.id}:answer-by:{introduction.respond_by.isoformat()}",
            carers_of(introduction.household_id),
            "Shared Lives: please answer an introduction",
            body,
            now,
        )
    for introduction in overdue:
        link = external_url("shared_lives.introduction", introduction_id=introduction.id)
        body = (
            f"{introduction.household.name} did not answer the introduction to "
            f"{introduction.referral.person_name} by "
            f"{clock.format_date(introduction.respond_by)}.\n\nSee it here: {link}\n"
        )
        sent += send_once(
            f"introduction:{introduction.id}:overdue:{introduction.respond_by.isoformat()}",
            coordinator_emails(),
            "Shared Lives: an introduction was not answered in time",
            body,
            now,
        )
    return sent
