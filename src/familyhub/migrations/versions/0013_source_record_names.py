"""source record names index: the search's name lookups (family name, then the given name or
a given name's first word) read every record of a common family name without it; with
varchar_pattern_ops on PostgreSQL the first-word LIKE 'name %' uses it too (the database's
collation is not C)

Revision ID: 0013_source_record_names
Revises: 0012_audit_actor_time
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0013_source_record_names"
down_revision = "0012_audit_actor_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_source_record_family_name_match_given_name_match",
        "source_record",
        ["family_name_match", "given_name_match"],
        unique=False,
        postgresql_ops={"given_name_match": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_source_record_family_name_match_given_name_match", table_name="source_record")
