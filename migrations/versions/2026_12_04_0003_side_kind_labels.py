"""side kind labels: a side's label per pair kind ("Taiwan" for a cross-strait pair's side)

A study's side has one label in each language ("China / Taiwan"); for the pairs of one kind
the study may give it another ("Taiwan" / "台湾" / "臺灣" for `cross-strait` pairs). Pages,
invitations, exports and the codebook name the side of such a pair by it. A downgrade keeps
the labels in `side_kind_labels_kept`, which the next upgrade renames back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KEPT = "side_kind_labels_kept"  # where a downgrade keeps the labels for the next upgrade


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(KEPT):
        op.rename_table(KEPT, "side_kind_labels")  # the labels a downgrade kept, ids and all
        return
    op.create_table(
        "side_kind_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.String(length=50), nullable=False, comment="a pair kind, e.g. cross-strait"
        ),
        sa.Column(
            "label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="language tag -> label",
        ),
        sa.ForeignKeyConstraint(
            ["side_id"], ["study_sides.id"], name=op.f("fk_side_kind_labels_side_id_study_sides")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_kind_labels")),
        sa.UniqueConstraint("side_id", "kind", name=op.f("uq_side_kind_labels_side_id_kind")),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: revision 0002 has no use for them, and upgrading again
    # brings every label back as it was (tests/test_migrations.py: nothing lost down and up).
    op.rename_table("side_kind_labels", KEPT)
