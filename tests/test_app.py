"""The app as a whole: configuration, health check, security headers, error pages."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import click
import flask
import pytest

from coop import create_app
from coop.config import (
    TEST_SECRET_KEY,
    Config,
    ConfigError,
    TestingConfig,
    instance_secret_key,
)


def test_home_register_and_login_pages_are_served(client):
    for path, heading in [
        ("/", "Together Co-op"),
        ("/register", "Apply to join"),
        ("/login", "Sign in"),
    ]:
        response = client.get(path)
        assert response.status_code == 200
        assert heading in response.get_data(as_text=True)


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_check_fails_when_the_database_is_unreachable(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_security_headers_forbid_inline_script_and_framing(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site_lax(client, auth, make_member):
    member = make_member()
    auth.login(member.email)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize(
    "path, code, words",
    [("/no-such-page", 404, "Page not found"), ("/secretary/register", 302, "")],
)
def test_error_pages_are_in_the_sites_style(client, path, code, words):
    response = client.get(path)
    assert response.status_code == code
    if words:
        body = response.get_data(as_text=True)
        assert words in body and "Skip to main content" in body


def test_a_crash_shows_the_friendly_500_page():
    app = create_app(TestingConfig())

    @app.get("/_boom")
    def _boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "a@b.org", "password": "x" * 12})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)


class TestProductionConfig:
    def test_refuses_to_start_without_a_real_secret_key(self, monkeypatch):
        monkeypatch.setenv("COOP_ENV", "production")
        monkeypatch.setenv("DATABASE_URL", "postgresql://db/coop")
        monkeypatch.delenv("SECRET_KEY", raising=False)
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app()
        monkeypatch.setenv("SECRET_KEY", "short")
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app()

    def test_refuses_to_start_without_a_database_url(self, monkeypatch):
        monkeypatch.setenv("COOP_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "k" * 64)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        with pytest.raises(ConfigError, match="DATABASE_URL"):
            create_app()

    def test_starts_with_both_and_marks_cookies_secure(self, monkeypatch):
        monkeypatch.setenv("COOP_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "k" * 64)
        monkeypatch.setenv("DATABASE_URL", "postgresql://db/coop")
        monkeypatch.setenv("COOP_SERVER_URL", "https://coop.example.org")
        app = create_app()
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["REMEMBER_COOKIE_SECURE"] is True
        assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_the_403_page_is_in_the_sites_style_and_says_what_to_do(client, auth, make_member):
    auth.login(make_member().email)
    response = client.get("/secretary/register")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You do not have permission to see this page" in body
    assert "contact the co-op&#39;s secretary" in body and "Skip to main content" in body


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/marketplace/", "Marketplace"),
        ("/marketplace/secretary/providers", "Secretary"),
        ("/payments/secretary/budgets", "Secretary"),
        ("/secretary/applications", "Secretary"),
        ("/voting/", "Voting"),
        ("/account", "Your account"),
    ],
)
def test_the_main_menu_marks_the_section_you_are_in(client, auth, make_member, path, current):
    import re

    make_member(secretary=True, email="sec@example.org")
    auth.login("sec@example.org")
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    marked = re.findall(
        r'<a class="govuk-service-navigation__link" href="[^"]*" aria-current="[^"]+">'
        r"\s*(?:<strong[^>]*>)?([^<]+)",
        page,
    )
    assert [m.strip() for m in marked] == [current]


@pytest.mark.parametrize("hours", ["0", "-3", "soon", "1000"])
def test_refuses_a_waiting_list_hold_that_cannot_work(monkeypatch, hours):
    monkeypatch.setenv("COOP_WAITLIST_HOLD_HOURS", hours)
    with pytest.raises(ConfigError, match="COOP_WAITLIST_HOLD_HOURS"):
        create_app()


def test_the_waiting_list_hold_comes_from_the_environment(monkeypatch, app):
    from coop.marketplace import bookings

    monkeypatch.setitem(app.config, "WAITLIST_HOLD_HOURS", "2.5")
    with app.app_context():
        assert bookings.offer_hold().total_seconds() == 2.5 * 3600


#: Modules only a command needs; starting the app must not import them.
COMMAND_ONLY = [
    "flask_migrate",
    "alembic",
    "coop.demo",
    "coop.members.demo",
    "coop.voting.demo",
    "coop.marketplace.demo",
    "coop.members.cli",
    "coop.voting.cli",
    "coop.marketplace.cli",
]


def test_starting_the_app_imports_no_command_only_module():
    script = (
        "import sys; from coop import create_app; from coop.config import TestingConfig; "
        "create_app(TestingConfig()); "
        f"print(' '.join(m for m in {COMMAND_ONLY!r} if m in sys.modules) or 'none')"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none"]


def test_each_command_group_is_listed_with_its_own_help_and_commands():
    from coop.cli import GROUPS

    app = create_app(TestingConfig())
    with click.Context(app.cli) as ctx:
        for name, (target, help_text) in GROUPS.items():
            listed = app.cli.get_command(ctx, name)
            real = listed.load()
            assert (real.name, real.help) == (name, help_text), target
            assert listed.help == real.help
            assert listed.list_commands(ctx) == real.list_commands(ctx) != []
            for command in real.list_commands(ctx):
                assert listed.get_command(ctx, command) is real.get_command(ctx, command)


def test_flask_db_migrates_a_new_database_to_the_latest_migration(tmp_path):
    """In a process of its own, so that nothing has set Flask-Migrate up before `flask db`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOP_", "FLASK_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'coop.db'}"
    env["SECRET_KEY"] = "k" * 64  # so that no key is made in the checkout's instance folder

    def flask_db(*args: str) -> str:
        command = [sys.executable, "-m", "flask", "--app", "coop", "db", *args]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    head = flask_db("heads").split()[0]
    assert flask_db("current").split() == []
    flask_db("upgrade")
    assert flask_db("current").split() == [head, "(head)"]


class TestServerURL:
    def test_production_refuses_to_start_without_it(self, monkeypatch):
        monkeypatch.setenv("COOP_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "k" * 64)
        monkeypatch.setenv("DATABASE_URL", "postgresql://db/coop")
        monkeypatch.delenv("COOP_SERVER_URL", raising=False)
        with pytest.raises(ConfigError, match="COOP_ENV=production needs COOP_SERVER_URL"):
            create_app()
        monkeypatch.setenv("COOP_SERVER_URL", "http://coop.example.org")
        with pytest.raises(ConfigError, match="https://"):
            create_app()

    @pytest.mark.parametrize("url", ["coop.example.org", "ftp://coop.example.org", "https://"])
    def test_refuses_an_address_that_is_not_one(self, monkeypatch, url):
        monkeypatch.setenv("COOP_SERVER_URL", url)
        with pytest.raises(ConfigError, match="COOP_SERVER_URL"):
            create_app()

    def test_emailed_links_use_it_whatever_host_a_request_claims(
        self, app, client, mailbox, make_member, monkeypatch
    ):
        make_member(email="asha@example.org")
        monkeypatch.setitem(app.config, "SERVER_URL", "https://coop.example.org")
        client.post(
            "/reset-password", data={"email": "asha@example.org"}, headers={"Host": "evil.example"}
        )
        [message] = mailbox.to("asha@example.org")
        body = mailbox.body(message)
        assert "https://coop.example.org/reset-password/" in body
        assert "evil.example" not in body

    def test_development_without_it_uses_the_requests_own_host(
        self, app, client, mailbox, make_member
    ):
        assert not app.config["SERVER_URL"]
        make_member(email="asha@example.org")
        client.post(
            "/reset-password", data={"email": "asha@example.org"}, headers={"Host": "dev.local"}
        )
        assert "http://dev.local/reset-password/" in mailbox.body(mailbox.to("asha@example.org")[0])


class TestInstanceSecretKey:
    def test_is_made_once_random_and_private(self, tmp_path):
        first = instance_secret_key(str(tmp_path / "one"))
        path = tmp_path / "one" / "secret_key"
        assert path.read_text().strip() == first and len(first) == 64
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert instance_secret_key(str(tmp_path / "one")) == first  # kept, not made again
        assert instance_secret_key(str(tmp_path / "two")) != first
        assert list((tmp_path / "one").iterdir()) == [path]  # no half-written files left

    def test_development_signs_sessions_with_it(self, monkeypatch, tmp_path):
        for name in ("COOP_ENV", "SECRET_KEY", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        keys = []
        for folder in ("a", "b"):
            monkeypatch.setattr(
                flask.Flask, "auto_find_instance_path", lambda self, f=folder: str(tmp_path / f)
            )
            app = create_app(Config())
            assert app.instance_path == str(tmp_path / folder)
            assert (
                app.config["SECRET_KEY"] == (tmp_path / folder / "secret_key").read_text().strip()
            )
            keys.append(app.config["SECRET_KEY"])
        assert keys[0] != keys[1] and TEST_SECRET_KEY not in keys

    def test_the_test_suites_key_is_refused_outside_tests(self, monkeypatch):
        monkeypatch.delenv("COOP_ENV", raising=False)
        monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
        with pytest.raises(ConfigError, match="published"):
            create_app()

    def test_make_run_makes_it_before_starting(self):
        root = Path(__file__).resolve().parent.parent
        result = subprocess.run(
            ["make", "-n", "-B", "run"], cwd=root, capture_output=True, text=True, check=True
        )
        lines = result.stdout.splitlines()
        made = next(i for i, line in enumerate(lines) if "instance_secret_key(" in line)
        served = next(i for i, line in enumerate(lines) if "flask run" in line)
        assert made < served
