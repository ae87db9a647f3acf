"""Flask extensions, created once here and bound to the app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Every constraint gets a predictable name, so Alembic can alter and drop it.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class LazyMigrate:
    """Flask-Migrate, set up when migrations first run: it imports Alembic, Mako and every
    SQLAlchemy dialect, a sixth of the start-up of a server or cron job that never migrates.

    Until then app.extensions["migrate"] holds a stand-in that sets Flask-Migrate up on the
    first read, so `flask db ...` (coop.cli) and flask_migrate.upgrade() work as ever.
    """

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = _MigrateWhenUsed(app, db, options)

    def get_config(self, directory=None, x_arg=None, opts=None):
        """The current app's Alembic configuration, as ``Migrate.get_config`` gives it."""
        from flask import current_app
        from flask_migrate import Migrate

        # Reading the directory sets Flask-Migrate up, if this app has not used it yet.
        directory = directory or current_app.extensions["migrate"].directory
        return Migrate().get_config(directory, x_arg=x_arg, opts=opts)


class _MigrateWhenUsed:
    def __init__(self, app, db, options: dict) -> None:
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._app.extensions.get("migrate") is self:
            from flask_migrate import Migrate

            Migrate(self._app, self._db, **self._options)  # replaces this stand-in
        return getattr(self._app.extensions["migrate"], name)


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
mail = Mail()
talisman = Talisman()
