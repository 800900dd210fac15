"""api tokens: bearer tokens for the JSON API, and the answers kept for Idempotency-Key

`api_tokens` holds one row per token: its user, study, name, scope (read | write | links),
the SHA-256 of the token (the token itself is shown once and never stored), its first
characters to recognise it by, and when it expires or was revoked. `api_idempotent_requests`
keeps, per token and `Idempotency-Key`, the first write's answer so that a retry is answered
with it instead of saving again. Two new tables, nothing altered; a downgrade keeps them
aside as `<table>_kept`, which the next upgrade renames back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import survey.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLES = ("api_tokens", "api_idempotent_requests")
KEPT = "_kept"  # where a downgrade keeps a table for the next upgrade


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(table + KEPT) for table in TABLES):
        for table in TABLES:  # what a downgrade kept, ids and all
            op.rename_table(table + KEPT, table)
        return
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False, comment="read | write | links"),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SHA-256, hex"),
        sa.Column(
            "hint", sa.String(length=12), nullable=False, comment="the token's first characters"
        ),
        sa.Column("created_at", survey.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", survey.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", survey.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_api_tokens_study_id_studies")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_study_id"), "api_tokens", ["study_id"], unique=False)
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "api_idempotent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "fingerprint",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of method, path, body",
        ),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", JSON, nullable=True),
        sa.Column("created_at", survey.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_api_idempotent_requests_token_id_api_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotent_requests")),
        sa.UniqueConstraint(
            "token_id", "key", name=op.f("uq_api_idempotent_requests_token_id_key")
        ),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every token back as it was
    # (tests/test_migrations.py: nothing lost down and up).
    for table in TABLES:
        op.rename_table(table, table + KEPT)
