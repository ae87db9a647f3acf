"""Shared Lives: both sides say yes to meeting and agree after the meetings; cancelled short
breaks and day support sessions free their room (the exclusion constraint ignores them)."""

import sqlalchemy as sa
from alembic import op

revision = "0012_slgaps"
down_revision = "0011_circles"
branch_labels = None
depends_on = None

NO_OVERLAP = (
    "ALTER TABLE shared_lives_stays ADD CONSTRAINT xc_shared_lives_stays_no_overlap"
    " EXCLUDE USING gist (room_id WITH =, daterange(starts_on, ends_on, '[)') WITH &&)"
)


def upgrade():
    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("household_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Introductions already past the household's yes were agreed by its answer alone before:
    # that answer and the person's yes count as their yes to meeting.
    op.execute(
        "UPDATE shared_lives_introductions SET household_accepted_at = household_agreed_at,"
        " person_accepted_at = COALESCE(person_agreed_at, household_agreed_at)"
        " WHERE status IN ('accepted', 'agreed')"
    )
    op.execute(
        "UPDATE shared_lives_introductions SET person_agreed_at = NULL, household_agreed_at = NULL"
        " WHERE status != 'agreed'"
    )
    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "meetings_after_both_said_yes",
            "status NOT IN ('accepted', 'agreed')"
            " OR (person_accepted_at IS NOT NULL AND household_accepted_at IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            "agreed_by_both",
            "status != 'agreed'"
            " OR (person_agreed_at IS NOT NULL AND household_agreed_at IS NOT NULL)",
        )

    with op.batch_alter_table("shared_lives_stays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_shared_lives_stays_cancelled_by_id_members_members"),
            "members_members",
            ["cancelled_by_id"],
            ["id"],
        )
    op.execute(
        "UPDATE shared_lives_stays SET hours = 8 WHERE kind = 'day_support' AND hours IS NULL"
    )
    with op.batch_alter_table("shared_lives_stays", schema=None) as batch_op:
        batch_op.alter_column("cancel_reason", existing_type=sa.Text(), server_default=None)
        batch_op.create_check_constraint(
            "day_session_has_hours", "kind != 'day_support' OR hours IS NOT NULL"
        )
        batch_op.create_check_constraint(
            "cancelled_has_reason", "cancelled_at IS NULL OR cancel_reason != ''"
        )

    if op.get_bind().dialect.name == "postgresql":
        # A cancelled stay frees its nights: the constraint covers only stays still booked.
        op.execute(
            "ALTER TABLE shared_lives_stays DROP CONSTRAINT xc_shared_lives_stays_no_overlap"
        )
        op.execute(NO_OVERLAP + " WHERE (cancelled_at IS NULL)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The older constraint covers cancelled stays too: they go, as that schema cannot hold them.
        op.execute("DELETE FROM shared_lives_stays WHERE cancelled_at IS NOT NULL")
        op.execute(
            "ALTER TABLE shared_lives_stays DROP CONSTRAINT xc_shared_lives_stays_no_overlap"
        )
        op.execute(NO_OVERLAP)
    else:
        op.execute("DELETE FROM shared_lives_stays WHERE cancelled_at IS NOT NULL")
    with op.batch_alter_table("shared_lives_stays", schema=None) as batch_op:
        batch_op.drop_constraint("cancelled_has_reason", type_="check")
        batch_op.drop_constraint("day_session_has_hours", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_shared_lives_stays_cancelled_by_id_members_members"),
            type_="foreignkey",
        )
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")

    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.drop_constraint("agreed_by_both", type_="check")
        batch_op.drop_constraint("meetings_after_both_said_yes", type_="check")
    # The older schema counted the household's yes to meeting as its agreement.
    op.execute(
        "UPDATE shared_lives_introductions SET household_agreed_at = household_accepted_at"
        " WHERE household_agreed_at IS NULL"
    )
    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.drop_column("household_accepted_at")
        batch_op.drop_column("person_accepted_at")
