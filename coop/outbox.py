"""The email outbox: messages stored with the change that causes them, delivered by the worker."""

from __future__ import annotations

import base64
import smtplib
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, CheckConstraint, Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from coop import clock
from coop.database import UTCDateTime
from coop.extensions import db

#: The first retry waits this long; each further one waits twice as long as the last ...
FIRST_RETRY = timedelta(minutes=1)
#: ... up to this, and then tries at this interval until the message goes: none is dropped.
LONGEST_RETRY = timedelta(hours=1)
#: A worker holds the messages it took for this long. Were it to die mid-send, another worker
#: takes them after this; SMTP_TIMEOUT_SECONDS keeps a live worker's sending well inside it.
CLAIM_LEASE = timedelta(minutes=15)
#: How many messages one worker takes at a time.
BATCH = 10
#: Seconds an SMTP connection waits on the server before the attempt counts as failed.
SMTP_TIMEOUT_SECONDS = 30


class OutboxMessage(db.Model):
    """One email, written in the transaction that causes it and sent later by the worker."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_messages_unsent", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    #: [{"filename", "content_type", "data" (base64)}], e.g. a booking's calendar file.
    attachments: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the worker may next try to send it: now for a new message, later after a failure.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set while a worker is sending it; another worker leaves it alone until this time.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Tries so far, counted when a worker takes the message.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Why the last try failed (the SMTP server's answer, or that it could not be reached).
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def attachment_names(self) -> list[str]:
        return [item["filename"] for item in self.attachments]


class ScheduledJob(db.Model):
    """When the worker next runs one of its scheduled jobs; shared by every worker, so a job
    runs once per interval however many workers there are."""

    __tablename__ = "outbox_scheduled_jobs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the last run reported ("Made 3 new sessions.") or the error it stopped with.
    last_result: Mapped[str | None] = mapped_column(Text)


def enqueue(
    to: str, subject: str, body: str, attachments: tuple = (), now: datetime | None = None
) -> OutboxMessage:
    """Add a message to the current transaction; it exists only if the caller commits."""
    now = now or clock.now()
    message = OutboxMessage(
        recipient=to,
        # A line break in a header would make the message unsendable: never store one.
        subject=" ".join(subject.split()),
        body=body,
        attachments=[
            {
                "filename": filename,
                "content_type": content_type,
                "data": base64.b64encode(data).decode("ascii"),
            }
            for filename, content_type, data in attachments
        ],
        created_at=now,
        due_at=now,
        attempts=0,
    )
    db.session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the given number of failed tries: 1, 2, 4 ... 60 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass
class Delivery:
    """What one run of :func:`deliver_due` did."""

    sent: int = 0
    failed: int = 0
    #: Messages left waiting because this server has nowhere to send them (production
    #: without MAIL_SERVER).
    held: int = 0


def _waiting(now: datetime, everything: bool = False):
    conditions = [
        OutboxMessage.sent_at.is_(None),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    ]
    if not everything:
        conditions.append(OutboxMessage.due_at <= now)
    return conditions


def claim(now: datetime, limit: int = BATCH, everything: bool = False) -> list[int]:
    """Take up to ``limit`` messages that are due, for this worker alone, and commit.

    On PostgreSQL, SKIP LOCKED passes over rows another worker is taking at the same moment;
    the conditional UPDATE is the guard on every database (SQLite serialises writers with
    BEGIN IMMEDIATE), and RETURNING says exactly which rows this worker won.
    """
    candidates = (
        select(OutboxMessage.id)
        .where(*_waiting(now, everything))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.commit()
        return []
    won = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), *_waiting(now, everything))
        .values(claimed_until=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(won)


def _finish(message_id: int, now: datetime, error: str | None) -> None:
    """Record one try: sent, or failed and due again after the back-off."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    message.claimed_until = None
    if error is None:
        message.sent_at = now
        message.last_error = None
    else:
        message.last_error = error[:2000]
        message.due_at = now + retry_delay(message.attempts)
    db.session.commit()


def deliver_due(now: datetime | None = None, *, everything: bool = False) -> Delivery:
    """Send every message that is due, in batches, and record each one's outcome.

    Commits the current session first, as the end of a request would. ``everything`` sends
    messages still waiting out a back-off too (tests use it to read their mailbox).
    """
    now = now or clock.now()
    db.session.commit()
    done = Delivery()
    config = current_app.config
    if not config.get("MAIL_SERVER") and config.get("PRODUCTION"):
        done.held = db.session.scalar(
            select(db.func.count()).select_from(OutboxMessage).where(*_waiting(now, everything))
        )
        if done.held:
            current_app.logger.error(
                "MAIL_SERVER is not set: %s emails are kept in the outbox until it is", done.held
            )
        return done
    while ids := claim(now, everything=everything):
        messages = [
            Outgoing.of(message)
            for message in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
            )
        ]
        # End the transaction before talking to the mail server: on SQLite an open one
        # holds the write lock, and every request would wait on SMTP.
        db.session.commit()
        outcomes = _send_batch(messages)
        for message_id in ids:
            error = outcomes.get(message_id, "not tried")
            _finish(message_id, now, error)
            if error is None:
                done.sent += 1
            else:
                done.failed += 1
        if done.failed:
            break  # the server is unwell: leave the rest for the next run
    return done


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, read out of the database so that sending holds no transaction."""

    id: int
    recipient: str
    subject: str
    body: str
    attachments: tuple
    created_at: datetime

    @classmethod
    def of(cls, message: OutboxMessage) -> Outgoing:
        return cls(
            id=message.id,
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            attachments=tuple(
                (item["filename"], item["content_type"], base64.b64decode(item["data"]))
                for item in message.attachments
            ),
            created_at=message.created_at,
        )


def _send_batch(messages: list[Outgoing]) -> dict[int, str | None]:
    """Send each message; {id: None if sent, else why not}."""
    if not current_app.config.get("MAIL_SERVER"):
        for message in messages:
            _print(message)
        return {message.id: None for message in messages}
    outcomes: dict[int, str | None] = {}
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Could not reach the mail server: %s", error)
        return {message.id: f"Could not reach the mail server: {error}" for message in messages}
    try:
        for message in messages:
            try:
                _send_one(connection, message)
            except smtplib.SMTPServerDisconnected as error:
                outcomes[message.id] = f"The mail server hung up: {error}"
                break
            except (OSError, smtplib.SMTPException, ValueError) as error:
                current_app.logger.warning(
                    "The mail server refused email %s: %s", message.id, error
                )
                outcomes[message.id] = f"The mail server refused it: {error}"
            else:
                outcomes[message.id] = None
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return outcomes


def _connect() -> smtplib.SMTP:
    config = current_app.config
    kind = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    connection = kind(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    if config.get("MAIL_USE_TLS"):
        connection.starttls()
    if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def _send_one(connection: smtplib.SMTP, message: Outgoing) -> None:
    from flask_mail import Message, email_dispatched

    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    mail = Message(subject=message.subject, recipients=[message.recipient], body=message.body)
    # The same Message-ID on every try, so a receiving server can tell a repeat.
    mail.msgId = f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{sender.split('@')[-1]}>"
    for filename, content_type, data in message.attachments:
        mail.attach(filename, content_type, data)
    if mail.has_bad_headers():
        raise ValueError("a header holds a line break")
    connection.sendmail(sender, [message.recipient], mail.as_bytes())
    email_dispatched.send(current_app._get_current_object(), message=mail)


def _print(message: Outgoing) -> None:
    """Development without MAIL_SERVER: the email goes to the worker's console."""
    lines = [
        "-" * 72,
        f"Email {message.id} to {message.recipient}",
        f"Subject: {message.subject}",
        *(f"Attached: {filename}" for filename, _type, _data in message.attachments),
        "",
        message.body.rstrip(),
        "-" * 72,
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def recent(limit: int = 100) -> list[OutboxMessage]:
    """The newest messages, sent or not, for the development mail page."""
    return list(
        db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )
