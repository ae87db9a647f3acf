"""Configuration read from the environment, with safe development defaults."""

import os
from datetime import timedelta


def database_url(url: str) -> str:
    """Return a SQLAlchemy URL, choosing psycopg 3 for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings for development and production, read when the app is created."""

    def __init__(self) -> None:
        env = os.environ
        self.ENV_NAME = env.get("COOP_ENV", "development")
        self.PRODUCTION = self.ENV_NAME == "production"
        self.SECRET_KEY = env.get("SECRET_KEY", "")
        self.SQLALCHEMY_DATABASE_URI = database_url(env.get("DATABASE_URL", ""))
        self.SITE_NAME = env.get("COOP_SITE_NAME", "Together Co-op")
        #: Hours a place offered from a waiting list is held for the person it is offered to.
        self.WAITLIST_HOLD_HOURS = env.get("COOP_WAITLIST_HOLD_HOURS", "12")
        #: Where links in emails point; in development the request's own host is used.
        self.SERVER_URL = env.get("COOP_SERVER_URL", "")
        self.REDIS_URL = env.get("COOP_REDIS_URL", "")
        #: The last day of the co-op's financial year, as month-day ("03-31": 31 March).
        self.YEAR_END = env.get("COOP_YEAR_END", "03-31")
        #: A budget holding more than this many weeks of its usual funding is flagged.
        self.OVERFUNDED_WEEKS = int(env.get("COOP_OVERFUNDED_WEEKS", "8"))
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_AUTH = env.get("COOP_RATELIMIT_AUTH", "10 per minute; 100 per hour")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "") == "1"
        self.MAIL_USE_SSL = env.get("MAIL_USE_SSL", "") == "1"
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "secretary@coop.example")
        self.EMAIL_CONFIRM_MAX_AGE = timedelta(days=7)
        self.PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PRODUCTION
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.PRODUCTION
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
        #: CSRF tokens last as long as the session, so a slow form is never thrown away.
        self.WTF_CSRF_TIME_LIMIT = None
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        #: How passwords are hashed (werkzeug's method string): scrypt at werkzeug's full
        #: strength. Deliberately not read from the environment, so nothing can weaken it.
        self.PASSWORD_HASH_METHOD = "scrypt"


class TestingConfig(Config):
    """Settings for the test suite: a throwaway database and a known secret."""

    def __init__(self, database_uri: str = "sqlite://") -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.SQLALCHEMY_DATABASE_URI = database_url(database_uri)
        self.SERVER_URL = ""
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.MAIL_SERVER = ""
        #: Still scrypt, with a work factor 256 times smaller (N=128 instead of 32768): a
        #: full-strength hash takes about 0.25 s and the suite makes thousands of members.
        self.PASSWORD_HASH_METHOD = "scrypt:128:8:1"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the environment it runs in."""


def check(config) -> None:
    """Refuse settings that cannot work, and production without a real secret key and database."""
    try:
        hold = float(config.get("WAITLIST_HOLD_HOURS") or 12)
    except ValueError:
        hold = 0
    if not 0 < hold <= 24 * 14:
        raise ConfigError(
            "COOP_WAITLIST_HOLD_HOURS must be a number of hours more than 0 and at most 336."
        )
    if not config.get("PRODUCTION"):
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32 or key.startswith("dev"):
        raise ConfigError(
            "COOP_ENV=production needs SECRET_KEY set to a long random value "
            '(for example: python -c "import secrets; print(secrets.token_hex(32))").'
        )
    if not os.environ.get("DATABASE_URL"):
        raise ConfigError("COOP_ENV=production needs DATABASE_URL (a PostgreSQL URL).")
