"""audit actor time index: every view's burst check reads the viewer's own events of the
last few minutes; with only the separate actor and time indexes it read either all of the
viewer's events ever or everyone's events of those minutes

Revision ID: 0012_audit_actor_time
Revises: 0011_erasure_suppression
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0012_audit_actor_time"
down_revision = "0011_erasure_suppression"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_event_actor_user_id_occurred_at",
        "audit_event",
        ["actor_user_id", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_actor_user_id_occurred_at", table_name="audit_event")
