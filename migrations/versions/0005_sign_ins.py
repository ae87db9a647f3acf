"""Record each browser's sign-in, so signing out (here, everywhere, or by the secretary) ends it."""

import sqlalchemy as sa
from alembic import op

revision = "0005_sign_ins"
down_revision = "0004_marketplace"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "members_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remembered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_sign_ins_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_members_sign_ins_token_hash")),
    )
    with op.batch_alter_table("members_sign_ins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_sign_ins_member_id"), ["member_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("members_sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_sign_ins_member_id"))

    op.drop_table("members_sign_ins")
