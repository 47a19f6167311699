"""families_outcomes: tables of the families_outcomes domain (filled in when that domain lands)

Revision ID: 0006_families_outcomes
Revises: 0005_casework_consent
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0006_families_outcomes"
down_revision = "0005_casework_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
