"""Add members, the history of their status changes, and officers."""

import sqlalchemy as sa
from alembic import op

revision = "0001_members"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "members_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation_name", sa.String(length=120), nullable=True),
        sa.Column("address_line_1", sa.String(length=100), nullable=False),
        sa.Column("address_line_2", sa.String(length=100), nullable=False),
        sa.Column("town", sa.String(length=60), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column(
            "member_class",
            sa.Enum(
                "budget_holder",
                "carer",
                "pa",
                "provider",
                name="member_class",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "approved",
                "rejected",
                "left",
                name="membership_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_rules_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_number", sa.Integer(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("shares_held", sa.Integer(), nullable=False),
        sa.Column("share_capital_paid_pence", sa.Integer(), nullable=False),
        sa.Column("other_property", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "member_class != 'provider' OR organisation_name IS NOT NULL",
            name=op.f("ck_members_members_provider_has_organisation"),
        ),
        sa.CheckConstraint(
            "status != 'left' OR left_on IS NOT NULL", name=op.f("ck_members_members_left_has_date")
        ),
        sa.CheckConstraint(
            "status != 'rejected' OR rejection_reason IS NOT NULL",
            name=op.f("ck_members_members_rejected_has_reason"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'left')"
            " OR (member_number IS NOT NULL AND joined_on IS NOT NULL)",
            name=op.f("ck_members_members_member_has_number"),
        ),
        sa.CheckConstraint(
            "share_capital_paid_pence >= 0",
            name=op.f("ck_members_members_share_capital_not_negative"),
        ),
        sa.CheckConstraint("shares_held >= 0", name=op.f("ck_members_members_shares_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_members")),
        sa.UniqueConstraint("email", name=op.f("uq_members_members_email")),
        sa.UniqueConstraint("member_number", name=op.f("uq_members_members_member_number")),
    )
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_members_status"), ["status"], unique=False)

    op.create_table(
        "members_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "office",
            sa.Enum(
                "secretary",
                "chair",
                "treasurer",
                "director",
                name="office",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on",
            name=op.f("ck_members_officers_term_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_officers_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_officers")),
        sa.UniqueConstraint("member_id", "office", "started_on", name="uq_members_officers_term"),
    )
    with op.batch_alter_table("members_officers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_officers_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "members_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "applied",
                "approved",
                "rejected",
                "left",
                name="membership_status",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "applied",
                "approved",
                "rejected",
                "left",
                name="membership_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_status_changes_changed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_status_changes_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_status_changes")),
    )
    with op.batch_alter_table("members_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_status_changes_member_id"), ["member_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("members_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_status_changes_member_id"))

    op.drop_table("members_status_changes")
    with op.batch_alter_table("members_officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_officers_member_id"))

    op.drop_table("members_officers")
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_members_status"))

    op.drop_table("members_members")
