"""erasure: per-respondent keys for sealed audit details, and studies' privacy settings

`subject_keys` holds one random key per respondent; what audit rows say about that person
(the values of a save, an explanation) is encrypted with it, and erasing the person
deletes the key, so the append-only, hash-chained rows stay as they are but can no longer
be read. `study_privacy` holds a study's choices: whether erasure also removes the
structured answers, and how many days after its last round closes identities are kept.
Two new tables, nothing altered; a downgrade keeps them aside as `<table>_kept`, which the
next upgrade renames back.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("subject_keys", "study_privacy")
KEPT = "_kept"  # where a downgrade keeps a table for the next upgrade


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(table + KEPT) for table in TABLES):
        for table in TABLES:
            op.rename_table(table + KEPT, table)
        return
    op.create_table(
        "subject_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column(
            "key", sa.String(length=64), nullable=False, comment="Fernet key; deleted on erasure"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["respondents.id"],
            name=op.f("fk_subject_keys_respondent_id_respondents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_keys")),
        sa.UniqueConstraint("respondent_id", name=op.f("uq_subject_keys_respondent_id")),
    )
    op.create_table(
        "study_privacy",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column(
            "erase_answers",
            sa.Boolean(),
            nullable=False,
            comment="erasure also removes the structured answers",
        ),
        sa.Column(
            "retention_days",
            sa.Integer(),
            nullable=True,
            comment="identities kept this many days after the last round closes",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_study_privacy_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("study_id", name=op.f("pk_study_privacy")),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every key and setting back.
    for table in TABLES:
        op.rename_table(table, table + KEPT)
