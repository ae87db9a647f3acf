"""Card payments through Stripe: places held while paying, PaymentIntents, refunds, webhook
events, and how each booking was paid."""

import sqlalchemy as sa
from alembic import op

revision = "0014_card"
down_revision = "0013_cover"
branch_labels = None
depends_on = None


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "payment_method",
                _enum("budget", "card", name="payment_method"),
                server_default="budget",
                nullable=False,
            )
        )

    op.create_table(
        "marketplace_card_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("price_each_pence", sa.Integer(), nullable=False),
        sa.Column("base_price_each_pence", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("discount_label", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            _enum("held", "booked", "expired", "failed", "refunded", name="card_hold_status"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("places >= 1", name=op.f("ck_marketplace_card_holds_places_positive")),
        sa.CheckConstraint(
            "price_each_pence > 0", name=op.f("ck_marketplace_card_holds_price_positive")
        ),
        sa.CheckConstraint(
            "total_pence = places * price_each_pence",
            name=op.f("ck_marketplace_card_holds_total_matches"),
        ),
        sa.CheckConstraint(
            "status != 'booked' OR booking_id IS NOT NULL",
            name=op.f("ck_marketplace_card_holds_booked_has_booking"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_marketplace_card_holds_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_card_holds_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["marketplace_sessions.id"],
            name=op.f("fk_marketplace_card_holds_session_id_marketplace_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_card_holds")),
        sa.UniqueConstraint("reference", name=op.f("uq_marketplace_card_holds_reference")),
    )
    with op.batch_alter_table("marketplace_card_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_card_holds_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_card_holds_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_card_holds_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_card_holds_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            "uq_marketplace_card_holds_one_live_per_member",
            ["session_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'held'"),
            postgresql_where=sa.text("status = 'held'"),
        )

    op.create_table(
        "payments_card_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("stripe_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.String(length=255), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            _enum("open", "succeeded", "failed", "cancelled", name="card_payment_status"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_payments_card_payments_amount_positive")
        ),
        sa.CheckConstraint(
            "status != 'succeeded' OR succeeded_at IS NOT NULL",
            name=op.f("ck_payments_card_payments_success_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_payments_card_payments_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_payments_card_payments_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_payments_card_payments_provider_id_marketplace_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_card_payments")),
        sa.UniqueConstraint("reference", name=op.f("uq_payments_card_payments_reference")),
        sa.UniqueConstraint("stripe_id", name=op.f("uq_payments_card_payments_stripe_id")),
    )
    with op.batch_alter_table("payments_card_payments", schema=None) as batch_op:
        for column in ("member_id", "provider_id", "booking_id", "status", "created_at"):
            batch_op.create_index(
                batch_op.f(f"ix_payments_card_payments_{column}"), [column], unique=False
            )

    op.create_table(
        "payments_card_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            _enum("requested", "sending", "succeeded", "failed", name="card_refund_status"),
            nullable=False,
        ),
        sa.Column("stripe_id", sa.String(length=255), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_posted", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_payments_card_refunds_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments_card_payments.id"],
            name=op.f("fk_payments_card_refunds_payment_id_payments_card_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_card_refunds_requested_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_card_refunds")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payments_card_refunds_payment_id")),
        sa.UniqueConstraint("stripe_id", name=op.f("uq_payments_card_refunds_stripe_id")),
    )
    with op.batch_alter_table("payments_card_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_card_refunds_status"), ["status"], unique=False
        )

    op.create_table(
        "payments_stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stripe_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_stripe_events")),
        sa.UniqueConstraint("stripe_id", name=op.f("uq_payments_stripe_events_stripe_id")),
    )
    with op.batch_alter_table("payments_stripe_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_stripe_events_payment_intent"),
            ["payment_intent"],
            unique=False,
        )


def downgrade():
    op.drop_table("payments_stripe_events")
    op.drop_table("payments_card_refunds")
    op.drop_table("payments_card_payments")
    op.drop_table("marketplace_card_holds")
    with op.batch_alter_table("marketplace_bookings", schema=None) as batch_op:
        batch_op.drop_column("payment_method")
