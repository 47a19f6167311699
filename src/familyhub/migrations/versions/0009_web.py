"""web: tables of the web domain (filled in when that domain lands)

Revision ID: 0009_web
Revises: 0008_insight
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0009_web"
down_revision = "0008_insight"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
