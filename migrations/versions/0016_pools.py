"""Add pooled bookings (shares of one marketplace booking), pooled funds (members, spending
proposals and votes) and peer support buddies (who offers or asks, and the pairs made)."""

import sqlalchemy as sa
from alembic import op

revision = "0016_pools"
down_revision = "0015_circles_ui"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "support_buddy_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("offerer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "asked",
                "active",
                "declined",
                "ended",
                name="buddy_pair_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", sa.String(length=300), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "asker_id != offerer_id", name=op.f("ck_support_buddy_pairs_two_people")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_pairs_asked_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_pairs_asker_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["declined_by_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_pairs_declined_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_pairs_ended_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["offerer_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_pairs_offerer_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_buddy_pairs")),
        sa.UniqueConstraint("asker_id", "offerer_id", name="uq_support_buddy_pairs_once"),
    )
    with op.batch_alter_table("support_buddy_pairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_buddy_pairs_asker_id"), ["asker_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_buddy_pairs_offerer_id"), ["offerer_id"], unique=False
        )

    op.create_table(
        "support_buddy_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Boolean(), nullable=False),
        sa.Column("asks", sa.Boolean(), nullable=False),
        sa.Column("topic_codes", sa.String(length=200), nullable=False),
        sa.Column("way_codes", sa.String(length=60), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("offers OR asks", name=op.f("ck_support_buddy_profiles_offers_or_asks")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_support_buddy_profiles_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_buddy_profiles")),
        sa.UniqueConstraint("member_id", name=op.f("uq_support_buddy_profiles_member_id")),
    )
    op.create_table(
        "support_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "rule",
            sa.Enum("equal", "fixed", name="pool_rule", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("equal_amount_pence", sa.Integer(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rule != 'equal' OR (equal_amount_pence IS NOT NULL AND equal_amount_pence > 0)",
            name=op.f("ck_support_pools_equal_has_amount"),
        ),
        sa.CheckConstraint(
            "notice_days BETWEEN 0 AND 365", name=op.f("ck_support_pools_notice_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members_members.id"],
            name=op.f("fk_support_pools_created_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_pools")),
    )
    with op.batch_alter_table("support_pools", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_pools_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "support_pool_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("fixed_amount_pence", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_in_pence", sa.Integer(), nullable=False),
        sa.Column("spent_pence", sa.Integer(), nullable=False),
        sa.Column("returned_pence", sa.Integer(), nullable=False),
        sa.Column("notice_given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leaves_on", sa.Date(), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "fixed_amount_pence IS NULL OR fixed_amount_pence > 0",
            name=op.f("ck_support_pool_members_fixed_positive"),
        ),
        sa.CheckConstraint(
            "paid_in_pence - spent_pence - returned_pence >= 0",
            name=op.f("ck_support_pool_members_unspent_not_negative"),
        ),
        sa.CheckConstraint(
            "paid_in_pence >= 0 AND spent_pence >= 0 AND returned_pence >= 0",
            name=op.f("ck_support_pool_members_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_support_pool_members_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["support_pools.id"],
            name=op.f("fk_support_pool_members_pool_id_support_pools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_pool_members")),
        sa.UniqueConstraint("pool_id", "member_id", name="uq_support_pool_members_once"),
    )
    with op.batch_alter_table("support_pool_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_pool_members_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_pool_members_pool_id"), ["pool_id"], unique=False
        )

    op.create_table(
        "marketplace_pooled_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("price_each_pence", sa.Integer(), nullable=False),
        sa.Column("base_price_each_pence", sa.Integer(), nullable=False),
        sa.Column("discount_label", sa.String(length=80), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column(
            "split",
            sa.Enum("equal", "shares", name="pooled_split", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "waiting",
                "booked",
                "cancelled",
                "called_off",
                name="pooled_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_covered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status != 'booked' OR booking_id IS NOT NULL",
            name=op.f("ck_marketplace_pooled_bookings_booked_has_booking"),
        ),
        sa.CheckConstraint(
            "places >= 1", name=op.f("ck_marketplace_pooled_bookings_places_positive")
        ),
        sa.CheckConstraint(
            "price_each_pence > 0", name=op.f("ck_marketplace_pooled_bookings_price_positive")
        ),
        sa.CheckConstraint(
            "total_pence = places * price_each_pence",
            name=op.f("ck_marketplace_pooled_bookings_total_matches"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_marketplace_pooled_bookings_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_pooled_bookings_organiser_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["marketplace_sessions.id"],
            name=op.f("fk_marketplace_pooled_bookings_session_id_marketplace_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_pooled_bookings")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_marketplace_pooled_bookings_booking_id")),
    )
    with op.batch_alter_table("marketplace_pooled_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_pooled_bookings_organiser_id"),
            ["organiser_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_pooled_bookings_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "marketplace_pooled_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pooled_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreed_by_id", sa.Integer(), nullable=True),
        sa.Column("short_pence", sa.Integer(), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("refund_pence", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_marketplace_pooled_shares_pays_something")
        ),
        sa.CheckConstraint(
            "refund_pence >= 0 AND refund_pence <= amount_pence",
            name=op.f("ck_marketplace_pooled_shares_refund_within"),
        ),
        sa.CheckConstraint(
            "short_pence IS NULL OR short_pence > 0",
            name=op.f("ck_marketplace_pooled_shares_short_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["agreed_by_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_pooled_shares_agreed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_pooled_shares_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["pooled_id"],
            ["marketplace_pooled_bookings.id"],
            name=op.f("fk_marketplace_pooled_shares_pooled_id_marketplace_pooled_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_marketplace_pooled_shares_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_pooled_shares")),
        sa.UniqueConstraint("pooled_id", "member_id", name="uq_marketplace_pooled_shares_once"),
        sa.UniqueConstraint(
            "transaction_id", name=op.f("uq_marketplace_pooled_shares_transaction_id")
        ),
    )
    with op.batch_alter_table("marketplace_pooled_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_pooled_shares_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_pooled_shares_pooled_id"), ["pooled_id"], unique=False
        )

    op.create_table(
        "support_pool_spends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("payee", sa.String(length=120), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("what_for", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "agreed",
                "paid",
                "refused",
                "withdrawn",
                name="pool_spend_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status != 'paid' OR transaction_id IS NOT NULL",
            name=op.f("ck_support_pool_spends_paid_posted"),
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_support_pool_spends_positive_amount")),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["support_pools.id"],
            name=op.f("fk_support_pool_spends_pool_id_support_pools"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["members_members.id"],
            name=op.f("fk_support_pool_spends_proposed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_support_pool_spends_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_pool_spends")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_support_pool_spends_transaction_id")),
    )
    with op.batch_alter_table("support_pool_spends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_pool_spends_pool_id"), ["pool_id"], unique=False
        )

    op.create_table(
        "support_pool_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spend_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_support_pool_votes_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["spend_id"],
            ["support_pool_spends.id"],
            name=op.f("fk_support_pool_votes_spend_id_support_pool_spends"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_pool_votes")),
        sa.UniqueConstraint("spend_id", "member_id", name="uq_support_pool_votes_once"),
    )
    with op.batch_alter_table("support_pool_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_pool_votes_spend_id"), ["spend_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("support_pool_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_pool_votes_spend_id"))

    op.drop_table("support_pool_votes")
    with op.batch_alter_table("support_pool_spends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_pool_spends_pool_id"))

    op.drop_table("support_pool_spends")
    with op.batch_alter_table("marketplace_pooled_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_pooled_shares_pooled_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_pooled_shares_member_id"))

    op.drop_table("marketplace_pooled_shares")
    with op.batch_alter_table("marketplace_pooled_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_pooled_bookings_session_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_pooled_bookings_organiser_id"))

    op.drop_table("marketplace_pooled_bookings")
    with op.batch_alter_table("support_pool_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_pool_members_pool_id"))
        batch_op.drop_index(batch_op.f("ix_support_pool_members_member_id"))

    op.drop_table("support_pool_members")
    with op.batch_alter_table("support_pools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_pools_created_by_id"))

    op.drop_table("support_pools")
    op.drop_table("support_buddy_profiles")
    with op.batch_alter_table("support_buddy_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_buddy_pairs_offerer_id"))
        batch_op.drop_index(batch_op.f("ix_support_buddy_pairs_asker_id"))

    op.drop_table("support_buddy_pairs")
