"""Members without email: paper applications and the letters sent to them."""

import sqlalchemy as sa
from alembic import op

revision = "0005_people"
down_revision = "0004_marketplace"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "members_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_letters_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_letters_posted_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_letters")),
    )
    with op.batch_alter_table("members_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_letters_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_members_letters_posted_at"), ["posted_at"], unique=False
        )

    op.create_table(
        "members_paper_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "received_by",
            sa.Enum("post", "phone", "in_person", name="received_by", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("identity_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("identity_note", sa.Text(), nullable=False),
        sa.Column("pending_email", sa.String(length=254), nullable=True),
        sa.Column("pending_email_added_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_confirmed_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_identity_confirmed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_recorded_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_paper_applications")),
        sa.UniqueConstraint("member_id", name=op.f("uq_members_paper_applications_member_id")),
    )
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.VARCHAR(length=254), nullable=True)


def downgrade():
    # A member without email cannot be kept by the older schema: the downgrade stops there
    # rather than invent an address for them.
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.VARCHAR(length=254), nullable=False)

    op.drop_table("members_paper_applications")
    with op.batch_alter_table("members_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_letters_posted_at"))
        batch_op.drop_index(batch_op.f("ix_members_letters_member_id"))

    op.drop_table("members_letters")
