"""The worker: sends the email outbox and runs the scheduled jobs, in one process."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from coop import clock, outbox
from coop.extensions import db
from coop.marketplace import cli as marketplace_jobs
from coop.outbox import ScheduledJob
from coop.payments import cli as payments_jobs
from coop.shared_lives import cli as shared_lives_jobs
from coop.support import cli as support_jobs
from coop.support import pool_cli as pool_jobs
from coop.voting import cli as voting_jobs

#: Seconds between looks at the outbox and the schedule when there is nothing to do.
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Job:
    """A job the worker runs every ``every``: the same code as its `flask` command."""

    name: str
    every: timedelta
    run: Callable[[], str]


#: What once took a list of cron lines. Each job is safe to run twice at once (notices and
#: lapse notices are claimed in the database, offers expire with a conditional update), and
#: the shared schedule starts each one once per interval however many workers there are.
JOBS = (
    Job("voting send-notices", timedelta(minutes=5), voting_jobs.send_notices_now),
    Job("voting earmark-surplus", timedelta(minutes=15), voting_jobs.earmark_surplus_now),
    Job(
        "marketplace process-waitlist", timedelta(minutes=5), marketplace_jobs.process_waitlist_now
    ),
    Job(
        "marketplace expire-card-holds",
        timedelta(minutes=1),
        marketplace_jobs.expire_card_holds_now,
    ),
    Job("payments send-refunds", timedelta(minutes=5), payments_jobs.send_refunds_now),
    Job("marketplace check-insurance", timedelta(hours=1), marketplace_jobs.check_insurance_now),
    Job(
        "marketplace generate-sessions", timedelta(hours=6), marketplace_jobs.generate_sessions_now
    ),
    Job("shared-lives send-reminders", timedelta(days=1), shared_lives_jobs.send_reminders_now),
    Job("support tell-banks", timedelta(minutes=1), support_jobs.tell_banks_now),
    Job("support flag-unfilled", timedelta(minutes=5), support_jobs.flag_unfilled_now),
    Job("support extend-calendars", timedelta(hours=6), support_jobs.extend_calendars_now),
    Job("pools settle-leavers", timedelta(hours=1), pool_jobs.settle_leavers_now),
)


def claim_job(job: Job, now: datetime) -> bool:
    """True if this worker is to run the job now: it was due, and no other worker took it."""
    if db.session.get(ScheduledJob, job.name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledJob(name=job.name, next_run_at=now))
        except IntegrityError:
            pass  # another worker added it at the same moment
    won = db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at <= now)
        .values(next_run_at=now + job.every, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return won == 1


def run_due_jobs(now: datetime | None = None, jobs=JOBS) -> list[str]:
    """Run each job whose time has come; what each said, or why it failed."""
    now = now or clock.now()
    reports = []
    for job in jobs:
        if not claim_job(job, now):
            continue
        try:
            result = job.run()
        except Exception as error:  # noqa: BLE001 - one job's failure must not stop the others
            db.session.rollback()
            current_app.logger.exception("The scheduled job %r failed", job.name)
            result = f"Failed: {error}"
        db.session.get(ScheduledJob, job.name).last_result = result
        db.session.commit()
        reports.append(f"{job.name}: {result}")
    return reports


def run_once(now: datetime | None = None) -> tuple[outbox.Delivery, list[str]]:
    """One turn of the worker: the jobs that are due (they may add emails), then the outbox."""
    reports = run_due_jobs(now)
    return outbox.deliver_due(now), reports


def run_forever(echo: Callable[[str], None], poll: float = POLL_SECONDS) -> None:
    """Turn until told to stop (Ctrl-C or SIGTERM), finishing the message in hand first."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    echo("The worker is sending the outbox and running the scheduled jobs. Ctrl-C stops it.")
    while not stop.is_set():
        try:
            delivery, reports = run_once()
        except Exception:  # noqa: BLE001 - the database may be down a while; try again
            db.session.rollback()
            current_app.logger.exception("The worker could not finish a turn")
            delivery, reports = outbox.Delivery(), []
        for report in reports:
            echo(report)
        if delivery.sent or delivery.failed:
            echo(describe(delivery))
        db.session.remove()
        stop.wait(poll)


def describe(delivery: outbox.Delivery) -> str:
    words = f"Sent {delivery.sent} email{'s' if delivery.sent != 1 else ''}"
    if delivery.failed:
        words += f"; {delivery.failed} could not be sent yet and will be tried again"
    if delivery.held:
        words += f"; {delivery.held} wait for MAIL_SERVER to be set"
    return words + "."
