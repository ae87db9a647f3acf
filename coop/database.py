"""Engine set-up that makes the embedded SQLite default as safe as PostgreSQL."""

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
