"""token last used: when each API token was last used, for its owner to see

`api_tokens.last_used_at` moves on at most every few minutes (`survey.api.tokens.touch`),
so a token nobody has used for months stands out on the tokens page and in `survey token
list` before it is revoked. One nullable column; a downgrade drops it (it only ever held
that time).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column(
                "last_used_at",
                survey.db.UTCDateTime(),
                nullable=True,
                comment="moved on at most every few minutes",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
