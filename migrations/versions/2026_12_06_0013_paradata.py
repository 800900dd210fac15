"""paradata: visits and the time on each page, per invitation (docs/privacy.md)

`paradata_visits`: one row per personal link opened (when, device class, language);
`paradata_pages`: one row per posted section page (section, shown and saved times, the
seconds between capped at 30 minutes, language, the language switched to). No IP address,
no User-Agent string. Two new tables; a downgrade keeps them aside as `<table>_kept`, which
the next upgrade renames back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("paradata_visits", "paradata_pages")
KEPT = "_kept"  # where a downgrade keeps a table for the next upgrade


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(table + KEPT) for table in TABLES):
        for table in TABLES:  # what a downgrade kept, ids and all
            op.rename_table(table + KEPT, table)
        return
    op.create_table(
        "paradata_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("started_at", survey.db.UTCDateTime(), nullable=False),
        sa.Column(
            "device",
            sa.String(length=10),
            nullable=False,
            comment="desktop|mobile|tablet|bot|unknown",
        ),
        sa.Column(
            "language",
            sa.String(length=20),
            nullable=False,
            comment="the form's language at the start",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_paradata_visits_invitation_id_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paradata_visits")),
    )
    op.create_index(
        op.f("ix_paradata_visits_invitation_id"), "paradata_visits", ["invitation_id"]
    )
    op.create_table(
        "paradata_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column(
            "event",
            sa.String(length=10),
            nullable=False,
            comment="page (saved) | language (switched)",
        ),
        sa.Column(
            "shown_at", survey.db.UTCDateTime(), nullable=False, comment="server time, signed"
        ),
        sa.Column("saved_at", survey.db.UTCDateTime(), nullable=False),
        sa.Column(
            "seconds",
            sa.Float(),
            nullable=False,
            comment="saved - shown, to 0.1 s, capped at 30 min",
        ),
        sa.Column(
            "language", sa.String(length=20), nullable=False, comment="the page's language"
        ),
        sa.Column("switched_to", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_paradata_pages_invitation_id_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["paradata_visits.id"],
            name=op.f("fk_paradata_pages_visit_id_paradata_visits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paradata_pages")),
    )
    op.create_index(op.f("ix_paradata_pages_invitation_id"), "paradata_pages", ["invitation_id"])


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every row back as it was
    # (tests/test_migrations.py: nothing lost down and up).
    for table in reversed(TABLES):
        op.rename_table(table, table + KEPT)
