"""Rate limits on signing in are shared through Redis, so every server worker counts together."""

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
