"""Add Shared Lives: carer households, rooms, referrals and their access log, introductions,
arrangements, short breaks that never overlap in a room, rates, carer payments, reminders and
incidents."""

import sqlalchemy as sa
from alembic import op

revision = "0010_shared_lives"
down_revision = "0009_money"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shared_lives_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "enquiry",
                "application",
                "assessment",
                "panel",
                "approved",
                "suspended",
                "deapproved",
                "resigned",
                name="household_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("reference_1", sa.Text(), nullable=False),
        sa.Column("reference_2", sa.Text(), nullable=False),
        sa.Column("consents_to_dbs", sa.Boolean(), nullable=False),
        sa.Column("housing_permission", sa.Boolean(), nullable=False),
        sa.Column("pets", sa.String(length=200), nullable=False),
        sa.Column("smoking", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("faith", sa.String(length=80), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("makeup", sa.String(length=200), nullable=False),
        sa.Column("has_woman_carer", sa.Boolean(), nullable=False),
        sa.Column("approved_types", sa.String(length=80), nullable=False),
        sa.Column("max_people", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.Text(), nullable=False),
        sa.Column("panel_decided_on", sa.Date(), nullable=True),
        sa.Column("panel_reasons", sa.Text(), nullable=False),
        sa.Column("dbs_checked_on", sa.Date(), nullable=True),
        sa.Column("first_aid_on", sa.Date(), nullable=True),
        sa.Column("mental_capacity_on", sa.Date(), nullable=True),
        sa.Column("safeguarding_on", sa.Date(), nullable=True),
        sa.Column("medication_on", sa.Date(), nullable=True),
        sa.Column("data_protection_on", sa.Date(), nullable=True),
        sa.Column("safety_check_on", sa.Date(), nullable=True),
        sa.Column("carer_review_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'suspended', 'deapproved') OR panel_decided_on IS NOT NULL",
            name=op.f("ck_shared_lives_households_approval_has_panel_date"),
        ),
        sa.CheckConstraint(
            "max_people BETWEEN 1 AND 3",
            name=op.f("ck_shared_lives_households_at_most_three_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_households")),
    )
    with op.batch_alter_table("shared_lives_households", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_households_status"), ["status"], unique=False
        )

    op.create_table(
        "shared_lives_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_shared_lives_reminders_key")),
    )
    op.create_table(
        "shared_lives_household_carers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_household_carers_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_household_carers_member_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_household_carers")),
        sa.UniqueConstraint("household_id", "member_id", name="one_place_each"),
    )
    with op.batch_alter_table("shared_lives_household_carers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_household_carers_household_id"),
            ["household_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_shared_lives_household_carers_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "shared_lives_household_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "enquiry",
                "application",
                "assessment",
                "panel",
                "approved",
                "suspended",
                "deapproved",
                "resigned",
                name="household_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "enquiry",
                "application",
                "assessment",
                "panel",
                "approved",
                "suspended",
                "deapproved",
                "resigned",
                name="household_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_household_changes_changed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_household_changes_household_id_shared_lives_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_household_changes")),
    )
    with op.batch_alter_table("shared_lives_household_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_household_changes_household_id"),
            ["household_id"],
            unique=False,
        )

    op.create_table(
        "shared_lives_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "serious_injury",
                "abuse",
                "police",
                "dols",
                "medication_error",
                "minor_injury",
                "other",
                name="incident_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notification_sent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_incidents_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_incidents_reported_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_incidents")),
    )
    with op.batch_alter_table("shared_lives_incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_incidents_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "shared_lives_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("band_1_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("band_2_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("band_3_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("band_4_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("short_break_nightly_pence", sa.Integer(), nullable=False),
        sa.Column("day_4h_pence", sa.Integer(), nullable=False),
        sa.Column("day_6h_pence", sa.Integer(), nullable=False),
        sa.Column("day_8h_pence", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "band_1_weekly_pence >= 0 AND band_2_weekly_pence >= 0 AND band_3_weekly_pence >= 0"
            " AND band_4_weekly_pence >= 0 AND short_break_nightly_pence >= 0"
            " AND day_4h_pence >= 0 AND day_6h_pence >= 0 AND day_8h_pence >= 0",
            name=op.f("ck_shared_lives_rates_rates_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_rates_made_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_rates")),
        sa.UniqueConstraint("starts_on", name=op.f("uq_shared_lives_rates_starts_on")),
    )
    op.create_table(
        "shared_lives_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("acting_for_id", sa.Integer(), nullable=True),
        sa.Column(
            "arrangement_type",
            sa.Enum(
                "long_term",
                "short_break",
                "day_support",
                name="arrangement_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("wanted_from", sa.Date(), nullable=False),
        sa.Column("wanted_until", sa.Date(), nullable=True),
        sa.Column("area_postcode", sa.String(length=8), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("health_notes", sa.Text(), nullable=False),
        sa.Column("must_haves", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=False),
        sa.Column("faith", sa.String(length=80), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("household_wish", sa.String(length=200), nullable=False),
        sa.Column("shared_summary", sa.Text(), nullable=False),
        sa.Column("paid_from_budget", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "introduced",
                "placed",
                "closed",
                name="referral_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "wanted_until IS NULL OR wanted_until > wanted_from",
            name=op.f("ck_shared_lives_referrals_wanted_range_forwards"),
        ),
        sa.ForeignKeyConstraint(
            ["acting_for_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_referrals_acting_for_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_referrals_created_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_referrals_person_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_referrals")),
    )
    with op.batch_alter_table("shared_lives_referrals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_referrals_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "shared_lives_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("step_free", sa.Boolean(), nullable=False),
        sa.Column("en_suite", sa.Boolean(), nullable=False),
        sa.Column("for_long_term", sa.Boolean(), nullable=False),
        sa.Column("for_short_breaks", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_rooms_household_id_shared_lives_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_rooms")),
    )
    with op.batch_alter_table("shared_lives_rooms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_rooms_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "shared_lives_arrangements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column(
            "arrangement_type",
            sa.Enum(
                "long_term",
                "short_break",
                "day_support",
                name="arrangement_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("rate_band", sa.Integer(), nullable=False),
        sa.Column("rent_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("contribution_weekly_pence", sa.Integer(), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("review_requested_by", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR end_reason != ''",
            name=op.f("ck_shared_lives_arrangements_ending_has_reason"),
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_shared_lives_arrangements_ends_after_start"),
        ),
        sa.CheckConstraint(
            "rate_band BETWEEN 1 AND 4", name=op.f("ck_shared_lives_arrangements_band_one_to_four")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_arrangements_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["shared_lives_referrals.id"],
            name=op.f("fk_shared_lives_arrangements_referral_id_shared_lives_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["shared_lives_rooms.id"],
            name=op.f("fk_shared_lives_arrangements_room_id_shared_lives_rooms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_arrangements")),
    )
    with op.batch_alter_table("shared_lives_arrangements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_arrangements_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shared_lives_arrangements_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shared_lives_arrangements_room_id"), ["room_id"], unique=False
        )

    op.create_table(
        "shared_lives_introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "declined",
                "agreed",
                "withdrawn",
                name="introduction_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("person_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("household_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status != 'declined' OR decline_reason != ''",
            name=op.f("ck_shared_lives_introductions_declined_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_introductions_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["shared_lives_referrals.id"],
            name=op.f("fk_shared_lives_introductions_referral_id_shared_lives_referrals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_introductions")),
        sa.UniqueConstraint("referral_id", "household_id", name="one_per_household"),
    )
    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_introductions_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shared_lives_introductions_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "shared_lives_referral_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=80), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["shared_lives_referrals.id"],
            name=op.f("fk_shared_lives_referral_access_referral_id_shared_lives_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["members_members.id"],
            name=op.f("fk_shared_lives_referral_access_viewer_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_referral_access")),
    )
    with op.batch_alter_table("shared_lives_referral_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_referral_access_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "shared_lives_stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "short_break",
                "day_support",
                "carers_break",
                name="stay_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on > starts_on", name=op.f("ck_shared_lives_stays_at_least_one_night")
        ),
        sa.CheckConstraint(
            "hours IS NULL OR hours IN (4, 6, 8)",
            name=op.f("ck_shared_lives_stays_day_session_hours"),
        ),
        sa.CheckConstraint(
            "people BETWEEN 1 AND 3", name=op.f("ck_shared_lives_stays_one_to_three_people")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_stays_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["shared_lives_referrals.id"],
            name=op.f("fk_shared_lives_stays_referral_id_shared_lives_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["shared_lives_rooms.id"],
            name=op.f("fk_shared_lives_stays_room_id_shared_lives_rooms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_stays")),
    )
    with op.batch_alter_table("shared_lives_stays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_stays_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shared_lives_stays_room_id"), ["room_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        # Two stays never share a night in one room, whoever books them at the same moment.
        # SQLite has no exclusion constraints: there the service checks inside the
        # BEGIN IMMEDIATE transaction every write starts with, one writer at a time.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE shared_lives_stays ADD CONSTRAINT xc_shared_lives_stays_no_overlap"
            " EXCLUDE USING gist (room_id WITH =, daterange(starts_on, ends_on, '[)') WITH &&)"
        )

    op.create_table(
        "shared_lives_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("introduction_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["introduction_id"],
            ["shared_lives_introductions.id"],
            name=op.f("fk_shared_lives_meetings_introduction_id_shared_lives_introductions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_meetings")),
    )
    with op.batch_alter_table("shared_lives_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_meetings_introduction_id"),
            ["introduction_id"],
            unique=False,
        )

    op.create_table(
        "shared_lives_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arrangement_id"],
            ["shared_lives_arrangements.id"],
            name=op.f("fk_shared_lives_reviews_arrangement_id_shared_lives_arrangements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_reviews")),
    )
    with op.batch_alter_table("shared_lives_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_reviews_arrangement_id"), ["arrangement_id"], unique=False
        )

    op.create_table(
        "shared_lives_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("care_fee_pence", sa.Integer(), nullable=False),
        sa.Column("rent_pence", sa.Integer(), nullable=False),
        sa.Column("contribution_pence", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "care_fee_pence >= 0 AND rent_pence >= 0 AND contribution_pence >= 0",
            name=op.f("ck_shared_lives_payments_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["shared_lives_households.id"],
            name=op.f("fk_shared_lives_payments_household_id_shared_lives_households"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payments_transactions.id"],
            name=op.f("fk_shared_lives_payments_transaction_id_payments_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_lives_payments")),
        sa.UniqueConstraint("household_id", "month", name="once_a_month"),
    )
    with op.batch_alter_table("shared_lives_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_lives_payments_household_id"), ["household_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("shared_lives_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_payments_household_id"))

    op.drop_table("shared_lives_payments")
    with op.batch_alter_table("shared_lives_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_reviews_arrangement_id"))

    op.drop_table("shared_lives_reviews")
    with op.batch_alter_table("shared_lives_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_meetings_introduction_id"))

    op.drop_table("shared_lives_meetings")
    with op.batch_alter_table("shared_lives_stays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_stays_room_id"))
        batch_op.drop_index(batch_op.f("ix_shared_lives_stays_household_id"))

    op.drop_table("shared_lives_stays")
    with op.batch_alter_table("shared_lives_referral_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_referral_access_referral_id"))

    op.drop_table("shared_lives_referral_access")
    with op.batch_alter_table("shared_lives_introductions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_introductions_referral_id"))
        batch_op.drop_index(batch_op.f("ix_shared_lives_introductions_household_id"))

    op.drop_table("shared_lives_introductions")
    with op.batch_alter_table("shared_lives_arrangements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_arrangements_room_id"))
        batch_op.drop_index(batch_op.f("ix_shared_lives_arrangements_referral_id"))
        batch_op.drop_index(batch_op.f("ix_shared_lives_arrangements_household_id"))

    op.drop_table("shared_lives_arrangements")
    with op.batch_alter_table("shared_lives_rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_rooms_household_id"))

    op.drop_table("shared_lives_rooms")
    with op.batch_alter_table("shared_lives_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_referrals_person_id"))

    op.drop_table("shared_lives_referrals")
    op.drop_table("shared_lives_rates")
    with op.batch_alter_table("shared_lives_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_incidents_household_id"))

    op.drop_table("shared_lives_incidents")
    with op.batch_alter_table("shared_lives_household_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_household_changes_household_id"))

    op.drop_table("shared_lives_household_changes")
    with op.batch_alter_table("shared_lives_household_carers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_household_carers_member_id"))
        batch_op.drop_index(batch_op.f("ix_shared_lives_household_carers_household_id"))

    op.drop_table("shared_lives_household_carers")
    op.drop_table("shared_lives_reminders")
    with op.batch_alter_table("shared_lives_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_lives_households_status"))

    op.drop_table("shared_lives_households")
