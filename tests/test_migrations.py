"""The migrations build exactly the schema the models describe, and every one can be undone."""

from contextlib import contextmanager, nullcontext

import alembic.command
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql import ClauseElement
from sqlalchemy.types import TypeEngine

from coop import config, create_app
from coop.extensions import db, migrate
from tests.conftest import postgres_test_url


@contextmanager
def _new_postgres_database(base_url: str):
    """A new, empty database beside the test one (`coop_test` gives `coop_test_migrations`).

    The rest of the suite keeps its tables in the test database itself, so the migrations get
    a database of their own rather than dropping those tables from under another test.
    """
    base = make_url(config.database_url(base_url))
    name = f"{base.database}_migrations"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """The app, inside its context, on a new database with no tables at all.

    SQLite is a file, not `:memory:`, so that every connection Alembic opens sees one database.
    """
    if request.param == "sqlite":
        database = nullcontext(f"sqlite:///{tmp_path / 'migrations.db'}")
    else:
        database = _new_postgres_database(postgres_test_url())
    with database as url:
        app = create_app(config.TestingConfig(url))
        with app.app_context():
            assert inspect(db.engine).get_table_names() == []
            yield app
            db.session.remove()
            db.engine.dispose()


# --- What the database holds -----------------------------------------------------------


#: The full-text search of the listings (migration 0017_search), which no model describes: on
#: SQLite an FTS5 virtual table and the shadow tables SQLite keeps for it, on PostgreSQL a
#: generated tsvector column and its GIN index.
SQLITE_FTS_TABLES = frozenset(
    "marketplace_listings_fts" + suffix for suffix in ("", "_data", "_idx", "_docsize", "_config")
)
POSTGRES_FTS = {
    ("column", "search_vector", "marketplace_listings"),
    ("index", "ix_marketplace_listings_search", "marketplace_listings"),
}


def _not_fts(name, type_, parent_names) -> bool:
    if type_ == "table":
        return name not in SQLITE_FTS_TABLES
    return (type_, name, parent_names.get("table_name")) not in POSTGRES_FTS


def _differences(metadata: MetaData) -> list[str]:
    """What `flask db check` would say must change for the database to match `metadata`.

    Alembic's comparison leaves out CHECK constraints and the WHERE of partial indexes, which
    carry the co-op's rules (no overbooking, one live booking each), so those are compared too.
    """
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # Server defaults fill existing rows when a column is added
                # (commission_basis_points), so a model whose default differs is a real difference.
                "compare_server_default": True,
                "include_name": _not_fts,
            },
        )
        found = compare_metadata(context, metadata)
        in_database = _guards_in_database(connection)
    in_models = _guards_in_models(metadata, db.engine.dialect.name)
    found += [("add_" + kind, *rest) for kind, *rest in sorted(in_models - in_database)]
    found += [("remove_" + kind, *rest) for kind, *rest in sorted(in_database - in_models)]
    return [_describe(difference) for difference in found]


def _describe(difference) -> str:
    """One difference in words, e.g. "add_column members_members shoe_size"."""
    if isinstance(difference, list):  # Alembic lists the changes to one column together
        return "; ".join(_describe(change) for change in difference)
    words = (part.name if isinstance(part, SchemaItem) else part for part in difference)
    return " ".join(str(word) for word in words if word is not None)


def _guards_in_database(connection) -> set[tuple]:
    """(kind, table, name, condition) for each CHECK constraint and partial index in the tables."""
    inspector = inspect(connection)
    dialect = connection.dialect.name
    found = set()
    for table in set(inspector.get_table_names()) - SQLITE_FTS_TABLES:
        for check in inspector.get_check_constraints(table):
            found.add(("check", table, check["name"], _condition(check["sqltext"], dialect)))
        for index in inspector.get_indexes(table):
            where = index.get("dialect_options", {}).get(f"{dialect}_where")
            # An exclusion constraint (xc_...) is read back as its index; the models cannot
            # declare one for both databases, so its own tests check it (tests/shared_lives).
            if where is not None and not index["name"].startswith("xc_"):
                found.add(("partial_index", table, index["name"], _condition(where, dialect)))
    return found


def _guards_in_models(metadata: MetaData, dialect: str) -> set[tuple]:
    """(kind, table, name, condition) for each CHECK constraint and partial index in `metadata`."""
    found = set()
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                condition = _condition(constraint.sqltext, dialect)
                found.add(("check", table.name, constraint.name, condition))
        for index in table.indexes:
            where = index.dialect_options[dialect]["where"]
            if where is not None:
                found.add(("partial_index", table.name, index.name, _condition(where, dialect)))
    return found


def _condition(sql, dialect: str) -> str | None:
    """The condition as compared: SQLite keeps it as written, so there it is compared word for
    word; PostgreSQL rewrites it (BETWEEN becomes >= AND <=), so there only names are compared."""
    return " ".join(str(sql).split()) if dialect == "sqlite" else None


def _tables() -> list[str]:
    return sorted(inspect(db.engine).get_table_names())


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _schema() -> dict:
    """Every table's columns, keys, indexes and constraints, as the database describes them."""
    inspector = inspect(db.engine)
    return _plain(
        {
            table: {
                "columns": inspector.get_columns(table),
                "primary key": inspector.get_pk_constraint(table),
                "foreign keys": _by_name(inspector.get_foreign_keys(table)),
                "indexes": _by_name(inspector.get_indexes(table)),
                "unique constraints": _by_name(inspector.get_unique_constraints(table)),
                "check constraints": _by_name(inspector.get_check_constraints(table)),
            }
            for table in inspector.get_table_names()
            if table != "alembic_version"  # made by the first upgrade, left by the last downgrade
        }
    )


def _by_name(items: list[dict]) -> list[dict]:
    """In name order: SQLite batch mode may rebuild a table with its constraints reordered."""
    return sorted(items, key=lambda item: str(item["name"]))


def _plain(value):
    """`value` with SQL expressions and types written out, so that two descriptions compare."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, ClauseElement):
        return str(value)
    if isinstance(value, TypeEngine):
        return repr(value)
    return value


# --- The tests -------------------------------------------------------------------------


def test_the_migrations_build_the_models_and_come_down_to_nothing(empty_app):
    upgrade()
    assert _differences(db.metadata) == []

    downgrade(revision="base")
    assert _current_revision() is None
    assert _tables() == ["alembic_version"]
    if db.engine.dialect.name == "postgresql":
        assert inspect(db.engine).get_sequence_names() == []

    upgrade()
    assert _differences(db.metadata) == []


def test_each_migration_goes_down_to_where_it_started_and_up_again(empty_app):
    revisions = list(ScriptDirectory.from_config(migrate.get_config()).walk_revisions())
    assert len(revisions) >= 4
    schema_at = {None: _schema()}
    for revision in reversed(revisions):  # oldest first
        upgrade(revision="+1")
        schema_at[revision.revision] = _schema()

    for revision in revisions:  # newest first
        assert _current_revision() == revision.revision
        downgrade(revision="-1")
        assert _current_revision() == revision.down_revision
        assert _schema() == schema_at[revision.down_revision], f"{revision.revision} down"
        upgrade(revision="+1")
        assert _schema() == schema_at[revision.revision], f"{revision.revision} down and up"
        downgrade(revision="-1")

    assert _tables() == ["alembic_version"]


def _copy(metadata: MetaData) -> MetaData:
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def _index(table: Table, name: str) -> Index:
    return next(index for index in table.indexes if index.name == name)


def test_the_comparison_finds_what_the_migrations_lack(empty_app):
    """A check that the models and migrations agree is worth having only if it can disagree."""
    upgrade()
    models = _copy(db.metadata)
    assert _differences(models) == []

    members = models.tables["members_members"]
    members.append_column(Column("shoe_size", Integer, nullable=True))
    members.append_constraint(CheckConstraint("shares_held <= 10", name="few_shares"))
    Table("members_pets", models, Column("id", Integer, primary_key=True))
    bookings = models.tables["marketplace_bookings"]
    bookings.indexes.remove(_index(bookings, "ix_marketplace_bookings_status"))
    live = _index(bookings, "uq_marketplace_bookings_one_live_per_member")
    bookings.indexes.remove(live)
    Index(
        live.name,
        *live.columns,
        unique=True,
        sqlite_where=text("status != 'cancelled'"),
        postgresql_where=text("status != 'cancelled'"),
    )

    found = _differences(models)

    assert "add_table members_pets" in found
    assert "add_column members_members shoe_size" in found
    assert "remove_index ix_marketplace_bookings_status" in found
    if db.engine.dialect.name == "sqlite":
        assert "add_check members_members ck_members_members_few_shares shares_held <= 10" in found
        live_changed = [
            "add_partial_index marketplace_bookings "
            "uq_marketplace_bookings_one_live_per_member status != 'cancelled'",
            "remove_partial_index marketplace_bookings "
            "uq_marketplace_bookings_one_live_per_member status = 'confirmed'",
        ]
        assert set(live_changed) <= set(found)
        assert len(found) == 6, found
    else:
        # PostgreSQL rewrites conditions, so only a CHECK constraint's name is compared there
        # (see _condition); the SQLite run compares the words of the same migrations.
        assert "add_check members_members ck_members_members_few_shares" in found
        assert len(found) == 4, found


def _count(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_going_down_and_up_keeps_the_rows_already_there(empty_app):
    """SQLite batch mode alters a table by rebuilding it, here with other rows pointing at it."""
    upgrade(revision="0002_voting")
    member = (
        "INSERT INTO members_members (id, email, password_hash, name, address_line_1,"
        " address_line_2, town, postcode, member_class, status, applied_at, agreed_rules_at,"
        " member_number, joined_on, shares_held, share_capital_paid_pence, other_property)"
        " VALUES (:id, :email, 'x', 'A member', '1 High Street', '', 'Derby', 'DE1 3AB',"
        " 'carer', :status, :at, :at, :number, :joined_on, 1, 100, '')"
    )
    at = "2026-01-05 10:00:00+00:00"
    with db.engine.begin() as connection:
        connection.execute(
            text(member),
            [
                dict(id=1, email="a@example.org", status="approved", at=at, number=1,
                     joined_on="2026-01-05"),
                dict(id=2, email="b@example.org", status="applied", at=at, number=None,
                     joined_on=None),
            ],
        )  # fmt: skip
        connection.execute(
            text(
                "INSERT INTO members_status_changes (member_id, to_status, changed_at, reason)"
                " VALUES (1, 'approved', :at, '')"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO members_officers (member_id, office, started_on)"
                " VALUES (1, 'secretary', '2026-01-05')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO voting_rules (share_budget_holder, share_carer, share_pa,"
                " share_provider, quorum_percent, max_proxies, seconder_required, made_at,"
                " made_by_id) VALUES (25, 25, 25, 25, 10, 2, true, :at, 1)"
            ),
            {"at": at},
        )

    upgrade()
    with db.engine.connect() as connection:
        rules = connection.execute(text("SELECT commission_basis_points FROM voting_rules"))
        assert rules.scalars().all() == [800]

    downgrade(revision="0003_surplus")
    assert _count("voting_rules") == 1
    downgrade(revision="0001_members")
    assert (_count("members_members"), _count("members_status_changes")) == (2, 1)
    assert _count("members_officers") == 1

    upgrade()
    with db.engine.connect() as connection:
        approved = connection.execute(
            text("SELECT id, approved_at IS NOT NULL FROM members_members ORDER BY id")
        )
        assert [tuple(row) for row in approved] == [(1, True), (2, False)]
    assert _differences(db.metadata) == []


@pytest.mark.parametrize("empty_app", ["sqlite"], indirect=True)
def test_sqlite_migrations_refuse_to_leave_a_row_pointing_nowhere(empty_app):
    """Foreign keys are off while migrations run on SQLite, so they are checked at the end."""
    upgrade()
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(
            "INSERT INTO members_officers (member_id, office, started_on)"
            " VALUES (99, 'chair', '2026-01-05')"
        )
        connection.invalidate()

    with pytest.raises(RuntimeError, match="broke foreign keys.*members_officers"):
        alembic.command.upgrade(migrate.get_config(), "head")
