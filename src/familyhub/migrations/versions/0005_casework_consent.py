"""casework_consent: tables of the casework_consent domain (filled in when that domain lands)

Revision ID: 0005_casework_consent
Revises: 0004_access_audit
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0005_casework_consent"
down_revision = "0004_access_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
