"""rights_governance: rights requests and their history, rectifications, the partner outbox,
restrictions and objections, erasure tombstones, SAR review decisions, legal holds.

Revision ID: 0007_rights_governance
Revises: 0006_families_outcomes
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_rights_governance"
down_revision = "0006_families_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    op.create_index(op.f("ix_legal_hold_person_id"), "legal_hold", ["person_id"], unique=False)
    op.create_table(
        "rights_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("subject_details", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("match_outcome", sa.String(length=20), nullable=False),
        sa.Column("match_candidates", sa.JSON(), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("requester_relationship", sa.String(length=40), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("identity_checked_on", sa.Date(), nullable=True),
        sa.Column("clock_started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("extension_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["rights_request.id"],
            name=op.f("fk_rights_request_duplicate_of_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_request")),
    )
    op.create_index(op.f("ix_rights_request_due_on"), "rights_request", ["due_on"], unique=False)
    op.create_index(op.f("ix_rights_request_kind"), "rights_request", ["kind"], unique=False)
    op.create_index(
        op.f("ix_rights_request_person_id"), "rights_request", ["person_id"], unique=False
    )
    op.create_index(op.f("ix_rights_request_status"), "rights_request", ["status"], unique=False)
    op.create_table(
        "erasure_tombstone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("person_ref", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_erasure_tombstone_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_tombstone")),
    )
    op.create_index(
        op.f("ix_erasure_tombstone_person_ref"), "erasure_tombstone", ["person_ref"], unique=False
    )
    op.create_index(
        op.f("ix_erasure_tombstone_request_id"), "erasure_tombstone", ["request_id"], unique=False
    )
    op.create_table(
        "partner_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("export_batch", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_partner_notification_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_notification")),
    )
    op.create_index(
        op.f("ix_partner_notification_exported_at"),
        "partner_notification",
        ["exported_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_partner_notification_organisation"),
        "partner_notification",
        ["organisation"],
        unique=False,
    )
    op.create_index(
        op.f("ix_partner_notification_person_id"),
        "partner_notification",
        ["person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_partner_notification_request_id"),
        "partner_notification",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "processing_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lifted_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_processing_restriction_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_restriction")),
    )
    op.create_index(
        op.f("ix_processing_restriction_kind"), "processing_restriction", ["kind"], unique=False
    )
    op.create_index(
        op.f("ix_processing_restriction_person_id"),
        "processing_restriction",
        ["person_id"],
        unique=False,
    )
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("source_value", sa.Text(), nullable=True),
        sa.Column("corrected_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_rectification_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification")),
    )
    op.create_index(
        op.f("ix_rectification_person_id"), "rectification", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_rectification_request_id"), "rectification", ["request_id"], unique=False
    )
    op.create_index(op.f("ix_rectification_status"), "rectification", ["status"], unique=False)
    op.create_table(
        "rights_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_rights_request_event_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_request_event")),
    )
    op.create_index(
        op.f("ix_rights_request_event_request_id"),
        "rights_request_event",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "sar_review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_sar_review_decision_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sar_review_decision")),
    )
    op.create_index(
        op.f("ix_sar_review_decision_request_id"),
        "sar_review_decision",
        ["request_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sar_review_decision_request_id"), table_name="sar_review_decision")
    op.drop_table("sar_review_decision")
    op.drop_index(op.f("ix_rights_request_event_request_id"), table_name="rights_request_event")
    op.drop_table("rights_request_event")
    op.drop_index(op.f("ix_rectification_status"), table_name="rectification")
    op.drop_index(op.f("ix_rectification_request_id"), table_name="rectification")
    op.drop_index(op.f("ix_rectification_person_id"), table_name="rectification")
    op.drop_table("rectification")
    op.drop_index(op.f("ix_processing_restriction_person_id"), table_name="processing_restriction")
    op.drop_index(op.f("ix_processing_restriction_kind"), table_name="processing_restriction")
    op.drop_table("processing_restriction")
    op.drop_index(op.f("ix_partner_notification_request_id"), table_name="partner_notification")
    op.drop_index(op.f("ix_partner_notification_person_id"), table_name="partner_notification")
    op.drop_index(op.f("ix_partner_notification_organisation"), table_name="partner_notification")
    op.drop_index(op.f("ix_partner_notification_exported_at"), table_name="partner_notification")
    op.drop_table("partner_notification")
    op.drop_index(op.f("ix_erasure_tombstone_request_id"), table_name="erasure_tombstone")
    op.drop_index(op.f("ix_erasure_tombstone_person_ref"), table_name="erasure_tombstone")
    op.drop_table("erasure_tombstone")
    op.drop_index(op.f("ix_rights_request_status"), table_name="rights_request")
    op.drop_index(op.f("ix_rights_request_person_id"), table_name="rights_request")
    op.drop_index(op.f("ix_rights_request_kind"), table_name="rights_request")
    op.drop_index(op.f("ix_rights_request_due_on"), table_name="rights_request")
    op.drop_table("rights_request")
    op.drop_index(op.f("ix_legal_hold_person_id"), table_name="legal_hold")
    op.drop_table("legal_hold")
