"""Add surplus ballots, their proposals and anonymous approval votes."""

import sqlalchemy as sa
from alembic import op

revision = "0003_surplus"
down_revision = "0002_voting"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voting_surplus_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.String(length=40), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("proposals_close_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_voting_surplus_ballots_positive_amount")
        ),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_voting_surplus_ballots_closes_after_opening")
        ),
        sa.CheckConstraint(
            "proposals_close_at <= opens_at",
            name=op.f("ck_voting_surplus_ballots_proposals_close_before_voting"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members_members.id"],
            name=op.f("fk_voting_surplus_ballots_created_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_surplus_ballots")),
    )
    op.create_table(
        "voting_surplus_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["voting_surplus_ballots.id"],
            name=op.f("fk_voting_surplus_participation_ballot_id_voting_surplus_ballots"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_voting_surplus_participation_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_surplus_participation")),
        sa.UniqueConstraint("ballot_id", "member_id", name="uq_voting_surplus_participation_once"),
    )
    with op.batch_alter_table("voting_surplus_participation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_surplus_participation_ballot_id"), ["ballot_id"], unique=False
        )

    op.create_table(
        "voting_surplus_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cost_pence", sa.Integer(), nullable=False),
        sa.Column("helps", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "declined",
                name="proposal_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status != 'declined' OR decline_reason IS NOT NULL",
            name=op.f("ck_voting_surplus_proposals_declined_has_reason"),
        ),
        sa.CheckConstraint(
            "cost_pence > 0", name=op.f("ck_voting_surplus_proposals_positive_cost")
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["voting_surplus_ballots.id"],
            name=op.f("fk_voting_surplus_proposals_ballot_id_voting_surplus_ballots"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["members_members.id"],
            name=op.f("fk_voting_surplus_proposals_submitted_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_surplus_proposals")),
    )
    with op.batch_alter_table("voting_surplus_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_surplus_proposals_ballot_id"), ["ballot_id"], unique=False
        )

    op.create_table(
        "voting_surplus_votes",
        sa.Column("receipt_code", sa.String(length=32), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("member_class", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["voting_surplus_ballots.id"],
            name=op.f("fk_voting_surplus_votes_ballot_id_voting_surplus_ballots"),
        ),
        sa.PrimaryKeyConstraint("receipt_code", name=op.f("pk_voting_surplus_votes")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("voting_surplus_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_surplus_votes_ballot_id"), ["ballot_id"], unique=False
        )

    op.create_table(
        "voting_surplus_approvals",
        sa.Column("receipt_code", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["voting_surplus_proposals.id"],
            name=op.f("fk_voting_surplus_approvals_proposal_id_voting_surplus_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_code"],
            ["voting_surplus_votes.receipt_code"],
            name=op.f("fk_voting_surplus_approvals_receipt_code_voting_surplus_votes"),
        ),
        sa.PrimaryKeyConstraint(
            "receipt_code", "proposal_id", name=op.f("pk_voting_surplus_approvals")
        ),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table("voting_surplus_approvals")
    with op.batch_alter_table("voting_surplus_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_surplus_votes_ballot_id"))

    op.drop_table("voting_surplus_votes")
    with op.batch_alter_table("voting_surplus_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_surplus_proposals_ballot_id"))

    op.drop_table("voting_surplus_proposals")
    with op.batch_alter_table("voting_surplus_participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_surplus_participation_ballot_id"))

    op.drop_table("voting_surplus_participation")
    op.drop_table("voting_surplus_ballots")
