"""erasure suppression: keyed fingerprints of partner records erased at the data subject's
request, so that a partner's next extract does not bring them back

Revision ID: 0011_erasure_suppression
Revises: 0010_referral_receiver
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_erasure_suppression"
down_revision = "0010_referral_receiver"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_erasure_suppression_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_suppression")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_erasure_suppression_fingerprint")),
    )
    op.create_index(
        op.f("ix_erasure_suppression_request_id"),
        "erasure_suppression",
        ["request_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_erasure_suppression_source"), "erasure_suppression", ["source"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_erasure_suppression_source"), table_name="erasure_suppression")
    op.drop_index(op.f("ix_erasure_suppression_request_id"), table_name="erasure_suppression")
    op.drop_table("erasure_suppression")
