"""Add circles of support: the permissions a member gives the people who act for them, a record
of everything done for them, and nominated or authorised people for direct payments."""

import sqlalchemy as sa
from alembic import op

revision = "0011_circles"
down_revision = "0010_shared_lives"
branch_labels = None
depends_on = None

PERMISSION = sa.Enum(
    "see", "book", "cover", "shared_lives", name="circle_permission", native_enum=False, length=32
)
LIVE = "withdrawn_at IS NULL"


def upgrade():
    op.create_table(
        "members_circle_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("permission", PERMISSION, nullable=False),
        sa.Column("limit_pence", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "person_id != helper_id", name=op.f("ck_members_circle_grants_not_yourself")
        ),
        sa.CheckConstraint(
            "limit_pence IS NULL OR (limit_pence > 0 AND limit_pence <= 2147483647)",
            name=op.f("ck_members_circle_grants_limit_positive"),
        ),
        sa.CheckConstraint(
            "permission = 'book' OR limit_pence IS NULL",
            name=op.f("ck_members_circle_grants_limit_only_booking"),
        ),
        sa.CheckConstraint(
            "permission != 'book' OR limit_pence IS NOT NULL",
            name=op.f("ck_members_circle_grants_booking_has_limit"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["members_members.id"],
            name=op.f("fk_members_circle_grants_person_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["helper_id"],
            ["members_members.id"],
            name=op.f("fk_members_circle_grants_helper_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_circle_grants")),
    )
    with op.batch_alter_table("members_circle_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_circle_grants_person_id"), ["person_id"])
        batch_op.create_index(batch_op.f("ix_members_circle_grants_helper_id"), ["helper_id"])
        batch_op.create_index(
            "uq_members_circle_grants_one_live",
            ["person_id", "helper_id", "permission"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )

    op.create_table(
        "members_circle_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("permission", PERMISSION, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "person_id != helper_id", name=op.f("ck_members_circle_acts_not_yourself")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["members_members.id"],
            name=op.f("fk_members_circle_acts_person_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["helper_id"],
            ["members_members.id"],
            name=op.f("fk_members_circle_acts_helper_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_circle_acts")),
    )
    with op.batch_alter_table("members_circle_acts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_circle_acts_person_id"), ["person_id"])
        batch_op.create_index(batch_op.f("ix_members_circle_acts_helper_id"), ["helper_id"])

    op.create_table(
        "members_nominated_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("nominated", "authorised", name="nominee_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_seen_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= evidence_seen_on",
            name=op.f("ck_members_nominated_persons_ends_after_seen"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["members_members.id"],
            name=op.f("fk_members_nominated_persons_person_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["members_members.id"],
            name=op.f("fk_members_nominated_persons_nominee_id_members_members"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members_members.id"],
            name=op.f("fk_members_nominated_persons_recorded_by_id_members_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_nominated_persons")),
    )
    with op.batch_alter_table("members_nominated_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_nominated_persons_person_id"), ["person_id"])


def downgrade():
    with op.batch_alter_table("members_nominated_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_nominated_persons_person_id"))
    op.drop_table("members_nominated_persons")
    with op.batch_alter_table("members_circle_acts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_circle_acts_helper_id"))
        batch_op.drop_index(batch_op.f("ix_members_circle_acts_person_id"))
    op.drop_table("members_circle_acts")
    with op.batch_alter_table("members_circle_grants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_members_circle_grants_one_live",
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch_op.drop_index(batch_op.f("ix_members_circle_grants_helper_id"))
        batch_op.drop_index(batch_op.f("ix_members_circle_grants_person_id"))
    op.drop_table("members_circle_grants")
