"""Engine set-up that makes the embedded SQLite default as safe as PostgreSQL."""

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

#: How long a SQLite writer waits for another to finish before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 15000


def configure_engine(engine: Engine) -> None:
    """On SQLite, start every transaction with BEGIN IMMEDIATE and wait when the file is busy.

    SQLite ignores SELECT ... FOR UPDATE, so a read-then-write could race. Taking the write
    lock at BEGIN serialises writers, the way a row lock does on PostgreSQL. This also makes
    SAVEPOINT work, which the sqlite3 module's own transaction handling breaks.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so without this a value written aware would come back naive
    and could not be compared with the current time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Times must be timezone-aware before they are stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(cls: type[enum.Enum], name: str, length: int = 32) -> Enum:
    """A column type that stores an enum by its value, portable across databases.

    The value (``"budget_holder"``), not the Python name, is what the database holds, so
    renaming a member in code never rewrites data; no native ENUM type is created, so a new
    value needs no migration beyond its length.
    """
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
