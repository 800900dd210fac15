"""two-factor sign-in: TOTP secrets, recovery codes, remembered devices, requirements

A user's TOTP secret (pending until confirmed), ten single-use recovery codes stored as
SHA-256, browsers remembered for 30 days (their cookie's token hashed), and who must use
two-factor sign-in: every account (a row without a study) or a study's members. A
downgrade keeps the tables aside as `<name>_kept`, which the next upgrade renames back.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-05 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("two_factor", "recovery_codes", "remembered_devices", "two_factor_requirements")
KEPT = "_kept"  # where a downgrade keeps the tables for the next upgrade


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(table + KEPT) for table in TABLES):
        for table in TABLES:
            op.rename_table(table + KEPT, table)
        return
    op.create_table(
        "two_factor",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False, comment="base32 TOTP secret"),
        sa.Column(
            "enabled_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="null while the enrolment waits for its confirmation code",
        ),
        sa.Column(
            "last_step",
            sa.BigInteger(),
            nullable=True,
            comment="the newest 30-second step a code was accepted for (no replay)",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_two_factor_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_two_factor")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])
    op.create_table(
        "remembered_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False, comment="from the User-Agent"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_remembered_devices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remembered_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_remembered_devices_token_hash")),
    )
    op.create_index(op.f("ix_remembered_devices_user_id"), "remembered_devices", ["user_id"])
    op.create_table(
        "two_factor_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=True, comment="null: every account"),
        sa.Column("required_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["required_by_id"],
            ["users.id"],
            name=op.f("fk_two_factor_requirements_required_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_two_factor_requirements_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor_requirements")),
        sa.UniqueConstraint("study_id", name=op.f("uq_two_factor_requirements_study_id")),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every enrolment back as it was.
    for table in TABLES:
        op.rename_table(table, table + KEPT)
