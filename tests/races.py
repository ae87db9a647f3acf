"""A real server and real browsers for race tests: gunicorn on PostgreSQL, threads on a barrier.

Gunicorn runs the app as production does (four worker processes of eight threads, CSRF on,
real sign-ins); `_in_parallel` lines threads up so their requests arrive at the same moment.
"""

import copy
import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from coop.members import service as members
from coop.members.models import Member, MemberClass
from tests.conftest import PASSWORD, postgres_url

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
#: Bounds on waiting, so a broken server fails the test instead of hanging it. Not timings.
SERVER_START_LIMIT = 60
REQUEST_LIMIT = 180


@pytest.fixture
def pg_app(app):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip(reason="Race tests need PostgreSQL's concurrency; this is the SQLite run")
    return app


# --- A real server ---------------------------------------------------------------------


@pytest.fixture
def server_env() -> dict:
    """More environment for the race server (a test module may override it, e.g. Stripe's)."""
    return {}


@pytest.fixture
def server(pg_app, tmp_path, server_env):
    """Gunicorn serving the app against the test database; its address, e.g. http://..."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOP_", "MAIL_"))}
    env.update(
        DATABASE_URL=postgres_url(),
        SECRET_KEY="race-test-" + secrets.token_hex(32),
        COOP_RATELIMIT_AUTH="10000 per minute",
        **server_env,
    )
    # Rate limits shared through Redis, as in production: the in-memory store of `limits`
    # starts its expiry timer unsafely when several threads hit it at once (a 500).
    if os.environ.get("COOP_REDIS_URL"):
        env["COOP_REDIS_URL"] = os.environ["COOP_REDIS_URL"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "-w",
                "4",
                "-k",
                "gthread",
                "--threads",
                "8",
                "-b",
                "127.0.0.1:0",  # the OS picks a free port; the log says which
                "coop:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_until_ready(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server_errors = [
            line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line
        ]
        assert not server_errors, log.read_text(errors="replace")


def _wait_until_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + SERVER_START_LIMIT
    base = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        if base is None:
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
            base = found and found[1]
        if base is not None:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:  # refused, reset or timed out while the workers start
                pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn was not ready within {SERVER_START_LIMIT}s:\n{log.read_text()}")


@dataclass
class Reply:
    status: int
    body: str


class Browser:
    """One person's browser: its own cookies, following redirects as a browser does."""

    def __init__(self, base: str, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        for cookie in cookies or []:
            self.cookies.set_cookie(copy.copy(cookie))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> Reply:
        return self._open(path, None)

    def post(self, path: str, data: dict) -> Reply:
        return self._open(path, urllib.parse.urlencode(data).encode())

    def _open(self, path: str, body: bytes | None) -> Reply:
        try:
            with self.opener.open(self.base + path, data=body, timeout=REQUEST_LIMIT) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(errors="replace"))

    def csrf_token(self, path: str) -> str:
        """The token in the page's form, as a browser would send it back."""
        reply = self.get(path)
        assert reply.status == 200, reply.body
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', reply.body)
        assert found, f"no CSRF token on {path}"
        return found[1]

    def sign_in(self, email: str) -> None:
        token = self.csrf_token("/login")
        reply = self.post("/login", {"csrf_token": token, "email": email, "password": PASSWORD})
        assert reply.status == 200, reply.body
        assert "Sign out" in reply.body, reply.body


def race_gym(
    now: datetime,
    *,
    price_pence: int,
    places_per_session: int,
    owner: Member | None = None,
    name: str = "Race Gym",
    email: str = "gym@race.example",
):
    """An approved, insured community gym (with `owner` as its staff, if given) and its
    published gym listing, added to the session of a race test's fixture; returns the listing."""
    from coop.extensions import db
    from coop.marketplace.models import (
        Category,
        Listing,
        ListingStatus,
        Provider,
        ProviderKind,
        ProviderStaff,
        ProviderStatus,
    )

    provider = Provider(
        name=name,
        kind=ProviderKind.COMMUNITY_VENUE,
        description="A gym.",
        email=email,
        phone="01332 000000",
        address_line_1="1 Gym Street",
        town="Derby",
        postcode="DE1 1AA",
        insurance_expires_on=date.today() + timedelta(days=365),
        status=ProviderStatus.APPROVED,
        applied_at=now,
        approved_at=now,
        first_listing_approved_at=now,
    )
    db.session.add(provider)
    db.session.flush()
    if owner is not None:
        db.session.add(ProviderStaff(provider=provider, member_id=owner.id, added_at=now))
    listing = Listing(
        provider=provider,
        title="Gym session",
        description="Use the gym.",
        category=Category.GYM_FITNESS,
        price_pence=price_pence,
        duration_minutes=60,
        places_per_session=places_per_session,
        venue_address="1 Gym Street, Derby",
        status=ListingStatus.PUBLISHED,
        created_at=now,
    )
    db.session.add(listing)
    return listing


def _new_member(
    email: str, member_class: MemberClass, now: datetime, organisation_name: str | None = None
) -> Member:
    member = members.apply(
        members.Application(
            member_class=member_class,
            name=email.split("@")[0].capitalize(),
            email=email,
            password=PASSWORD,
            address_line_1="1 High Street",
            town="Derby",
            postcode="DE1 3AB",
            organisation_name=organisation_name,
        ),
        now=now,
    )
    members.confirm_email(member, now)
    members.admit(member, now, None)
    return member


def _in_parallel(count: int, work) -> list:
    """Run work(i, barrier) on `count` threads at once; return what each returned or raised."""
    barrier = threading.Barrier(count, timeout=REQUEST_LIMIT * 2)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            barrier.abort()
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    return results
