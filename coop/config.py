"""Configuration read from the environment, with safe development defaults."""

import os
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

#: The test suite's secret key: published in this file, so it signs nothing outside tests.
TEST_SECRET_KEY = "test-secret-key-not-for-production"

#: Where development keeps its random secret key, inside the app's instance folder.
SECRET_KEY_FILE = "secret_key"


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
        #: Days a Shared Lives household has to answer an introduction.
        self.SHARED_LIVES_ANSWER_DAYS = env.get("COOP_SHARED_LIVES_ANSWER_DAYS", "14")
        #: Where links in emails point, e.g. https://coop.example.org: required in production,
        #: never taken from a request's Host header when set.
        self.SERVER_URL = env.get("COOP_SERVER_URL", "").rstrip("/")
        #: How many reverse proxies in front of the app add X-Forwarded-For (and -Proto);
        #: 0 trusts no such header, so no one can choose the address rate limits count.
        self.TRUSTED_PROXIES = env.get("COOP_TRUSTED_PROXIES", "0")
        self.REDIS_URL = env.get("COOP_REDIS_URL", "")
        #: The last day of the co-op's financial year, as month-day ("03-31": 31 March).
        self.YEAR_END = env.get("COOP_YEAR_END", "03-31")
        #: A budget holding more than this many weeks of its usual funding is flagged.
        self.OVERFUNDED_WEEKS = int(env.get("COOP_OVERFUNDED_WEEKS", "8"))
        #: Stripe, for card payments. With no secret key, card payments are switched off;
        #: `make run` then starts the offline stand-in (localstripe) and sets all four.
        self.STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY", "")
        self.STRIPE_PUBLISHABLE_KEY = env.get("STRIPE_PUBLISHABLE_KEY", "")
        self.STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET", "")
        #: Where the Stripe API is, when it is not Stripe itself (the offline stand-in).
        self.STRIPE_API_BASE = env.get("COOP_STRIPE_API_BASE", "").rstrip("/")
        #: Minutes places chosen for a card payment are held while the person pays.
        self.CARD_HOLD_MINUTES = env.get("COOP_CARD_HOLD_MINUTES", "15")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_AUTH = env.get("COOP_RATELIMIT_AUTH", "10 per minute; 100 per hour")
        #: Per account (the email address typed), whatever address the attempts come from:
        #: failed sign-ins, password reset requests and registrations.
        self.RATELIMIT_ACCOUNT = env.get("COOP_RATELIMIT_ACCOUNT", "10 per minute; 50 per hour")
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
        #: The largest request accepted, in bytes (1 MB): more gets the "too large" page.
        self.MAX_CONTENT_LENGTH = int(env.get("COOP_MAX_REQUEST_BYTES", str(1024 * 1024)))
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
        self.SECRET_KEY = TEST_SECRET_KEY
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
    answer_days = str(config.get("SHARED_LIVES_ANSWER_DAYS") or "14").strip()
    if not (answer_days.isascii() and answer_days.isdigit() and 1 <= int(answer_days) <= 90):
        raise ConfigError("COOP_SHARED_LIVES_ANSWER_DAYS must be a whole number of days, 1 to 90.")
    try:
        card_hold = float(config.get("CARD_HOLD_MINUTES") or 15)
    except ValueError:
        card_hold = 0
    if not 1 <= card_hold <= 24 * 60:
        raise ConfigError(
            "COOP_CARD_HOLD_MINUTES must be a number of minutes from 1 to 1440 (a day)."
        )
    if config.get("STRIPE_SECRET_KEY") and not config.get("STRIPE_WEBHOOK_SECRET"):
        raise ConfigError(
            "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: card payments are only "
            "settled by Stripe's signed webhook, so set the endpoint's signing secret (whsec_...)."
        )
    proxies = str(config.get("TRUSTED_PROXIES") or "0").strip()
    if not (proxies.isascii() and proxies.isdigit() and int(proxies) <= 10):
        raise ConfigError(
            "COOP_TRUSTED_PROXIES must be the number of reverse proxies in front of the app "
            "(0 when there are none, 1 behind one nginx or load balancer)."
        )
    server_url = config.get("SERVER_URL") or ""
    if server_url:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                "COOP_SERVER_URL must be the site's public address, like https://coop.example.org"
            )
    key = config.get("SECRET_KEY") or ""
    if key == TEST_SECRET_KEY and not config.get("TESTING"):
        raise ConfigError(
            "SECRET_KEY is the test suite's published key. Unset it in development (a random "
            "key is kept in the instance folder) or set a long random value."
        )
    if not config.get("PRODUCTION"):
        return
    if len(key) < 32 or key.startswith("dev"):
        raise ConfigError(
            "COOP_ENV=production needs SECRET_KEY set to a long random value "
            '(for example: python -c "import secrets; print(secrets.token_hex(32))").'
        )
    if not os.environ.get("DATABASE_URL"):
        raise ConfigError("COOP_ENV=production needs DATABASE_URL (a PostgreSQL URL).")
    if not server_url.startswith("https://"):
        raise ConfigError(
            "COOP_ENV=production needs COOP_SERVER_URL, the site's public https:// address "
            "(for example https://coop.example.org): every emailed link points there, never "
            "to whatever Host a request claims."
        )


def instance_secret_key(instance_path: str) -> str:
    """Development's secret key: random, made the first time into the instance folder (mode
    0600) and read from there ever after, so no key anyone can read in the source signs a
    development server's sessions. `make run` calls this; so does create_app when no
    SECRET_KEY is set outside production."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        # Written whole under a private name, then linked into place: two processes starting
        # at once both end up reading the one key that won, never a half-written file.
        temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as file:
        key = file.read().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable secret key: delete it and a new one is made.")
    return key
