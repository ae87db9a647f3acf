"""Members without email (paper applications, letters); staff invitations, refused bookings of
one's own provider, and the secretary's review of a provider's first listing."""

import sqlalchemy as sa
from alembic import op

revision = "0008_people"
down_revision = "0007_ballot_secrecy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "members_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_letters_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_letters_posted_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_letters")),
    )
    with op.batch_alter_table("members_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_letters_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_members_letters_posted_at"), ["posted_at"], unique=False
        )

    op.create_table(
        "members_paper_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "received_by",
            sa.Enum("post", "phone", "in_person", name="received_by", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("identity_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("identity_note", sa.Text(), nullable=False),
        sa.Column("pending_email", sa.String(length=254), nullable=True),
        sa.Column("pending_email_added_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_confirmed_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_identity_confirmed_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_paper_applications_recorded_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_paper_applications")),
        sa.UniqueConstraint("member_id", name=op.f("uq_members_paper_applications_member_id")),
    )
    op.create_table(
        "marketplace_staff_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                "withdrawn",
                "expired",
                name="invitation_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_staff_invitations_invited_by_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_staff_invitations_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_marketplace_staff_invitations_provider_id_marketplace_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_staff_invitations")),
    )
    with op.batch_alter_table("marketplace_staff_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_staff_invitations_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_staff_invitations_provider_id"),
            ["provider_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_marketplace_staff_invitations_one_pending",
            ["provider_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "marketplace_refused_own_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_members.id"],
            name=op.f("fk_marketplace_refused_own_bookings_member_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["marketplace_providers.id"],
            name=op.f("fk_marketplace_refused_own_bookings_provider_id_marketplace_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["marketplace_sessions.id"],
            name=op.f("fk_marketplace_refused_own_bookings_session_id_marketplace_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_refused_own_bookings")),
    )
    with op.batch_alter_table("marketplace_refused_own_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_refused_own_bookings_attempted_at"),
            ["attempted_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_refused_own_bookings_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketplace_refused_own_bookings_provider_id"),
            ["provider_id"],
            unique=False,
        )

    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))

    with op.batch_alter_table("marketplace_providers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_listing_approved_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Providers whose listings are already public keep publishing directly: their listings
    # were public before the review existed, and hiding them would strand people's bookings.
    op.execute(
        "UPDATE marketplace_providers SET first_listing_approved_at = approved_at"
        " WHERE approved_at IS NOT NULL AND EXISTS (SELECT 1 FROM marketplace_listings"
        " WHERE marketplace_listings.provider_id = marketplace_providers.id"
        " AND marketplace_listings.status IN ('published', 'archived'))"
    )

    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.VARCHAR(length=254), nullable=True)


def downgrade():
    # A member without email cannot be kept by the older schema: the downgrade stops there
    # rather than invent an address for them.
    with op.batch_alter_table("members_members", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.VARCHAR(length=254), nullable=False)

    with op.batch_alter_table("marketplace_providers", schema=None) as batch_op:
        batch_op.drop_column("first_listing_approved_at")

    with op.batch_alter_table("marketplace_listings", schema=None) as batch_op:
        batch_op.drop_column("review_note")
        batch_op.drop_column("review_requested_at")

    with op.batch_alter_table("marketplace_refused_own_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_refused_own_bookings_provider_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_refused_own_bookings_member_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_refused_own_bookings_attempted_at"))

    op.drop_table("marketplace_refused_own_bookings")
    with op.batch_alter_table("marketplace_staff_invitations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_marketplace_staff_invitations_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_marketplace_staff_invitations_provider_id"))
        batch_op.drop_index(batch_op.f("ix_marketplace_staff_invitations_member_id"))

    op.drop_table("marketplace_staff_invitations")
    op.drop_table("members_paper_applications")
    with op.batch_alter_table("members_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_letters_posted_at"))
        batch_op.drop_index(batch_op.f("ix_members_letters_member_id"))

    op.drop_table("members_letters")
