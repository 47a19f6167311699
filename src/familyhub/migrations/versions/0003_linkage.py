"""linkage: persons, links, person id history, golden values, review queue, decisions, models

Revision ID: 0003_linkage
Revises: 0002_sources
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_linkage"
down_revision = "0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("has_conflicts", sa.Boolean(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["run.id"], name=op.f("fk_person_last_run_id_run")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["person.id"], name=op.f("fk_person_merged_into_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_index(op.f("ix_person_date_of_birth"), "person", ["date_of_birth"], unique=False)
    op.create_index(op.f("ix_person_nhs_number"), "person", ["nhs_number"], unique=False)
    op.create_index(op.f("ix_person_status"), "person", ["status"], unique=False)
    op.create_table(
        "golden_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golden_value")),
    )
    op.create_index(
        op.f("ix_golden_value_person_field"), "golden_value", ["person_id", "field"], unique=False
    )
    op.create_table(
        "linkage_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dialect", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("training_summary", sa.JSON(), nullable=False),
        sa.Column("trained_by", sa.String(length=200), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_linkage_model_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_model")),
        sa.UniqueConstraint("version", name=op.f("uq_linkage_model_version")),
    )
    op.create_index(op.f("ix_linkage_model_status"), "linkage_model", ["status"], unique=False)
    op.create_table(
        "person_id_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("other_person_id", sa.String(length=32), nullable=True),
        sa.Column("records_moved", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_person_id_event_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_id_event")),
    )
    op.create_index(
        op.f("ix_person_id_event_other_person_id"),
        "person_id_event",
        ["other_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_person_id_event_person_id"), "person_id_event", ["person_id"], unique=False
    )
    op.create_index(op.f("ix_person_id_event_run_id"), "person_id_event", ["run_id"], unique=False)
    op.create_table(
        "review_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.BigInteger(), nullable=False),
        sa.Column("record_b", sa.BigInteger(), nullable=False),
        sa.Column("person_a", sa.String(length=32), nullable=True),
        sa.Column("person_b", sa.String(length=32), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_review_pair_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_pair")),
        sa.UniqueConstraint("record_a", "record_b", name=op.f("uq_review_pair_record_a_record_b")),
    )
    op.create_index(op.f("ix_review_pair_status"), "review_pair", ["status"], unique=False)
    op.create_table(
        "manual_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.BigInteger(), nullable=False),
        sa.Column("record_b", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_pair_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_pair_id"],
            ["review_pair.id"],
            name=op.f("fk_manual_decision_review_pair_id_review_pair"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_decision")),
    )
    op.create_index(
        op.f("ix_manual_decision_record_a"), "manual_decision", ["record_a"], unique=False
    )
    op.create_index(
        op.f("ix_manual_decision_record_b"), "manual_decision", ["record_b"], unique=False
    )
    op.create_table(
        "person_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["linkage_model.id"], name=op.f("fk_person_link_model_id_linkage_model")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_link_person_id_person")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_person_link_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_link")),
        sa.UniqueConstraint("source_record_id", name=op.f("uq_person_link_source_record_id")),
    )
    op.create_index(op.f("ix_person_link_person_id"), "person_link", ["person_id"], unique=False)
    op.create_index(op.f("ix_person_link_run_id"), "person_link", ["run_id"], unique=False)
    op.create_index(
        op.f("ix_person_link_source_record"), "person_link", ["source", "record_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_person_link_source_record"), table_name="person_link")
    op.drop_index(op.f("ix_person_link_run_id"), table_name="person_link")
    op.drop_index(op.f("ix_person_link_person_id"), table_name="person_link")
    op.drop_table("person_link")
    op.drop_index(op.f("ix_manual_decision_record_b"), table_name="manual_decision")
    op.drop_index(op.f("ix_manual_decision_record_a"), table_name="manual_decision")
    op.drop_table("manual_decision")
    op.drop_index(op.f("ix_review_pair_status"), table_name="review_pair")
    op.drop_table("review_pair")
    op.drop_index(op.f("ix_person_id_event_run_id"), table_name="person_id_event")
    op.drop_index(op.f("ix_person_id_event_person_id"), table_name="person_id_event")
    op.drop_index(op.f("ix_person_id_event_other_person_id"), table_name="person_id_event")
    op.drop_table("person_id_event")
    op.drop_index(op.f("ix_person_status"), table_name="person")
    op.drop_index(op.f("ix_person_nhs_number"), table_name="person")
    op.drop_index(op.f("ix_person_date_of_birth"), table_name="person")
    op.drop_table("person")
    op.drop_index(op.f("ix_linkage_model_status"), table_name="linkage_model")
    op.drop_table("linkage_model")
    op.drop_index(op.f("ix_golden_value_person_field"), table_name="golden_value")
    op.drop_table("golden_value")
