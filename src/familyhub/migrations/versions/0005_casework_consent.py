"""casework_consent: involvements, referrals and their states, consent records

Revision ID: 0005_casework_consent
Revises: 0004_access_audit
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_casework_consent"
down_revision = "0004_access_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("family_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("recipient_organisations", sa.JSON(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_consent_record_recorded_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
    )
    op.create_index(
        op.f("ix_consent_record_family_id"), "consent_record", ["family_id"], unique=False
    )
    op.create_index(
        op.f("ix_consent_record_person_id"), "consent_record", ["person_id"], unique=False
    )
    op.create_table(
        "involvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("service", sa.String(length=120), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_involvement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_involvement_recorded_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_involvement_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvement")),
    )
    op.create_index(op.f("ix_involvement_family_id"), "involvement", ["family_id"], unique=False)
    op.create_index(op.f("ix_involvement_person_id"), "involvement", ["person_id"], unique=False)
    op.create_index(op.f("ix_involvement_user_id"), "involvement", ["user_id"], unique=False)
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("referrer_user_id", sa.Integer(), nullable=False),
        sa.Column("referrer_organisation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("consent_at_referral", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=True),
        sa.Column("receiving_service", sa.String(length=120), nullable=True),
        sa.Column("receiving_organisation_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["receiving_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_receiving_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_referrer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_user_id"],
            ["app_user.id"],
            name=op.f("fk_referral_referrer_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index(op.f("ix_referral_family_id"), "referral", ["family_id"], unique=False)
    op.create_index(op.f("ix_referral_person_id"), "referral", ["person_id"], unique=False)
    op.create_index(op.f("ix_referral_state"), "referral", ["state"], unique=False)
    op.create_table(
        "referral_state_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_referral_state_change_changed_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_state_change_referral_id_referral"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_state_change")),
    )
    op.create_index(
        op.f("ix_referral_state_change_referral_id"),
        "referral_state_change",
        ["referral_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_referral_state_change_referral_id"), table_name="referral_state_change")
    op.drop_table("referral_state_change")
    op.drop_index(op.f("ix_referral_state"), table_name="referral")
    op.drop_index(op.f("ix_referral_person_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_family_id"), table_name="referral")
    op.drop_table("referral")
    op.drop_index(op.f("ix_involvement_user_id"), table_name="involvement")
    op.drop_index(op.f("ix_involvement_person_id"), table_name="involvement")
    op.drop_index(op.f("ix_involvement_family_id"), table_name="involvement")
    op.drop_table("involvement")
    op.drop_index(op.f("ix_consent_record_person_id"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_family_id"), table_name="consent_record")
    op.drop_table("consent_record")
