"""user sessions: each signed-in browser, so that a user sees and ends them

The session cookie names its row by a random id (stored as SHA-256). A user sees their
active sessions (device, signed in, last seen) and ends any; an administrator ends all
of a user's. A downgrade keeps the table aside as `user_sessions_kept`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = "user_sessions_kept"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(KEPT):
        op.rename_table(KEPT, "user_sessions")
        return
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the sid"),
        sa.Column("device", sa.String(length=200), nullable=False, comment="from the User-Agent"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="updated at most every few minutes",
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("sid_hash", name=op.f("uq_user_sessions_sid_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])


def downgrade() -> None:
    op.rename_table("user_sessions", KEPT)
