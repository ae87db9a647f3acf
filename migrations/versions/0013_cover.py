"""Add the PA register, PAs' calendars of shifts (never two at once), regular shifts shared
between families, and same-day cover requests."""

import sqlalchemy as sa
from alembic import op

revision = "0013_cover"
down_revision = "0012_slgaps"
branch_labels = None
depends_on = None

COVER_STATUS = sa.Enum(
    "open",
    "covered",
    "hours_recorded",
    "paid",
    "cancelled",
    name="cover_status",
    native_enum=False,
    length=32,
)


def _member_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["members_members.id"], name=op.f(f"fk_{table}_{column}_members_members")
    )


def upgrade():
    t = "support_pa_profiles"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("skills", sa.String(length=300), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("districts", sa.String(length=200), nullable=False),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("dbs_issued_on", sa.Date(), nullable=True),
        sa.Column("right_to_work_seen_on", sa.Date(), nullable=True),
        sa.Column("right_to_work_until", sa.Date(), nullable=True),
        sa.Column("references_on", sa.Date(), nullable=True),
        sa.Column("checks_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("checks_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hourly_rate_pence > 0", name=op.f(f"ck_{t}_rate_positive")),
        sa.CheckConstraint(
            "gender IN ('', 'woman', 'man', 'other')", name=op.f(f"ck_{t}_gender_known")
        ),
        _member_fk(t, "member_id"),
        _member_fk(t, "checks_recorded_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("member_id", name=op.f(f"uq_{t}_member_id")),
    )

    t = "support_availability"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f(f"ck_{t}_weekday_in_week")),
        sa.CheckConstraint("ends > starts", name=op.f(f"ck_{t}_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["support_pa_profiles.id"],
            name=op.f(f"fk_{t}_profile_id_support_pa_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{t}_profile_id"), ["profile_id"])

    t = "support_own_pas"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_holder_id", sa.Integer(), nullable=False),
        sa.Column("pa_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("budget_holder_id != pa_id", name=op.f(f"ck_{t}_not_yourself")),
        _member_fk(t, "budget_holder_id"),
        _member_fk(t, "pa_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("budget_holder_id", "pa_id", name="once_each"),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{t}_budget_holder_id"), ["budget_holder_id"])

    t = "support_regular_shifts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pa_id", sa.Integer(), nullable=False),
        sa.Column("budget_holder_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f(f"ck_{t}_weekday_in_week")),
        sa.CheckConstraint("ends > starts", name=op.f(f"ck_{t}_ends_after_start")),
        sa.CheckConstraint(
            "until IS NULL OR until >= starts_on", name=op.f(f"ck_{t}_until_after_start")
        ),
        _member_fk(t, "pa_id"),
        _member_fk(t, "budget_holder_id"),
        _member_fk(t, "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{t}_pa_id"), ["pa_id"])
        batch_op.create_index(batch_op.f(f"ix_{t}_budget_holder_id"), ["budget_holder_id"])

    t = "support_cover_requests"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_holder_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skills", sa.String(length=300), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("wants_woman", sa.Boolean(), nullable=False),
        sa.Column("bank_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("status", COVER_STATUS, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pa_id", sa.Integer(), nullable=True),
        sa.Column("covered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=True),
        sa.Column("minutes_worked", sa.Integer(), nullable=True),
        sa.Column("hours_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f(f"ck_{t}_ends_after_start")),
        sa.CheckConstraint(
            "bank_delay_minutes BETWEEN 0 AND 240", name=op.f(f"ck_{t}_delay_in_range")
        ),
        sa.CheckConstraint(
            "status = 'open' OR status = 'cancelled' OR pa_id IS NOT NULL",
            name=op.f(f"ck_{t}_covered_has_pa"),
        ),
        sa.CheckConstraint(
            "minutes_worked IS NULL OR minutes_worked > 0", name=op.f(f"ck_{t}_minutes_positive")
        ),
        _member_fk(t, "budget_holder_id"),
        _member_fk(t, "asked_by_id"),
        _member_fk(t, "pa_id"),
        _member_fk(t, "approved_by_id"),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments_transactions.id"],
            name=op.f(f"fk_{t}_payment_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("payment_id", name=op.f(f"uq_{t}_payment_id")),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{t}_budget_holder_id"), ["budget_holder_id"])
        batch_op.create_index(batch_op.f(f"ix_{t}_pa_id"), ["pa_id"])
        batch_op.create_index(batch_op.f(f"ix_{t}_status"), ["status"])

    t = "support_shifts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pa_id", sa.Integer(), nullable=False),
        sa.Column("budget_holder_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("regular_shift_id", sa.Integer(), nullable=True),
        sa.Column("cover_request_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f(f"ck_{t}_ends_after_start")),
        sa.CheckConstraint(
            "(regular_shift_id IS NULL) != (cover_request_id IS NULL)",
            name=op.f(f"ck_{t}_one_source"),
        ),
        _member_fk(t, "pa_id"),
        _member_fk(t, "budget_holder_id"),
        sa.ForeignKeyConstraint(
            ["regular_shift_id"],
            ["support_regular_shifts.id"],
            name=op.f(f"fk_{t}_regular_shift_id_support_regular_shifts"),
        ),
        sa.ForeignKeyConstraint(
            ["cover_request_id"],
            ["support_cover_requests.id"],
            name=op.f(f"fk_{t}_cover_request_id_support_cover_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("cover_request_id", name=op.f(f"uq_{t}_cover_request_id")),
        sa.UniqueConstraint("regular_shift_id", "starts_at", name="one_week_each"),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{t}_pa_id"), ["pa_id"])
        batch_op.create_index(batch_op.f(f"ix_{t}_budget_holder_id"), ["budget_holder_id"])

    if op.get_bind().dialect.name == "postgresql":
        # A PA is never in two shifts at once, whichever families booked them at the same
        # moment. SQLite has no exclusion constraints: there the service checks inside the
        # BEGIN IMMEDIATE transaction every write starts with, one writer at a time.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE support_shifts ADD CONSTRAINT xc_support_shifts_no_overlap"
            " EXCLUDE USING gist (pa_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)"
        )


def downgrade():
    for table, indexes in (
        ("support_shifts", ("pa_id", "budget_holder_id")),
        ("support_cover_requests", ("budget_holder_id", "pa_id", "status")),
        ("support_regular_shifts", ("pa_id", "budget_holder_id")),
        ("support_own_pas", ("budget_holder_id",)),
        ("support_availability", ("profile_id",)),
        ("support_pa_profiles", ()),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
