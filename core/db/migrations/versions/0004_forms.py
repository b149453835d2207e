"""Filled forms: every pre-filled form MynaDesk prints, kept as a structured record (issue 6).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "filled_forms",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("subject_atena_no", sa.String(length=15), nullable=True),
        sa.Column("card_id", sa.BigInteger(), nullable=True),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("terminal", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('certificate', 'pin_reset', 'face_change', 'receipt', 'notice')",
            name=op.f("ck_filled_forms_kind"),
        ),
        sa.CheckConstraint("source IN ('card', 'register')", name=op.f("ck_filled_forms_source")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.cards.id"], name=op.f("fk_filled_forms_card_id_cards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filled_forms")),
        schema="cards",
    )
    op.create_index(
        "ix_filled_forms_created_at", "filled_forms", ["created_at"], unique=False, schema="cards"
    )
    op.create_index(
        "ix_filled_forms_subject", "filled_forms", ["subject_atena_no"], unique=False, schema="cards"
    )


def downgrade() -> None:
    op.drop_index("ix_filled_forms_subject", table_name="filled_forms", schema="cards")
    op.drop_index("ix_filled_forms_created_at", table_name="filled_forms", schema="cards")
    op.drop_table("filled_forms", schema="cards")
