"""Fixtures shared by the whole suite: the app on each database, a mail server, factories."""

import email
import email.policy
import functools
import os
import re
import socket
from contextlib import nullcontext
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from flask import current_app, has_app_context
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text

from coop import clock, create_app
from coop.config import TestingConfig, database_url
from coop.extensions import db as _db
from coop.extensions import limiter

PASSWORD = "correct horse battery"

#: The real server and browsers that race tests share (fixtures `pg_app`, `server`).
pytest_plugins = ["tests.races", "tests.stripe_server"]

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (.ci/run sets "ci"). Neither has a
# deadline: a timed assertion proves nothing on two busy cores. "dev" draws new random
# examples each run, so working on the code keeps exploring. "ci" draws the same examples
# every run (derandomize), so a red CI is reproducible and a green one is not luck; it keeps
# Hypothesis's 100 examples a test (tests that ask for more, such as the tally's 300, keep
# theirs), enough to find the small counter-examples these properties are about.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpHandler:
    """The test SMTP server's handler: what it has received, and whether it refuses mail."""

    received: list = field(default_factory=list)
    #: When set, the server refuses each message with this SMTP reply, e.g. "554 No thanks".
    refuse_with: str | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)
        return "250 OK"


@dataclass
class Mailbox:
    """What the test SMTP server has received.

    Emails go into the outbox and the worker sends them. Reading ``messages`` (or ``to``,
    ``link``) first runs the worker over the whole outbox, as if it had run since; ``received``
    is what has arrived without running it.
    """

    server: SmtpHandler
    #: Sends the outbox for the test's app.
    deliver: object = None

    @property
    def received(self) -> list:
        return self.server.received

    @property
    def messages(self) -> list:
        if self.deliver is not None:
            self.deliver()
        return self.server.received

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    def body(self, message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, address: str, path_fragment: str) -> str:
        """The path of the last link containing `path_fragment` emailed to `address`."""
        for message in reversed(self.to(address)):
            found = re.findall(
                r"https?://[^/\s]+(\S*" + re.escape(path_fragment) + r"\S*)", self.body(message)
            )
            if found:
                return found[-1]
        raise AssertionError(f"No email to {address} with a link containing {path_fragment}")


def deliver_outbox(app, *, everything: bool = True):
    """Run the worker's sending over the outbox once: every unsent message, or (with
    ``everything=False``) those due now. In the app context already open, if it is this app's
    (its session's work is committed first, as the end of a request would), else in a new one."""
    from coop import outbox

    here = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if here else app.app_context():
        return outbox.deliver_due(everything=everything)


@pytest.fixture(scope="session")
def mailbox_server():
    controller = Controller(SmtpHandler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(mailbox_server, app) -> Mailbox:
    mailbox_server.handler.received.clear()
    mailbox_server.handler.refuse_with = None
    return Mailbox(mailbox_server.handler, functools.partial(deliver_outbox, app))


@functools.cache
def postgres_url() -> str | None:
    """This test process's PostgreSQL database: COOP_TEST_DATABASE_URL itself, or under
    pytest-xdist one database per worker beside it (coop_test_gw0, ...), made when needed."""
    url = os.environ.get("COOP_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def postgres_test_url() -> str:
    """This process's PostgreSQL URL; without one the test skips, or fails under
    COOP_REQUIRE_POSTGRES=1."""
    url = postgres_url()
    if not url:
        if os.environ.get("COOP_REQUIRE_POSTGRES") == "1":
            pytest.fail("COOP_REQUIRE_POSTGRES=1 but COOP_TEST_DATABASE_URL is not set")
        pytest.skip(reason="COOP_TEST_DATABASE_URL is not set, so the PostgreSQL run is skipped")
    return url


def _reset_postgres(url: str) -> None:
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def _app(request, tmp_path_factory, mailbox_server):
    """One app per database, its schema built by the real migrations."""
    if request.param == "postgresql":
        url = postgres_test_url()
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'coop-test.db'}"
    config = TestingConfig(url)
    config.MAIL_SERVER = "127.0.0.1"
    config.MAIL_PORT = mailbox_server.port
    config.MAIL_SUPPRESS_SEND = False  # Flask-Mail would skip sending under TESTING
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    app.config["BACKEND"] = request.param
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def empty_tables(app) -> None:
    """Delete every row, so the next test starts from an empty database."""
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(_app):
    """The app, with every table emptied and rate limits reset after the test."""
    yield _app
    empty_tables(_app)
    limiter.reset()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email_address: str, password: str = PASSWORD):
        response = self.client.post("/login", data={"email": email_address, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def make_member(app):
    """Create a member: `make_member(member_class="carer", status="approved", secretary=False)`.

    Only public service functions: an approved member is admitted with no one approving them,
    and a rejected one is turned down by a secretary made for it (registrar@example.org).
    """
    from coop.members import service
    from coop.members.models import Member, MemberClass

    counter = {"n": 0}
    made: dict = {}

    def registrar(now):
        """The secretary who turns down rejected applicants, made for the first of them."""
        if "registrar" not in made:
            secretary = service.apply(
                service.Application(
                    member_class=MemberClass.CARER,
                    name="Rita Registrar",
                    email="registrar@example.org",
                    password=PASSWORD,
                    address_line_1="1 High Street",
                    town="Derby",
                    postcode="DE1 3AB",
                ),
                now=now,
            )
            made["registrar"] = service.make_secretary(secretary, now).id
        return _db.session.get(Member, made["registrar"])

    def make(
        member_class: str = "budget_holder",
        status: str = "approved",
        *,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
        confirmed: bool = True,
        secretary: bool = False,
        organisation_name: str | None = None,
    ):
        counter["n"] += 1
        n = counter["n"]
        # Inside the `db` fixture's app context, use its session (a second one would wait on
        # SQLite's write lock); otherwise open a context and hand back a detached member.
        own_context = not has_app_context()
        with app.app_context() if own_context else nullcontext():
            now = clock.now()
            member = service.apply(
                service.Application(
                    member_class=MemberClass(member_class),
                    name=name or f"Member {n}",
                    email=email or f"member{n}@example.org",
                    password=password,
                    address_line_1=f"{n} High Street",
                    town="Derby",
                    postcode="DE1 3AB",
                    organisation_name=organisation_name
                    or (f"Provider {n} Ltd" if member_class == "provider" else None),
                ),
                now=now,
            )
            if confirmed or secretary:
                service.confirm_email(member, now)
            if secretary:
                service.make_secretary(member, now)
            elif status == "approved" or status == "left":
                service.admit(member, now, None)
                if status == "left":
                    service.leave(member, now)
            elif status == "rejected":
                service.reject(member, registrar(now), "Not eligible", now)
            _db.session.commit()
            _db.session.refresh(member)
            _ = member.offices  # load, so it can be read after the session ends
            if own_context:
                _db.session.expunge(member)
        return member

    return make


@pytest.fixture
def secretary(make_member):
    """Sam, the co-op's secretary."""
    return make_member(secretary=True, name="Sam Secretary", email="secretary@example.org")
