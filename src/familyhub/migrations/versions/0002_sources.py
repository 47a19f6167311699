"""sources: extracts, source records, events, relationships and quarantine

Revision ID: 0002_sources
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_sources"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_extract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_new", sa.Integer(), nullable=False),
        sa.Column("rows_changed", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("rows_withdrawn", sa.Integer(), nullable=False),
        sa.Column("values_dropped", sa.Integer(), nullable=False),
        sa.Column("events_loaded", sa.Integer(), nullable=False),
        sa.Column("contract_sha256", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_source_extract_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_extract")),
    )
    op.create_index(
        op.f("ix_source_extract_file_sha256"), "source_extract", ["file_sha256"], unique=False
    )
    op.create_index(op.f("ix_source_extract_run_id"), "source_extract", ["run_id"], unique=False)
    op.create_index(op.f("ix_source_extract_source"), "source_extract", ["source"], unique=False)
    op.create_table(
        "quarantine_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw_row", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["extract_id"],
            ["source_extract.id"],
            name=op.f("fk_quarantine_row_extract_id_source_extract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_row")),
    )
    op.create_index(
        op.f("ix_quarantine_row_extract_id"), "quarantine_row", ["extract_id"], unique=False
    )
    op.create_index(op.f("ix_quarantine_row_source"), "quarantine_row", ["source"], unique=False)
    op.create_table(
        "source_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("data_category", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["extract_id"],
            ["source_extract.id"],
            name=op.f("fk_source_event_extract_id_source_extract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_event")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_source_event_source_event_id")),
    )
    op.create_index(
        "ix_source_event_event_type_event_date",
        "source_event",
        ["event_type", "event_date"],
        unique=False,
    )
    op.create_index(
        "ix_source_event_source_record_id", "source_event", ["source", "record_id"], unique=False
    )
    op.create_table(
        "source_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("partner_person_id", sa.String(length=64), nullable=True),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("row_sha256", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("other_names", sa.String(length=300), nullable=True),
        sa.Column("given_name_match", sa.String(length=200), nullable=True),
        sa.Column("family_name_match", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("ni_number", sa.String(length=9), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("postcode_sector", sa.String(length=6), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column("postcode_area", sa.String(length=3), nullable=True),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["extract_id"],
            ["source_extract.id"],
            name=op.f("fk_source_record_extract_id_source_extract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_source_record_source_record_id")),
    )
    op.create_index(
        op.f("ix_source_record_date_of_birth"), "source_record", ["date_of_birth"], unique=False
    )
    op.create_index(
        "ix_source_record_family_name_match_date_of_birth",
        "source_record",
        ["family_name_match", "date_of_birth"],
        unique=False,
    )
    op.create_index(
        "ix_source_record_nhs_number",
        "source_record",
        ["nhs_number"],
        unique=False,
        sqlite_where=sa.text("nhs_number IS NOT NULL"),
        postgresql_where=sa.text("nhs_number IS NOT NULL"),
    )
    op.create_index(
        "ix_source_record_ni_number",
        "source_record",
        ["ni_number"],
        unique=False,
        sqlite_where=sa.text("ni_number IS NOT NULL"),
        postgresql_where=sa.text("ni_number IS NOT NULL"),
    )
    op.create_index(op.f("ix_source_record_postcode"), "source_record", ["postcode"], unique=False)
    op.create_index(
        "ix_source_record_source_partner_person_id",
        "source_record",
        ["source", "partner_person_id"],
        unique=False,
    )
    op.create_index(
        "ix_source_record_upn",
        "source_record",
        ["upn"],
        unique=False,
        sqlite_where=sa.text("upn IS NOT NULL"),
        postgresql_where=sa.text("upn IS NOT NULL"),
    )
    op.create_index(
        "ix_source_record_uprn",
        "source_record",
        ["uprn"],
        unique=False,
        sqlite_where=sa.text("uprn IS NOT NULL"),
        postgresql_where=sa.text("uprn IS NOT NULL"),
    )
    op.create_table(
        "source_relationship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("related_record_id", sa.String(length=64), nullable=True),
        sa.Column("related_partner_person_id", sa.String(length=64), nullable=True),
        sa.Column("relationship", sa.String(length=40), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["extract_id"],
            ["source_extract.id"],
            name=op.f("fk_source_relationship_extract_id_source_extract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_relationship")),
    )
    op.create_index(
        "ix_source_relationship_source_record_id",
        "source_relationship",
        ["source", "record_id"],
        unique=False,
    )
    op.create_index(
        "ix_source_relationship_source_related_record_id",
        "source_relationship",
        ["source", "related_record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_source_relationship_source_related_record_id", table_name="source_relationship"
    )
    op.drop_index("ix_source_relationship_source_record_id", table_name="source_relationship")
    op.drop_table("source_relationship")
    op.drop_index(
        "ix_source_record_uprn",
        table_name="source_record",
        sqlite_where=sa.text("uprn IS NOT NULL"),
        postgresql_where=sa.text("uprn IS NOT NULL"),
    )
    op.drop_index(
        "ix_source_record_upn",
        table_name="source_record",
        sqlite_where=sa.text("upn IS NOT NULL"),
        postgresql_where=sa.text("upn IS NOT NULL"),
    )
    op.drop_index("ix_source_record_source_partner_person_id", table_name="source_record")
    op.drop_index(op.f("ix_source_record_postcode"), table_name="source_record")
    op.drop_index(
        "ix_source_record_ni_number",
        table_name="source_record",
        sqlite_where=sa.text("ni_number IS NOT NULL"),
        postgresql_where=sa.text("ni_number IS NOT NULL"),
    )
    op.drop_index(
        "ix_source_record_nhs_number",
        table_name="source_record",
        sqlite_where=sa.text("nhs_number IS NOT NULL"),
        postgresql_where=sa.text("nhs_number IS NOT NULL"),
    )
    op.drop_index("ix_source_record_family_name_match_date_of_birth", table_name="source_record")
    op.drop_index(op.f("ix_source_record_date_of_birth"), table_name="source_record")
    op.drop_table("source_record")
    op.drop_index("ix_source_event_source_record_id", table_name="source_event")
    op.drop_index("ix_source_event_event_type_event_date", table_name="source_event")
    op.drop_table("source_event")
    op.drop_index(op.f("ix_quarantine_row_source"), table_name="quarantine_row")
    op.drop_index(op.f("ix_quarantine_row_extract_id"), table_name="quarantine_row")
    op.drop_table("quarantine_row")
    op.drop_index(op.f("ix_source_extract_source"), table_name="source_extract")
    op.drop_index(op.f("ix_source_extract_run_id"), table_name="source_extract")
    op.drop_index(op.f("ix_source_extract_file_sha256"), table_name="source_extract")
    op.drop_table("source_extract")
