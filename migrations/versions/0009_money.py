"""Add payouts, costs, earmarked surplus, fund payments, auditors and a surplus ballot's accounts

Revision ID: 0005_money
Revises: 0004_marketplace
Create Date: 2026-12-01 20:03:19.183044

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_money"
down_revision = "0008_people"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payments_auditor_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "auditor_id != member_id", name=op.f("ck_payments_auditor_grants_not_own_auditor")
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"],
            ["members_members.id"],
            name=op.f("fk_payments_auditor_grants_auditor_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_auditor_grants_granted_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_payments_auditor_grants_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_auditor_grants")),
    )
    with op.batch_alter_table("payments_auditor_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_auditor_grants_auditor_id"), ["auditor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_auditor_grants_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "payments_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_payments_receipts_known_type"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_receipts_uploaded_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_receipts")),
    )
    op.create_table(
        "payments_repeating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("payee", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "pa_wages",
                "household_bill",
                "personal_allowance",
                "larger_item",
                "other",
                name="fund_payment_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column(
            "every",
            sa.Enum("week", "month", name="repeat_every", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("next_on", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problem", sa.String(length=300), nullable=True),
        sa.Column("problem_on", sa.Date(), nullable=True),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payments_repeating_positive_amount")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_repeating_created_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_payments_repeating_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_repeating")),
    )
    with op.batch_alter_table("payments_repeating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_repeating_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_repeating_next_on"), ["next_on"], unique=False
        )

    op.create_table(
        "payments_auditor_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["payments_auditor_grants.id"],
            name=op.f("fk_payments_auditor_views_grant_id_payments_auditor_grants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_auditor_views")),
    )
    with op.batch_alter_table("payments_auditor_views", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_auditor_views_grant_id"), ["grant_id"], unique=False
        )

    op.create_table(
        "payments_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "insurance",
                "website",
                "room_hire",
                "bank_charges",
                "accountancy",
                "training",
                "expenses",
                "other",
                name="cost_category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payments_costs_positive_amount")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_costs_recorded_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_costs_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_costs")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payments_costs_transaction_id")),
    )
    with op.batch_alter_table("payments_costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_costs_spent_on"), ["spent_on"], unique=False)

    op.create_table(
        "payments_earmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payments_earmarks_positive_amount")),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_earmarks_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_earmarks")),
        sa.UniqueConstraint("key", name=op.f("uq_payments_earmarks_key")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payments_earmarks_transaction_id")),
    )
    op.create_table(
        "payments_fund_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("payee", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "pa_wages",
                "household_bill",
                "personal_allowance",
                "larger_item",
                "other",
                name="fund_payment_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("repeating_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_payments_fund_payments_positive_amount")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_payments_fund_payments_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["payments_receipts.id"],
            name=op.f("fk_payments_fund_payments_receipt_id_payments_receipts"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_fund_payments_recorded_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["repeating_id"],
            ["payments_repeating.id"],
            name=op.f("fk_payments_fund_payments_repeating_id_payments_repeating"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_fund_payments_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_fund_payments")),
        sa.UniqueConstraint("repeating_id", "due_on", name="uq_payments_fund_payments_due_once"),
        sa.UniqueConstraint(
            "transaction_id", name=op.f("uq_payments_fund_payments_transaction_id")
        ),
    )
    with op.batch_alter_table("payments_fund_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_fund_payments_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "payments_payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("bank_reference", sa.String(length=60), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payments_payouts_pays_something")),
        sa.CheckConstraint(
            "period_last >= period_first", name=op.f("ck_payments_payouts_period_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["members_members.id"],
            name=op.f("fk_payments_payouts_made_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_payments_payouts_provider_id_marketplace_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_payments_payouts_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_payouts")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payments_payouts_transaction_id")),
    )
    with op.batch_alter_table("payments_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_payouts_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "payments_payout_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("payment", "refund", name="payout_item_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["marketplace_bookings.id"],
            name=op.f("fk_payments_payout_items_booking_id_marketplace_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["payments_payouts.id"],
            name=op.f("fk_payments_payout_items_payout_id_payments_payouts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_payout_items")),
        sa.UniqueConstraint("booking_id", "kind", name="uq_payments_payout_items_booking_once"),
    )
    with op.batch_alter_table("payments_payout_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_payout_items_payout_id"), ["payout_id"], unique=False
        )

    with op.batch_alter_table("voting_surplus_ballots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accounts_income_pence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accounts_costs_pence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("surplus_pence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("share_less_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("earmarked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            "sharing_less_has_reason",
            "surplus_pence IS NULL OR amount_pence >= surplus_pence"
            " OR share_less_reason IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("voting_surplus_ballots", schema=None) as batch_op:
        batch_op.drop_constraint("sharing_less_has_reason", type_="check")
        batch_op.drop_column("earmarked_at")
        batch_op.drop_column("share_less_reason")
        batch_op.drop_column("surplus_pence")
        batch_op.drop_column("accounts_costs_pence")
        batch_op.drop_column("accounts_income_pence")

    with op.batch_alter_table("payments_payout_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_payout_items_payout_id"))

    op.drop_table("payments_payout_items")
    with op.batch_alter_table("payments_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_payouts_provider_id"))

    op.drop_table("payments_payouts")
    with op.batch_alter_table("payments_fund_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_fund_payments_member_id"))

    op.drop_table("payments_fund_payments")
    op.drop_table("payments_earmarks")
    with op.batch_alter_table("payments_costs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_costs_spent_on"))

    op.drop_table("payments_costs")
    with op.batch_alter_table("payments_auditor_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_auditor_views_grant_id"))

    op.drop_table("payments_auditor_views")
    with op.batch_alter_table("payments_repeating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_repeating_next_on"))
        batch_op.drop_index(batch_op.f("ix_payments_repeating_member_id"))

    op.drop_table("payments_repeating")
    op.drop_table("payments_receipts")
    with op.batch_alter_table("payments_auditor_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_auditor_grants_member_id"))
        batch_op.drop_index(batch_op.f("ix_payments_auditor_grants_auditor_id"))

    op.drop_table("payments_auditor_grants")
