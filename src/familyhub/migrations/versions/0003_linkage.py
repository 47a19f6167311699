"""linkage: tables of the linkage domain (filled in when that domain lands)

Revision ID: 0003_linkage
Revises: 0002_sources
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0003_linkage"
down_revision = "0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
