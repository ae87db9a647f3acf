"""Rate limits on signing in: shared through Redis, so every server worker counts together;
counted per client address (believing X-Forwarded-For only from trusted proxies) and per
account, so that no stranger can lock every member out."""

import os
import subprocess
import sys
import textwrap

import pytest
import redis

REDIS_URL = os.environ.get("COOP_REDIS_URL")

# One "server worker": its own process, its own app, posting wrong passwords to /login and
# printing the status codes it got.
WORKER = textwrap.dedent(
    """
    import sys
    from flask_migrate import upgrade
    from coop import create_app
    from coop.config import TestingConfig

    database, storage, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config = TestingConfig(database)
    config.WTF_CSRF_ENABLED = False
    config.RATELIMIT_STORAGE_URI = storage
    app = create_app(config)
    with app.app_context():
        upgrade()
    client = app.test_client()
    data = {"email": "someone@example.org", "password": "not the password"}
    print(" ".join(str(client.post("/login", data=data).status_code) for _ in range(attempts)))
    """
)


def _worker(database: str, storage: str, attempts: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, database, storage, str(attempts)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [int(code) for code in result.stdout.split()]


@pytest.mark.skipif(not REDIS_URL, reason="COOP_REDIS_URL is not set, so Redis is not tested")
def test_two_workers_share_one_count_of_sign_in_attempts(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    database = f"sqlite:///{tmp_path / 'coop.db'}"
    try:
        assert _worker(database, REDIS_URL, 10) == [200] * 10
        assert _worker(database, REDIS_URL, 1) == [429]
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_workers_without_redis_count_separately(tmp_path):
    """Why Redis matters: with memory storage each worker keeps its own count."""
    database = f"sqlite:///{tmp_path / 'coop.db'}"
    assert _worker(database, "memory://", 10) == [200] * 10
    assert _worker(database, "memory://", 1) == [200]


def test_redis_is_used_when_configured(monkeypatch):
    from coop.config import Config

    monkeypatch.setenv("COOP_REDIS_URL", "redis://127.0.0.1:6379/15")
    assert Config().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/15"
    monkeypatch.delenv("COOP_REDIS_URL")
    assert Config().RATELIMIT_STORAGE_URI == "memory://"


# --- Whose attempts count together ----------------------------------------------------

PROXY = "10.0.0.1"  # the reverse proxy's own address, which every request arrives from


@pytest.fixture
def limited_app(tmp_path):
    """An app of its own with small limits, and two members; `make(trusted_proxies)`."""
    from coop import create_app
    from coop.config import TestingConfig
    from coop.extensions import db, limiter
    from coop.members import service
    from coop.members.models import MemberClass
    from tests.conftest import PASSWORD

    def make(trusted_proxies: int):
        config = TestingConfig(f"sqlite:///{tmp_path / 'coop.db'}")
        config.WTF_CSRF_ENABLED = False
        config.TRUSTED_PROXIES = str(trusted_proxies)
        config.RATELIMIT_AUTH = "3 per minute"
        config.RATELIMIT_ACCOUNT = "3 per minute"
        app = create_app(config)
        with app.app_context():
            db.create_all()
            for name in ("asha", "ben"):
                service.apply(
                    service.Application(
                        member_class=MemberClass.BUDGET_HOLDER,
                        name=name.title(),
                        email=f"{name}@example.org",
                        password=PASSWORD,
                        address_line_1="1 High Street",
                        town="Derby",
                        postcode="DE1 3AB",
                    )
                )
            db.session.commit()
        limiter.reset()
        return app

    yield make
    limiter.reset()


def _post(app, path: str, data: dict, remote: str, forwarded_for: str | None = None):
    """POST from a new browser at address `remote`, perhaps through a proxy that says the
    request was forwarded for `forwarded_for`."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = app.test_client()
    return client.post(path, data=data, headers=headers, environ_base={"REMOTE_ADDR": remote})


def _codes(app, path, data, remote, forwarded_for=None, times=1) -> list[int]:
    return [_post(app, path, data, remote, forwarded_for).status_code for _ in range(times)]


def test_behind_one_trusted_proxy_each_client_has_its_own_bucket(limited_app):
    app = limited_app(trusted_proxies=1)
    assert _codes(app, "/login", {}, PROXY, "203.0.113.5", times=4) == [200, 200, 200, 429]
    assert _codes(app, "/login", {}, PROXY, "198.51.100.7") == [200]
    # What a client puts in the header itself comes before the proxy's hop, and is ignored.
    assert _codes(app, "/login", {}, PROXY, "192.0.2.99, 203.0.113.5") == [429]


def test_with_no_trusted_proxy_a_forged_forwarded_for_is_ignored(limited_app):
    app = limited_app(trusted_proxies=0)
    codes = [_post(app, "/login", {}, PROXY, f"192.0.2.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _codes(app, "/login", {}, "10.0.0.2") == [200]  # another real address


@pytest.mark.parametrize("trusted_proxies", ["-1", "two", "11"])
def test_refuses_a_number_of_proxies_that_cannot_be(monkeypatch, trusted_proxies):
    from coop import create_app
    from coop.config import ConfigError

    monkeypatch.setenv("COOP_TRUSTED_PROXIES", trusted_proxies)
    with pytest.raises(ConfigError, match="COOP_TRUSTED_PROXIES"):
        create_app()


def test_failed_sign_ins_for_one_account_from_many_addresses_are_limited(limited_app):
    from tests.conftest import PASSWORD

    app = limited_app(trusted_proxies=0)
    wrong = {"email": "Asha@Example.org ", "password": "not the password"}
    codes = [_post(app, "/login", wrong, f"192.0.2.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # The account is limited from anywhere, for a while; another account is not.
    right = {"email": "asha@example.org", "password": PASSWORD}
    assert _codes(app, "/login", right, "198.51.100.1") == [429]
    ben = {"email": "ben@example.org", "password": PASSWORD}
    assert _codes(app, "/login", ben, "198.51.100.2") == [302]


def test_an_owner_signing_in_does_not_use_up_their_accounts_limit(limited_app):
    from tests.conftest import PASSWORD

    app = limited_app(trusted_proxies=0)
    right = {"email": "asha@example.org", "password": PASSWORD}
    codes = [_post(app, "/login", right, f"192.0.2.{n}").status_code for n in range(5)]
    assert codes == [302] * 5


@pytest.mark.parametrize("path", ["/reset-password", "/register"])
def test_reset_and_registration_for_one_address_are_limited_from_anywhere(limited_app, path):
    app = limited_app(trusted_proxies=0)
    asha = {"email": "asha@example.org"}
    codes = [_post(app, path, asha, f"192.0.2.{n}").status_code for n in range(4)]
    assert 429 not in codes[:3] and codes[3] == 429
    assert 429 not in _codes(app, path, {"email": "ben@example.org"}, "198.51.100.2")
