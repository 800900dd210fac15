"""identifier grants: members who may see respondents' identifiers

Exports and API reads are de-identified by default; a study's owner sees identifiers, and
so does a member with a row here (the `identifiers` permission, granted on the members page
or with `survey study grant-identifiers`). A new table, nothing altered; a downgrade keeps it
aside as `identifier_grants_kept`, which the next upgrade renames back.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = "identifier_grants_kept"  # where a downgrade keeps the grants for the next upgrade


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(KEPT):
        op.rename_table(KEPT, "identifier_grants")
        return
    op.create_table(
        "identifier_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_identifier_grants_study_id_studies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_identifier_grants_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_identifier_grants_granted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifier_grants")),
        sa.UniqueConstraint(
            "study_id", "user_id", name=op.f("uq_identifier_grants_study_id_user_id")
        ),
    )


def downgrade() -> None:
    # Kept aside rather than dropped: upgrading again brings every grant back as it was.
    op.rename_table("identifier_grants", KEPT)
