"""Marketplace search in the database: each session's London start time and weekday and its
prices for members and everyone else, each listing's search document, the indexes the search
uses, and full-text search (a GIN index on PostgreSQL, an FTS5 table kept by triggers on
SQLite)."""

import sqlalchemy as sa
from alembic import op

from coop.database import UTCDateTime
from coop.marketplace import pricing
from coop.marketplace.search_columns import search_document, session_columns

revision = "0017_search"
down_revision = "0016_pools"
branch_labels = None
depends_on = None

SESSION_COLUMNS = (
    ("local_minute", sa.Integer()),
    ("local_weekday", sa.Integer()),
    ("public_price_pence", sa.Integer()),
    ("member_price_pence", sa.Integer()),
    ("public_off_peak", sa.Boolean()),
    ("member_off_peak", sa.Boolean()),
)

#: SQLite: an external-content FTS5 table over the listings' search documents, with Porter
#: stemming, kept by triggers so every write to a listing reaches it.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE marketplace_listings_fts USING fts5("
    "search_document, content='marketplace_listings', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER marketplace_listings_fts_insert AFTER INSERT ON marketplace_listings BEGIN "
    "INSERT INTO marketplace_listings_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER marketplace_listings_fts_delete AFTER DELETE ON marketplace_listings BEGIN "
    "INSERT INTO marketplace_listings_fts(marketplace_listings_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER marketplace_listings_fts_update AFTER UPDATE OF search_document "
    "ON marketplace_listings BEGIN "
    "INSERT INTO marketplace_listings_fts(marketplace_listings_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO marketplace_listings_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "INSERT INTO marketplace_listings_fts(marketplace_listings_fts) VALUES ('rebuild')",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER marketplace_listings_fts_update",
    "DROP TRIGGER marketplace_listings_fts_delete",
    "DROP TRIGGER marketplace_listings_fts_insert",
    "DROP TABLE marketplace_listings_fts",
)
#: PostgreSQL: the document's English tsvector, generated and stored (so checking one listing
#: does not parse its text again), with a GIN index.
POSTGRES_FTS = (
    "ALTER TABLE marketplace_listings ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', search_document)) STORED",
    "CREATE INDEX ix_marketplace_listings_search ON marketplace_listings USING gin (search_vector)",
)


def _fill_documents(connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT l.id, l.title, l.description, p.name FROM marketplace_listings l "
            "JOIN marketplace_providers p ON p.id = l.provider_id"
        )
    ).all()
    if rows:
        connection.execute(
            sa.text("UPDATE marketplace_listings SET search_document = :document WHERE id = :id"),
            [{"id": i, "document": search_document(t, d, n)} for i, t, d, n in rows],
        )


def _fill_sessions(connection) -> None:
    """Each session's search columns, worked out by the pricing module."""
    rules = {}
    for listing_id, price, percent in connection.execute(
        sa.text("SELECT id, price_pence, members_discount_percent FROM marketplace_listings")
    ):
        rules[listing_id] = [price, [], percent]
    concessions = sa.table(
        "marketplace_concessions",
        sa.column("listing_id", sa.Integer()),
        sa.column("days", sa.String()),
        sa.column("window_start", sa.Time()),
        sa.column("window_end", sa.Time()),
        sa.column("percent_off", sa.Integer()),
        sa.column("members_only", sa.Boolean()),
        sa.column("id", sa.Integer()),
    )
    for c in connection.execute(sa.select(concessions).order_by(concessions.c.id)):
        rules[c.listing_id][1].append(
            pricing.ConcessionWindow(
                days=frozenset(int(d) for d in c.days),
                start=c.window_start,
                end=c.window_end,
                percent_off=c.percent_off,
                members_only=c.members_only,
            )
        )
    sessions = sa.table(
        "marketplace_sessions",
        sa.column("id", sa.Integer()),
        sa.column("listing_id", sa.Integer()),
        sa.column("starts_at", UTCDateTime()),
    )
    updates = []
    for session_id, listing_id, starts_at in connection.execute(sa.select(sessions)):
        price, windows, percent = rules[listing_id]
        listing_rules = pricing.PricingRules(
            windows=tuple(windows),
            members_discount=pricing.MembersDiscount(percent) if percent else None,
        )
        updates.append({"id": session_id, **session_columns(price, listing_rules, starts_at)})
    if updates:
        names = [name for name, _type in SESSION_COLUMNS]
        connection.execute(
            sa.text(
                "UPDATE marketplace_sessions SET "
                + ", ".join(f"{name} = :{name}" for name in names)
                + " WHERE id = :id"
            ),
            updates,
        )


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_document", sa.Text(), nullable=True))
    with op.batch_alter_table("marketplace_sessions", schema=None) as batch_op:
        for name, type_ in SESSION_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))

    _fill_documents(connection)
    _fill_sessions(connection)

    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.alter_column("search_document", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("marketplace_sessions", schema=None) as batch_op:
        for name, type_ in SESSION_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_marketplace_sessions_local_minute_in_a_day"),
            "local_minute BETWEEN 0 AND 1439",
        )
        batch_op.create_check_constraint(
            op.f("ck_marketplace_sessions_local_weekday_valid"), "local_weekday BETWEEN 0 AND 6"
        )
        batch_op.create_index(
            "ix_marketplace_sessions_open_starts",
            ["starts_at", "id"],
            unique=False,
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        )
        batch_op.create_index(
            "ix_marketplace_sessions_public_price",
            ["public_price_pence", "starts_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_marketplace_sessions_member_price",
            ["member_price_pence", "starts_at"],
            unique=False,
        )

    if connection.dialect.name == "postgresql":
        for statement in POSTGRES_FTS:
            op.execute(statement)
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_marketplace_listings_search")
        op.execute("ALTER TABLE marketplace_listings DROP COLUMN search_vector")
    else:
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    with op.batch_alter_table("marketplace_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_marketplace_sessions_member_price")
        batch_op.drop_index("ix_marketplace_sessions_public_price")
        batch_op.drop_index("ix_marketplace_sessions_open_starts")
        batch_op.drop_constraint(op.f("ck_marketplace_sessions_local_weekday_valid"), type_="check")
        batch_op.drop_constraint(
            op.f("ck_marketplace_sessions_local_minute_in_a_day"), type_="check"
        )
        for name, _type in reversed(SESSION_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.drop_column("search_document")
