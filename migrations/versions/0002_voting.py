"""Add voting rules, motions, proxies and secret ballots, and when each member was approved."""

import sqlalchemy as sa
from alembic import op

revision = "0002_voting"
down_revision = "0001_members"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voting_motions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("full_text", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("seconder_id", sa.Integer(), nullable=True),
        sa.Column(
            "resolution",
            sa.Enum("ordinary", "special", name="resolution", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("class_quorums", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("opening_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_voting_motions_closes_after_opening")
        ),
        sa.CheckConstraint(
            "quorum_percent BETWEEN 0 AND 100",
            name=op.f("ck_voting_motions_quorum_is_a_percentage"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members_members.id"],
            name=op.f("fk_voting_motions_created_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["members_members.id"],
            name=op.f("fk_voting_motions_proposer_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["seconder_id"],
            ["members_members.id"],
            name=op.f("fk_voting_motions_seconder_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_motions")),
    )
    with op.batch_alter_table("voting_motions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_motions_closes_at"), ["closes_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_voting_motions_opens_at"), ["opens_at"], unique=False)

    op.create_table(
        "voting_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_budget_holder", sa.Integer(), nullable=False),
        sa.Column("share_carer", sa.Integer(), nullable=False),
        sa.Column("share_pa", sa.Integer(), nullable=False),
        sa.Column("share_provider", sa.Integer(), nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("max_proxies", sa.Integer(), nullable=False),
        sa.Column("seconder_required", sa.Boolean(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "max_proxies >= 0", name=op.f("ck_voting_rules_max_proxies_not_negative")
        ),
        sa.CheckConstraint(
            "quorum_percent BETWEEN 0 AND 100", name=op.f("ck_voting_rules_quorum_is_a_percentage")
        ),
        sa.CheckConstraint(
            "share_budget_holder + share_carer + share_pa + share_provider = 100",
            name=op.f("ck_voting_rules_shares_total_100"),
        ),
        sa.CheckConstraint(
            "share_budget_holder >= 0 AND share_carer >= 0"
            " AND share_pa >= 0 AND share_provider >= 0",
            name=op.f("ck_voting_rules_shares_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["members_members.id"],
            name=op.f("fk_voting_rules_made_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_rules")),
    )
    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voting_rules_made_at"), ["made_at"], unique=False)

    op.create_table(
        "voting_cast_votes",
        sa.Column("receipt_code", sa.String(length=32), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("member_class", sa.String(length=32), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("for", "against", "abstain", name="choice", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["voting_motions.id"],
            name=op.f("fk_voting_cast_votes_motion_id_voting_motions"),
        ),
        sa.PrimaryKeyConstraint("receipt_code", name=op.f("pk_voting_cast_votes")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("voting_cast_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_cast_votes_motion_id"), ["motion_id"], unique=False
        )

    op.create_table(
        "voting_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_voting_participation_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["voting_motions.id"],
            name=op.f("fk_voting_participation_motion_id_voting_motions"),
        ),
        sa.ForeignKeyConstraint(
            ["proxy_id"],
            ["members_members.id"],
            name=op.f("fk_voting_participation_proxy_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_participation")),
        sa.UniqueConstraint("motion_id", "member_id", name="uq_voting_participation_once"),
    )
    with op.batch_alter_table("voting_participation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_participation_motion_id"), ["motion_id"], unique=False
        )

    op.create_table(
        "voting_proxies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(motion_id IS NOT NULL AND starts_on IS NULL AND ends_on IS NULL)"
            " OR (motion_id IS NULL AND starts_on IS NOT NULL AND ends_on IS NOT NULL"
            " AND ends_on >= starts_on)",
            name=op.f("ck_voting_proxies_one_motion_or_a_date_range"),
        ),
        sa.CheckConstraint("member_id != proxy_id", name=op.f("ck_voting_proxies_not_own_proxy")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_voting_proxies_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["voting_motions.id"],
            name=op.f("fk_voting_proxies_motion_id_voting_motions"),
        ),
        sa.ForeignKeyConstraint(
            ["proxy_id"],
            ["members_members.id"],
            name=op.f("fk_voting_proxies_proxy_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_proxies")),
    )
    with op.batch_alter_table("voting_proxies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voting_proxies_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_voting_proxies_proxy_id"), ["proxy_id"], unique=False)

    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))

    # Members approved before this column existed: take the start of the day they joined.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE members_members SET approved_at = joined_on || ' 00:00:00.000000'"
            " WHERE joined_on IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE members_members SET approved_at = joined_on::timestamptz"
            " WHERE joined_on IS NOT NULL"
        )


def downgrade():
    # Dropping approved_at also drops the times the upgrade wrote into it; it wrote nothing else.
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.drop_column("approved_at")

    with op.batch_alter_table("voting_proxies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_proxies_proxy_id"))
        batch_op.drop_index(batch_op.f("ix_voting_proxies_member_id"))

    op.drop_table("voting_proxies")
    with op.batch_alter_table("voting_participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_participation_motion_id"))

    op.drop_table("voting_participation")
    with op.batch_alter_table("voting_cast_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_cast_votes_motion_id"))

    op.drop_table("voting_cast_votes")
    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_rules_made_at"))

    op.drop_table("voting_rules")
    with op.batch_alter_table("voting_motions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_motions_opens_at"))
        batch_op.drop_index(batch_op.f("ix_voting_motions_closes_at"))

    op.drop_table("voting_motions")
