"""Add the co-op's rule on the fewest voters whose class's votes are published apart."""

import sqlalchemy as sa
from alembic import op

revision = "0007_ballot_secrecy"
down_revision = "0006_outbox"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_class_voters", sa.Integer(), server_default="5", nullable=False)
        )
        batch_op.create_check_constraint(
            "min_class_voters_at_least_1", "min_class_voters BETWEEN 1 AND 1000"
        )


def downgrade():
    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.drop_constraint("min_class_voters_at_least_1", type_="check")
        batch_op.drop_column("min_class_voters")
