"""reminder schedule: a round's reminder days, maximum and local hour; time zones of sides
and respondents

`rounds` gains `reminder_days` (JSON list of days after the invitation was sent),
`reminder_max` and `reminder_at` (HH:MM in the respondent's zone); `study_sides` gains
`timezone` (the default zone of its respondents) and `respondents` gains `timezone`
(the respondent's own, if known). All nullable: existing rounds have no schedule. A downgrade leaves the columns
(unused by 0011), and the next upgrade keeps them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def columns() -> dict[str, list[sa.Column]]:
    """The new columns, built afresh for each upgrade."""
    return {
        "rounds": [
            sa.Column(
                "reminder_days",
                JSON,
                nullable=True,
                comment="reminder schedule: days after the invitation was sent, ascending",
            ),
            sa.Column(
                "reminder_max",
                sa.Integer(),
                nullable=True,
                comment="at most this many scheduled reminders (None: one per day listed)",
            ),
            sa.Column(
                "reminder_at",
                sa.String(length=5),
                nullable=True,
                comment="HH:MM, the local hour in the respondent's time zone",
            ),
        ],
        "study_sides": [
            sa.Column(
                "timezone",
                sa.String(length=64),
                nullable=True,
                comment="IANA zone of its respondents unless theirs is stored (reminders)",
            )
        ],
        "respondents": [
            sa.Column("timezone", sa.String(length=64), nullable=True, comment="IANA zone, if known")
        ],
    }


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, added in columns().items():
        present = {column["name"] for column in inspector.get_columns(table)}
        with op.batch_alter_table(table) as batch:
            for column in added:
                if column.name not in present:  # kept by a downgrade: values and all
                    batch.add_column(column)


def downgrade() -> None:
    # The columns stay: revision 0011 does not read them, and upgrading again finds the
    # schedules and zones as they were (tests/test_migrations.py: nothing lost down and up).
    pass
