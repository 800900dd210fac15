"""drop rate_limit_buckets: throttle counters live in Redis or in the process (limits)

The login, link and autosave throttles count through the `limits` library now,
in Redis when SURVEY_REDIS_URL is set: no database row per request, and no write
inside SQLite's lock for an autosave. The counts held in the table are throttling
state only and are let go; per-account login lockout stays on `users`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("rate_limit_buckets")


def downgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_buckets")),
    )
