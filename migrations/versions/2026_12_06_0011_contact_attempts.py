"""contact attempts: an interviewer's tries to reach one side of a round's invitation

`contact_attempts` holds one row per attempt: the invitation (a pair's side in a round),
when it happened, the mode (phone | email | in_person | other), the outcome code (mapped
to an AAPOR disposition in docs/fieldwork.md), a note, and for a callback or appointment
the agreed time (UTC) with the respondent's zone it was agreed in, and who logged it. One
new table, nothing altered; a downgrade keeps it aside as `contact_attempts_kept`, which
the next upgrade renames back.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "contact_attempts"
KEPT = "_kept"  # where a downgrade keeps the table for the next upgrade


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE + KEPT):
        op.rename_table(TABLE + KEPT, TABLE)  # what a downgrade kept, ids and all
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column(
            "at", survey.db.UTCDateTime(), nullable=False, comment="when the attempt happened"
        ),
        sa.Column(
            "mode", sa.String(length=12), nullable=False, comment="phone | email | in_person | other"
        ),
        sa.Column(
            "outcome",
            sa.String(length=24),
            nullable=False,
            comment="a code of fieldwork.dispositions",
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "callback_at",
            survey.db.UTCDateTime(),
            nullable=True,
            comment="the agreed time of a callback or appointment",
        ),
        sa.Column(
            "callback_zone",
            sa.String(length=64),
            nullable=True,
            comment="the respondent's zone the time was agreed in",
        ),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", survey.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_contact_attempts_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_contact_attempts_invitation_id_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
    )
    op.create_index(
        "ix_contact_attempts_invitation_id_at", TABLE, ["invitation_id", "at"], unique=False
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every attempt back as it was.
    op.rename_table(TABLE, TABLE + KEPT)
