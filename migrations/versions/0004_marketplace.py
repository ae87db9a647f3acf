"""Add the marketplace and its bookings, the ledger, and the co-op's commission rate."""

import sqlalchemy as sa
from alembic import op

revision = "0004_marketplace"
down_revision = "0003_surplus"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "marketplace_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "micro_enterprise",
                "community_venue",
                name="provider_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("address_line_1", sa.String(length=100), nullable=False),
        sa.Column("address_line_2", sa.String(length=100), nullable=False),
        sa.Column("town", sa.String(length=60), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("premises_accessibility", sa.Text(), nullable=False),
        sa.Column("insurance_expires_on", sa.Date(), nullable=False),
        sa.Column("dbs_checked_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "approved",
                "rejected",
                name="provider_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("insurance_lapse_notified_for", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status != 'approved' OR approved_at IS NOT NULL",
            name=op.f("ck_marketplace_providers_approved_has_date"),
        ),
        sa.CheckConstraint(
            "status != 'rejected' OR rejection_reason IS NOT NULL",
            name=op.f("ck_marketplace_providers_rejected_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_providers_decided_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_providers")),
    )
    with op.batch_alter_table("marketplace_providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_providers_status"), ["status"], unique=False
        )

    op.create_table(
        "marketplace_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "gym_fitness",
                "support_planning",
                "life_coaching",
                "skills_tuition",
                "peer_support",
                "short_breaks",
                "transport",
                "other",
                name="category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("price_pence", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("places_per_session", sa.Integer(), nullable=False),
        sa.Column("at_home", sa.Boolean(), nullable=False),
        sa.Column("venue_address", sa.String(length=250), nullable=False),
        sa.Column("step_free", sa.Boolean(), nullable=False),
        sa.Column("accessible_toilet", sa.Boolean(), nullable=False),
        sa.Column("hearing_loop", sa.Boolean(), nullable=False),
        sa.Column("bsl", sa.Boolean(), nullable=False),
        sa.Column("quiet_sessions", sa.Boolean(), nullable=False),
        sa.Column("direct_payments_allowed", sa.Boolean(), nullable=False),
        sa.Column("cancellation_notice_hours", sa.Integer(), nullable=False),
        sa.Column("members_discount_percent", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "archived",
                name="listing_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "at_home OR venue_address != ''", name=op.f("ck_marketplace_listings_venue_has_address")
        ),
        sa.CheckConstraint(
            "cancellation_notice_hours >= 0",
            name=op.f("ck_marketplace_listings_notice_not_negative"),
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 1 AND 1440",
            name=op.f("ck_marketplace_listings_duration_in_a_day"),
        ),
        sa.CheckConstraint(
            "members_discount_percent IS NULL OR members_discount_percent BETWEEN 1 AND 100",
            name=op.f("ck_marketplace_listings_members_discount_is_a_percentage"),
        ),
        sa.CheckConstraint(
            "places_per_session BETWEEN 1 AND 500",
            name=op.f("ck_marketplace_listings_places_positive"),
        ),
        sa.CheckConstraint(
            "price_pence >= 0", name=op.f("ck_marketplace_listings_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_marketplace_listings_provider_id_marketplace_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_listings")),
    )
    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_listings_category"), ["category"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_listings_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_listings_status"), ["status"], unique=False
        )

    op.create_table(
        "marketplace_provider_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_provider_staff_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_marketplace_provider_staff_provider_id_marketplace_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_provider_staff")),
        sa.UniqueConstraint("provider_id", "member_id", name="uq_marketplace_provider_staff_once"),
    )
    with op.batch_alter_table("marketplace_provider_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_provider_staff_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_provider_staff_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "payments_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "budget",
                "provider_payable",
                "commission_income",
                "bank",
                "funding",
                name="account_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind != 'budget' OR member_id IS NOT NULL",
            name=op.f("ck_payments_accounts_budget_has_member"),
        ),
        sa.CheckConstraint(
            "kind != 'provider_payable' OR provider_id IS NOT NULL",
            name=op.f("ck_payments_accounts_payable_has_provider"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_payments_accounts_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_payments_accounts_provider_id_marketplace_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_accounts")),
        sa.UniqueConstraint("key", name=op.f("uq_payments_accounts_key")),
    )
    with op.batch_alter_table("payments_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_accounts_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_accounts_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "marketplace_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "last_day >= first_day", name=op.f("ck_marketplace_closures_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace_listings.id"],
            name=op.f("fk_marketplace_closures_listing_id_marketplace_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_closures")),
    )
    with op.batch_alter_table("marketplace_closures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_closures_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "marketplace_concessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.String(length=7), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "percent_off BETWEEN 1 AND 100", name=op.f("ck_marketplace_concessions_percent_valid")
        ),
        sa.CheckConstraint(
            "window_start < window_end",
            name=op.f("ck_marketplace_concessions_window_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace_listings.id"],
            name=op.f("fk_marketplace_concessions_listing_id_marketplace_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_concessions")),
    )
    with op.batch_alter_table("marketplace_concessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_concessions_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "marketplace_schedule_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_marketplace_schedule_times_weekday_valid")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace_listings.id"],
            name=op.f("fk_marketplace_schedule_times_listing_id_marketplace_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_schedule_times")),
        sa.UniqueConstraint(
            "listing_id", "weekday", "starts_at", name="uq_marketplace_schedule_once"
        ),
    )
    with op.batch_alter_table("marketplace_schedule_times", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_schedule_times_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "marketplace_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "booked + held <= places", name=op.f("ck_marketplace_sessions_never_overbooked")
        ),
        sa.CheckConstraint(
            "booked >= 0 AND held >= 0", name=op.f("ck_marketplace_sessions_counts_not_negative")
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_marketplace_sessions_ends_after_start")
        ),
        sa.CheckConstraint("places >= 1", name=op.f("ck_marketplace_sessions_places_positive")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace_listings.id"],
            name=op.f("fk_marketplace_sessions_listing_id_marketplace_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_sessions")),
        sa.UniqueConstraint("listing_id", "starts_at", name="uq_marketplace_sessions_start"),
    )
    with op.batch_alter_table("marketplace_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_sessions_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_sessions_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "marketplace_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("price_each_pence", sa.Integer(), nullable=False),
        sa.Column("base_price_each_pence", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("discount_label", sa.String(length=200), nullable=True),
        sa.Column("cancellation_notice_hours", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "cancelled",
                "cancelled_by_provider",
                name="booking_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_pence", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.CheckConstraint("places >= 1", name=op.f("ck_marketplace_bookings_places_positive")),
        sa.CheckConstraint(
            "price_each_pence >= 0", name=op.f("ck_marketplace_bookings_positive_price")
        ),
        sa.CheckConstraint(
            "refund_pence BETWEEN 0 AND total_pence",
            name=op.f("ck_marketplace_bookings_refund_within_total"),
        ),
        sa.CheckConstraint(
            "total_pence = places * price_each_pence",
            name=op.f("ck_marketplace_bookings_total_matches"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_bookings_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["marketplace_sessions.id"],
            name=op.f("fk_marketplace_bookings_session_id_marketplace_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_bookings")),
        sa.UniqueConstraint("reference", name=op.f("uq_marketplace_bookings_reference")),
    )
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_bookings_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_bookings_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_bookings_status"), ["status"], unique=False
        )
        batch_op.create_index(
            "uq_marketplace_bookings_one_live_per_member",
            ["session_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        )

    op.create_table(
        "marketplace_waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "offered",
                "booked",
                "expired",
                "left",
                "closed",
                name="waitlist_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status != 'offered' OR offer_expires_at IS NOT NULL",
            name=op.f("ck_marketplace_waitlist_offer_has_expiry"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_waitlist_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["marketplace_sessions.id"],
            name=op.f("fk_marketplace_waitlist_session_id_marketplace_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_waitlist")),
    )
    with op.batch_alter_table("marketplace_waitlist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_waitlist_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_waitlist_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_waitlist_status"), ["status"], unique=False
        )
        batch_op.create_index(
            "uq_marketplace_waitlist_one_live_per_member",
            ["session_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
        )

    op.create_table(
        "marketplace_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_marketplace_reviews_rating_one_to_five")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_marketplace_reviews_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace_listings.id"],
            name=op.f("fk_marketplace_reviews_listing_id_marketplace_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_reviews_replied_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_reviews")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_marketplace_reviews_booking_id")),
    )
    with op.batch_alter_table("marketplace_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_reviews_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "payments_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "funding",
                "booking_payment",
                "refund",
                "reversal",
                name="transaction_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column(
            "funding_kind",
            sa.Enum(
                "direct_payment",
                "individual_service_fund",
                name="funding_kind",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.CheckConstraint(
            "kind != 'funding'"
            " OR (funding_kind IS NOT NULL AND received_on IS NOT NULL AND reference IS NOT NULL)",
            name=op.f("ck_payments_transactions_funding_has_details"),
        ),
        sa.CheckConstraint(
            "kind != 'reversal' OR reverses_id IS NOT NULL",
            name=op.f("ck_payments_transactions_reversal_has_target"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_payments_transactions_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_transactions_posted_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_transactions_reverses_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_transactions")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_payments_transactions_reverses_id")),
    )
    with op.batch_alter_table("payments_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_transactions_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_transactions_posted_at"), ["posted_at"], unique=False
        )

    op.create_table(
        "payments_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_pence != 0", name=op.f("ck_payments_entries_moves_money")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["payments_accounts.id"],
            name=op.f("fk_payments_entries_account_id_payments_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_entries_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_entries")),
    )
    with op.batch_alter_table("payments_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_entries_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_entries_transaction_id"), ["transaction_id"], unique=False
        )

    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("commission_basis_points", sa.Integer(), server_default="800", nullable=False)
        )
        batch_op.create_check_constraint(
            "commission_below_100_percent", "commission_basis_points BETWEEN 0 AND 9999"
        )


def downgrade():
    with op.batch_alter_table("voting_rules", schema=None) as batch_op:
        batch_op.drop_constraint("commission_below_100_percent", type_="check")
        batch_op.drop_column("commission_basis_points")

    with op.batch_alter_table("payments_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_entries_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_payments_entries_account_id"))

    op.drop_table("payments_entries")
    with op.batch_alter_table("payments_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_transactions_posted_at"))
        batch_op.drop_index(batch_op.f("ix_payments_transactions_booking_id"))

    op.drop_table("payments_transactions")
    with op.batch_alter_table("marketplace_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_reviews_listing_id"))

    op.drop_table("marketplace_reviews")
    with op.batch_alter_table("marketplace_waitlist", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_marketplace_waitlist_one_live_per_member",
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
        )
        batch_op.drop_index(batch_op.f("ix_marketplace_waitlist_status"))
        batch_op.drop_index(batch_op.f("ix_marketplace_waitlist_session_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_waitlist_member_id"))

    op.drop_table("marketplace_waitlist")
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_marketplace_bookings_one_live_per_member",
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        )
        batch_op.drop_index(batch_op.f("ix_marketplace_bookings_status"))
        batch_op.drop_index(batch_op.f("ix_marketplace_bookings_session_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_bookings_member_id"))

    op.drop_table("marketplace_bookings")
    with op.batch_alter_table("marketplace_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_marketplace_sessions_listing_id"))

    op.drop_table("marketplace_sessions")
    with op.batch_alter_table("marketplace_schedule_times", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_schedule_times_listing_id"))

    op.drop_table("marketplace_schedule_times")
    with op.batch_alter_table("marketplace_concessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_concessions_listing_id"))

    op.drop_table("marketplace_concessions")
    with op.batch_alter_table("marketplace_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_closures_listing_id"))

    op.drop_table("marketplace_closures")
    with op.batch_alter_table("payments_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_accounts_provider_id"))
        batch_op.drop_index(batch_op.f("ix_payments_accounts_member_id"))

    op.drop_table("payments_accounts")
    with op.batch_alter_table("marketplace_provider_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_provider_staff_provider_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_provider_staff_member_id"))

    op.drop_table("marketplace_provider_staff")
    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_listings_status"))
        batch_op.drop_index(batch_op.f("ix_marketplace_listings_provider_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_listings_category"))

    op.drop_table("marketplace_listings")
    with op.batch_alter_table("marketplace_providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_providers_status"))

    op.drop_table("marketplace_providers")
