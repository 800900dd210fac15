"""follow-up rounds: ask both sides of a pair again about what they disagreed on

A follow-up round is an ordinary round (its own invitations, links, mail, dates) with a
row in `followup_rounds` naming the original round and whether the partner's answer is
shown; `followup_pairs` holds the question keys asked of each pair. `answer_explanations`
keeps what a respondent says an answer is based on. Three new tables, nothing altered. A
downgrade keeps them aside as `<table>_kept`, which the next upgrade renames back (the
follow-up rounds themselves are rows of `rounds` and stay).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import survey.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLES = ("followup_rounds", "followup_pairs", "answer_explanations")
KEPT = "_kept"  # where a downgrade keeps a table for the next upgrade


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(table + KEPT) for table in TABLES):
        for table in TABLES:  # what a downgrade kept, ids and all
            op.rename_table(table + KEPT, table)
        return
    op.create_table(
        "followup_rounds",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False, comment="the original round"),
        sa.Column(
            "reveal",
            sa.String(length=12),
            nullable=False,
            comment="none | counterpart: the partner's answer shown",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["rounds.id"], name=op.f("fk_followup_rounds_parent_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_followup_rounds_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_followup_rounds")),
    )
    op.create_index(
        op.f("ix_followup_rounds_parent_id"), "followup_rounds", ["parent_id"], unique=False
    )
    op.create_table(
        "followup_pairs",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("questions", JSON, nullable=False, comment="question keys, in order"),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_followup_pairs_pair_id_pairs")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_followup_pairs_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("round_id", "pair_id", name=op.f("pk_followup_pairs")),
    )
    op.create_table(
        "answer_explanations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_answer_explanations_invitation_id_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_explanations")),
        sa.UniqueConstraint(
            "invitation_id",
            "question_key",
            name=op.f("uq_answer_explanations_invitation_id_question_key"),
        ),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every follow-up back as it was
    # (tests/test_migrations.py: nothing lost down and up).
    for table in TABLES:
        op.rename_table(table, table + KEPT)
