"""access_audit: tables of the access_audit domain (filled in when that domain lands)

Revision ID: 0004_access_audit
Revises: 0003_linkage
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0004_access_audit"
down_revision = "0003_linkage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
