"""insight: tables of the insight domain (filled in when that domain lands)

Revision ID: 0008_insight
Revises: 0007_rights_governance
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0008_insight"
down_revision = "0007_rights_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
