"""families_outcomes: households, families over time; needs, evidence, decisions, claims

Revision ID: 0006_families_outcomes
Revises: 0005_casework_consent
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_families_outcomes"
down_revision = "0005_casework_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family")),
    )
    op.create_index(op.f("ix_family_status"), "family", ["status"], unique=False)
    op.create_table(
        "family_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_family_member_family_id_family")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_member")),
    )
    op.create_index(
        op.f("ix_family_member_family_id"), "family_member", ["family_id"], unique=False
    )
    op.create_index(
        op.f("ix_family_member_person_id"), "family_member", ["person_id"], unique=False
    )
    op.create_table(
        "family_assessment",
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("has_dependants", sa.Boolean(), nullable=False),
        sa.Column("need_count", sa.Integer(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("confirmed_count", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("family_id", name=op.f("pk_family_assessment")),
    )
    op.create_index(
        op.f("ix_family_assessment_eligible"), "family_assessment", ["eligible"], unique=False
    )
    op.create_table(
        "family_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_episode")),
    )
    op.create_index(
        op.f("ix_family_episode_family_id"), "family_episode", ["family_id"], unique=False
    )
    op.create_table(
        "household",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("address_key", sa.String(length=300), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
        sa.UniqueConstraint("address_key", name=op.f("uq_household_address_key")),
    )
    op.create_table(
        "need_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_through", sa.Date(), nullable=True),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_decision")),
    )
    op.create_index(
        op.f("ix_need_decision_family_id"), "need_decision", ["family_id"], unique=False
    )
    op.create_table(
        "need_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_need_progress_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_progress")),
    )
    op.create_index(
        op.f("ix_need_progress_family_id"), "need_progress", ["family_id"], unique=False
    )
    op.create_index(op.f("ix_need_progress_run_id"), "need_progress", ["run_id"], unique=False)
    op.create_table(
        "need_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_evidence")),
    )
    op.create_index(
        op.f("ix_need_evidence_family_id"), "need_evidence", ["family_id"], unique=False
    )
    op.create_table(
        "person_relationship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("related_person_id", sa.String(length=32), nullable=False),
        sa.Column("relationship", sa.String(length=40), nullable=False),
        sa.Column("sources", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_relationship")),
        sa.UniqueConstraint(
            "person_id",
            "related_person_id",
            "relationship",
            name=op.f("uq_person_relationship_person_id_related_person_id_relationship"),
        ),
    )
    op.create_index(
        op.f("ix_person_relationship_person_id"), "person_relationship", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_relationship_related_person_id"),
        "person_relationship",
        ["related_person_id"],
        unique=False,
    )
    op.create_table(
        "family_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_family_change_family_id_family")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_family_change_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_change")),
    )
    op.create_index(
        op.f("ix_family_change_family_id"), "family_change", ["family_id"], unique=False
    )
    op.create_index(op.f("ix_family_change_run_id"), "family_change", ["run_id"], unique=False)
    op.create_table(
        "family_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_evidence_date", sa.Date(), nullable=False),
        sa.Column("last_evidence_date", sa.Date(), nullable=False),
        sa.Column("ongoing", sa.Boolean(), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_family_need_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_need")),
    )
    op.create_index(op.f("ix_family_need_family_id"), "family_need", ["family_id"], unique=False)
    op.create_index(op.f("ix_family_need_person_id"), "family_need", ["person_id"], unique=False)
    op.create_index(op.f("ix_family_need_run_id"), "family_need", ["run_id"], unique=False)
    op.create_table(
        "household_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_member_household_id_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_member")),
    )
    op.create_index(
        op.f("ix_household_member_household_id"), "household_member", ["household_id"], unique=False
    )
    op.create_index(
        op.f("ix_household_member_person_id"), "household_member", ["person_id"], unique=False
    )
    op.create_table(
        "outcome_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("sustained_until", sa.Date(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["family_episode.id"],
            name=op.f("fk_outcome_claim_episode_id_family_episode"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_claim")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_outcome_claim_episode_id")),
    )
    op.create_index(
        op.f("ix_outcome_claim_family_id"), "outcome_claim", ["family_id"], unique=False
    )
    op.create_table(
        "rejected_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_rejected_event_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_event")),
    )
    op.create_index(op.f("ix_rejected_event_run_id"), "rejected_event", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rejected_event_run_id"), table_name="rejected_event")
    op.drop_table("rejected_event")
    op.drop_index(op.f("ix_outcome_claim_family_id"), table_name="outcome_claim")
    op.drop_table("outcome_claim")
    op.drop_index(op.f("ix_household_member_person_id"), table_name="household_member")
    op.drop_index(op.f("ix_household_member_household_id"), table_name="household_member")
    op.drop_table("household_member")
    op.drop_index(op.f("ix_family_need_run_id"), table_name="family_need")
    op.drop_index(op.f("ix_family_need_person_id"), table_name="family_need")
    op.drop_index(op.f("ix_family_need_family_id"), table_name="family_need")
    op.drop_table("family_need")
    op.drop_index(op.f("ix_family_change_run_id"), table_name="family_change")
    op.drop_index(op.f("ix_family_change_family_id"), table_name="family_change")
    op.drop_table("family_change")
    op.drop_index(
        op.f("ix_person_relationship_related_person_id"), table_name="person_relationship"
    )
    op.drop_index(op.f("ix_person_relationship_person_id"), table_name="person_relationship")
    op.drop_table("person_relationship")
    op.drop_index(op.f("ix_need_progress_run_id"), table_name="need_progress")
    op.drop_index(op.f("ix_need_progress_family_id"), table_name="need_progress")
    op.drop_table("need_progress")
    op.drop_index(op.f("ix_need_evidence_family_id"), table_name="need_evidence")
    op.drop_table("need_evidence")
    op.drop_index(op.f("ix_need_decision_family_id"), table_name="need_decision")
    op.drop_table("need_decision")
    op.drop_table("household")
    op.drop_index(op.f("ix_family_episode_family_id"), table_name="family_episode")
    op.drop_table("family_episode")
    op.drop_index(op.f("ix_family_assessment_eligible"), table_name="family_assessment")
    op.drop_table("family_assessment")
    op.drop_index(op.f("ix_family_member_person_id"), table_name="family_member")
    op.drop_index(op.f("ix_family_member_family_id"), table_name="family_member")
    op.drop_table("family_member")
    op.drop_index(op.f("ix_family_status"), table_name="family")
    op.drop_table("family")
