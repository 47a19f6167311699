"""families_outcomes: tables of the families_outcomes domain (filled in when that domain lands)

Revision ID: 0006_families_outcomes
Revises: 0005_casework_consent
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_families_outcomes"
down_revision = "0005_casework_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family")),
    )
    op.create_index(op.f("ix_family_status"), "family", ["status"], unique=False)
    op.create_table(
        "family_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_family_member_family_id_family")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_member")),
    )
    op.create_index(
        op.f("ix_family_member_family_id"), "family_member", ["family_id"], unique=False
    )
    op.create_index(
        op.f("ix_family_member_person_id"), "family_member", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_family_member_person_id"), table_name="family_member")
    op.drop_index(op.f("ix_family_member_family_id"), table_name="family_member")
    op.drop_table("family_member")
    op.drop_index(op.f("ix_family_status"), table_name="family")
    op.drop_table("family")
