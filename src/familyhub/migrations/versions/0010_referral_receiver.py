"""referral receiver: who receives each kind of referral, an inbox index, notices of a
practitioner joining a team, and an index for the single view's postcode search

Revision ID: 0010_referral_receiver
Revises: 0009_web
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_referral_receiver"
down_revision = "0009_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation", sa.Column("receives_referrals", sa.JSON(), nullable=True))
    op.create_index(
        op.f("ix_referral_receiving_organisation_id"),
        "referral",
        ["receiving_organisation_id"],
        unique=False,
    )
    op.create_table(
        "involvement_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("involvement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["involvement_id"],
            ["involvement.id"],
            name=op.f("fk_involvement_notice_involvement_id_involvement"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_involvement_notice_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvement_notice")),
    )
    op.create_index(
        op.f("ix_involvement_notice_user_id"), "involvement_notice", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_involvement_notice_involvement_id"),
        "involvement_notice",
        ["involvement_id"],
        unique=False,
    )
    op.create_index(
        "ix_person_postcode",
        "person",
        ["postcode"],
        unique=False,
        postgresql_ops={"postcode": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_person_postcode", table_name="person")
    op.drop_index(op.f("ix_involvement_notice_involvement_id"), table_name="involvement_notice")
    op.drop_index(op.f("ix_involvement_notice_user_id"), table_name="involvement_notice")
    op.drop_table("involvement_notice")
    op.drop_index(op.f("ix_referral_receiving_organisation_id"), table_name="referral")
    op.drop_column("organisation", "receives_referrals")
