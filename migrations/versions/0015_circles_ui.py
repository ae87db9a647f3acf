"""Bookings say who made them when someone in the person's circle of support booked for them."""

import sqlalchemy as sa
from alembic import op

revision = "0015_circles_ui"
down_revision = "0014_card"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_marketplace_bookings_booked_by_id_members_members"),
            "members_members",
            ["booked_by_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_bookings_booked_by_id"), ["booked_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_bookings_booked_by_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_marketplace_bookings_booked_by_id_members_members"), type_="foreignkey"
        )
        batch_op.drop_column("booked_by_id")
