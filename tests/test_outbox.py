"""The outbox: emails stored with their change, sent by the worker, never lost, sent once."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from coop import clock, email, outbox
from coop.outbox import OutboxMessage
from tests.conftest import SmtpHandler, _free_port, deliver_outbox
from tests.members.test_views import GOOD
from tests.pages import error_summary, page
from tests.races import _in_parallel

#: A good application to join (the members tests' own).
APPLICANT = GOOD


def stored(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_email_is_kept_only_if_its_change_is(db, make_member):
    email.send("dee@example.org", "Kept", "This one is committed.")
    db.session.commit()
    email.send("dee@example.org", "Dropped", "Its change is rolled back.")
    db.session.rollback()
    assert [m.subject for m in stored(db)] == ["Kept – Together Co-op"]


def test_a_registration_stores_its_email_and_sends_nothing_itself(app, db, client, mailbox):
    response = client.post("/register", data=APPLICANT)
    assert response.status_code == 302
    [message] = stored(db)
    assert message.recipient == "dee@example.org" and message.sent_at is None
    assert message.attempts == 0  # the request never spoke to the mail server
    assert mailbox.received == []
    assert [m["To"] for m in mailbox.messages] == ["dee@example.org"]  # the worker sends it


def test_a_page_answers_while_the_mail_server_is_down(app, db, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nothing listens there
    assert client.post("/register", data=APPLICANT).status_code == 302
    assert client.post("/reset-password", data={"email": "dee@example.org"}).status_code == 200
    assert [m.attempts for m in stored(db)] == [0, 0]


def _run_worker(runner, now):
    """`flask worker --once`, as it would run at `now`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: now)
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_stopped_mail_server_loses_nothing_and_each_email_arrives_once(
    app, db, client, runner, make_member, monkeypatch
):
    handler = SmtpHandler()
    port = _free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    server.stop()  # the co-op's mail server goes down
    monkeypatch.setitem(app.config, "MAIL_PORT", port)

    make_member(email="eve@example.org")
    client.post("/register", data=APPLICANT)
    client.post("/reset-password", data={"email": "dee@example.org"})
    client.post("/reset-password", data={"email": "eve@example.org"})
    start = clock.now()

    output = _run_worker(runner, start)
    assert "Sent 0 emails; 3 could not be sent yet and will be tried again." in output
    messages = stored(db)
    assert [m.attempts for m in messages] == [1, 1, 1]
    assert all("Could not reach the mail server" in m.last_error for m in messages)
    assert all(m.due_at == start + timedelta(minutes=1) for m in messages)

    # Before the back-off has passed nothing is tried; after it, each try waits twice as long.
    assert "Sent 0 emails." in _run_worker(runner, start + timedelta(seconds=30))
    assert [m.attempts for m in stored(db)] == [1, 1, 1]
    _run_worker(runner, start + timedelta(minutes=1))
    messages = stored(db)
    assert [m.attempts for m in messages] == [2, 2, 2]
    assert all(m.due_at == start + timedelta(minutes=3) for m in messages)
    assert handler.received == [] and all(m.sent_at is None for m in messages)

    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()  # back up
    try:
        assert "Sent 3 emails." in _run_worker(runner, start + timedelta(minutes=3))
        assert "Sent 0 emails." in _run_worker(runner, start + timedelta(days=1))
    finally:
        server.stop()
    subjects = sorted((m["To"], m["Subject"].split(" – ")[0]) for m in handler.received)
    assert subjects == [
        ("dee@example.org", "Confirm your email address"),
        ("dee@example.org", "Reset your password"),
        ("eve@example.org", "Reset your password"),
    ]
    assert len({m["Message-ID"] for m in handler.received}) == 3
    assert all(m.sent_at is not None and m.last_error is None for m in stored(db))


def test_a_refused_email_is_kept_and_sent_once_the_server_takes_it(
    app, db, runner, mailbox, monkeypatch
):
    calendar = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    email.send(
        "asha@example.org",
        "Booked: Swim",
        "See you there.",
        (("B1.ics", "text/calendar", calendar),),
    )
    db.session.commit()
    monkeypatch.setattr(mailbox.server, "refuse_with", "554 Not today")
    assert "could not be sent yet" in _run_worker(runner, clock.now())
    [message] = stored(db)
    assert message.attempts == 1 and "554" in message.last_error and message.sent_at is None
    monkeypatch.setattr(mailbox.server, "refuse_with", None)
    assert "Sent 1 email." in _run_worker(runner, clock.now() + timedelta(minutes=1))
    [received] = mailbox.received
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "B1.ics"
    assert attachment.get_content() in (calendar, calendar.decode())


def test_a_line_break_in_a_subject_never_makes_an_email_unsendable(db, mailbox):
    email.send("asha@example.org", "Booked: Swim\r\nBcc: eve@example.org", "Hello")
    db.session.commit()
    [message] = mailbox.messages
    assert message["Subject"] == "Booked: Swim Bcc: eve@example.org – Together Co-op"
    assert message["Bcc"] is None


def test_two_workers_at_once_send_each_email_once(app, db, mailbox):
    """Real threads, each a worker with its own database connection, lined up on a barrier.

    On PostgreSQL they contend through SKIP LOCKED and the conditional claim; on the suite's
    SQLite file, through BEGIN IMMEDIATE."""
    for n in range(40):
        email.send(f"member{n}@example.org", f"Notice {n}", "Hello")
    db.session.commit()
    db.session.close()

    def worker(_i, barrier):
        barrier.wait()
        return deliver_outbox(app, everything=False)

    results = _in_parallel(4, worker)
    assert sum(result.sent for result in results) == 40
    subjects = sorted(m["Subject"] for m in mailbox.received)
    assert subjects == sorted(f"Notice {n} – Together Co-op" for n in range(40))
    assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "Dee\r\nBcc: eve@example.org", "Full name must be on one line"),
        ("name", "Dee\nCarer", "Full name must be on one line"),
        ("town", "Derby\rBcc", "Town or city must be on one line"),
    ],
)
def test_one_line_fields_refuse_line_breaks(app, db, client, field, value, message):
    response = client.post("/register", data=dict(APPLICANT, **{field: value}))
    assert response.status_code == 200
    assert any(text.startswith(message) for _id, text in error_summary(page(response)))
    assert stored(db) == []


def test_a_listing_title_refuses_line_breaks_and_a_description_keeps_them(app):
    from coop.marketplace.listing_forms import ListingForm

    with app.test_request_context(method="POST"):
        form = ListingForm(
            formdata=MultiDict({"title": "Swim\r\nBcc: eve@example.org", "description": "A\nB"})
        )
        form.validate()
    assert form.title.errors[-1] == "Title must be on one line: remove the line break"
    assert not any("one line" in error for error in form.description.errors)


# --- The development mail page -------------------------------------------------------------


def test_the_development_mail_page_shows_each_email_with_its_links(app, db, client):
    client.post("/register", data=APPLICANT)
    body = page(client.get("/dev/mail"))
    assert "Confirm your email address – Together Co-op" in body
    assert "dee@example.org" in body and "Not yet" in body
    link = outbox.recent()[0].body.split("open this link:\n\n")[1].split()[0]
    assert f'<a class="govuk-link" href="{link}">{link}</a>' in body


def test_the_mail_page_escapes_what_an_email_says(app, db, client):
    email.send("dee@example.org", "<b>Hi</b>", 'Go to http://x.example/"><script>alert(1)</script>')
    db.session.commit()
    body = page(client.get("/dev/mail"))
    assert "<script>" not in body and "<b>Hi</b>" not in body
    assert "&lt;b&gt;Hi&lt;/b&gt;" in body


def test_the_mail_page_is_not_found_in_production(app, client, monkeypatch):
    assert client.get("/dev/mail").status_code == 200
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    assert client.get("/dev/mail").status_code == 404


@pytest.mark.parametrize(
    "environ",
    [
        {"REMOTE_ADDR": "192.0.2.7"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.7"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=192.0.2.7"},
    ],
)
def test_the_mail_page_is_only_for_a_browser_on_the_same_computer(app, client, environ):
    assert client.get("/dev/mail", environ_base=environ).status_code == 404
