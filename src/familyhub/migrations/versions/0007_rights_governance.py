"""rights_governance: tables of the rights_governance domain (filled in when that domain lands)

Revision ID: 0007_rights_governance
Revises: 0006_families_outcomes
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0007_rights_governance"
down_revision = "0006_families_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
