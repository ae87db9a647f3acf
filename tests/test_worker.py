"""The worker: `make run`'s emails are readable, and the scheduled jobs run once per interval."""

import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coop import clock, create_app, email, worker
from coop.extensions import db as _db
from coop.outbox import OutboxMessage, ScheduledJob
from tests.races import _in_parallel

ROOT = Path(__file__).resolve().parents[1]


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text).group(1)


def _post(client, path: str, data: dict):
    """Submit the form at `path` as a browser would, with the page's CSRF token."""
    return client.post(path, data={**data, "csrf_token": _csrf(client.get(path))})


@pytest.fixture
def make_run_app(tmp_path, monkeypatch):
    """The app as `make run` builds it: development, no MAIL_SERVER, no Redis, a SQLite file."""
    for name in ("MAIL_SERVER", "COOP_ENV", "COOP_REDIS_URL", "COOP_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'coop.db'}")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))  # `make run` makes one in instance/
    app = create_app()
    assert not app.config["MAIL_SERVER"] and not app.config.get("TESTING")
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_a_newcomer_registers_confirms_and_is_approved_on_make_runs_settings(make_run_app):
    app, runner = make_run_app, make_run_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "members",
            "create-secretary",
            "sam@example.org",
            "--name=Sam Secretary",
            "--member-class=carer",
            "--address=1 High Street",
            "--town=Derby",
            "--postcode=DE1 3AB",
            "--password=a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output

    newcomer = app.test_client()
    response = _post(
        newcomer,
        "/register",
        {
            "member_class": "budget_holder",
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "address_line_1": "2 Friar Gate",
            "town": "Derby",
            "postcode": "DE1 1DA",
            "password": "another long password",
            "password_confirm": "another long password",
            "agree": "y",
        },
    )
    assert response.status_code == 302, response.text

    # The confirmation email is on the development mail page, its link a link.
    mail = newcomer.get("/dev/mail").text
    assert "Confirm your email address" in mail
    link = re.search(r'<a class="govuk-link" href="https?://[^/"]+(/confirm/[^"]+)"', mail)[1]
    assert "Confirm my email address" in newcomer.get(link).text
    assert "Email address confirmed" in _post(newcomer, link, {}).text

    secretary = app.test_client()
    _post(secretary, "/login", {"email": "sam@example.org", "password": "a long enough password"})
    waiting = secretary.get("/secretary/applications").text
    application = re.search(r'href="(/secretary/applications/\d+)"', waiting)[1]
    response = _post(secretary, application, {"decision": "approve", "reason": ""})
    assert response.status_code == 302, response.text
    assert "There are no applications waiting" in secretary.get(response.location).text

    # The worker prints each email in its terminal, since no mail server is set.
    output = runner.invoke(args=["worker", "--once"]).output
    assert "Email 1 to ada@example.org\nSubject: Confirm your email address" in output
    assert "Subject: You are now a member" in output and "Your member number is" in output
    assert "Sent 2 emails." in output
    assert "You are now a member" in newcomer.get("/dev/mail").text
    with app.app_context():
        assert all(m.sent_at for m in _db.session.scalars(select(OutboxMessage)))


def test_production_without_a_mail_server_keeps_every_email(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    email.send("dee@example.org", "Hello", "Kept until there is somewhere to send it.")
    db.session.commit()
    delivery, _reports = worker.run_once()
    assert (delivery.sent, delivery.held) == (0, 1)
    assert db.session.scalar(select(OutboxMessage)).sent_at is None


def test_each_scheduled_job_runs_once_per_interval(app, db):
    start = clock.now()
    runs = []
    jobs = (
        worker.Job("often", timedelta(minutes=5), lambda: runs.append("often") or "ran"),
        worker.Job("hourly", timedelta(hours=1), lambda: runs.append("hourly") or "ran"),
    )
    assert worker.run_due_jobs(start, jobs) == ["often: ran", "hourly: ran"]
    assert worker.run_due_jobs(start + timedelta(minutes=4), jobs) == []
    assert worker.run_due_jobs(start + timedelta(minutes=5), jobs) == ["often: ran"]
    assert worker.run_due_jobs(start + timedelta(hours=1), jobs) == ["often: ran", "hourly: ran"]
    assert runs == ["often", "hourly", "often", "often", "hourly"]


def test_a_failing_job_is_recorded_and_the_others_still_run(app, db):
    def broken():
        email.send("dee@example.org", "Half done", "This change is rolled back.")
        raise RuntimeError("the listing has gone")

    jobs = (
        worker.Job("broken", timedelta(minutes=5), broken),
        worker.Job("fine", timedelta(minutes=5), lambda: "ran"),
    )
    assert worker.run_due_jobs(clock.now(), jobs) == [
        "broken: Failed: the listing has gone",
        "fine: ran",
    ]
    assert db.session.get(ScheduledJob, "broken").last_result == "Failed: the listing has gone"
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_the_worker_runs_the_jobs_that_were_cron_lines(app, db, runner):
    output = runner.invoke(args=["worker", "--once"]).output
    for line in (
        "voting send-notices: Sent 0 opening, 0 reminder and 0 result emails.",
        "marketplace process-waitlist: Offered 0 places; emailed 0.",
        "marketplace check-insurance: Told 0 providers their insurance has run out.",
        "marketplace generate-sessions: Made 0 new sessions.",
        "marketplace expire-card-holds: Let 0 unpaid card holds go.",
        "payments send-refunds: Card payments are not set up.",
    ):
        assert line in output
    assert "voting send-notices" not in runner.invoke(args=["worker", "--once"]).output
    # The commands still work by hand.
    assert "Made 0 new sessions." in runner.invoke(args=["marketplace", "generate-sessions"]).output


def test_workers_at_once_start_a_job_once(app, db):
    """Real threads, each with its own database connection, lined up on a barrier."""
    runs = []
    job = worker.Job("once", timedelta(minutes=5), lambda: runs.append(1) or "ran")
    now = clock.now()
    db.session.close()

    def one_worker(_i, barrier):
        with app.app_context():
            barrier.wait()
            return worker.run_due_jobs(now, (job,))

    _in_parallel(4, one_worker)
    assert runs == [1]


def test_make_run_starts_the_worker_beside_the_server():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "flask worker" in recipe and "flask run" in recipe
