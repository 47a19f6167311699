"""insight: purpose key versions (salts, never keys) and the register of insight outputs

Revision ID: 0008_insight
Revises: 0007_rights_governance
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_insight"
down_revision = "0007_rights_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_purpose_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("master_fingerprint", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_purpose_key")),
        sa.UniqueConstraint(
            "purpose", "version", name=op.f("uq_insight_purpose_key_purpose_version")
        ),
    )
    op.create_index(
        op.f("ix_insight_purpose_key_purpose"), "insight_purpose_key", ["purpose"], unique=False
    )
    op.create_table(
        "insight_output",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("agreement", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_output")),
    )
    op.create_index(op.f("ix_insight_output_kind"), "insight_output", ["kind"], unique=False)
    op.create_index(op.f("ix_insight_output_purpose"), "insight_output", ["purpose"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_insight_output_purpose"), table_name="insight_output")
    op.drop_index(op.f("ix_insight_output_kind"), table_name="insight_output")
    op.drop_table("insight_output")
    op.drop_index(op.f("ix_insight_purpose_key_purpose"), table_name="insight_purpose_key")
    op.drop_table("insight_purpose_key")
