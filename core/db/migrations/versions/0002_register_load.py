"""Register load: alerts a load raised about cards and people (register.load_alerts).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "load_alerts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("card_id", sa.BigInteger(), nullable=True),
        sa.Column("move_reason", sa.String(length=3), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message_ja", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["register.extract_files.id"], name=op.f("fk_load_alerts_file_id_extract_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_alerts")),
        schema="register",
    )
    op.create_index("ix_load_alerts_file", "load_alerts", ["file_id"], unique=False, schema="register")
    op.create_index("ix_load_alerts_atena_no", "load_alerts", ["atena_no"], unique=False, schema="register")


def downgrade() -> None:
    op.drop_index("ix_load_alerts_atena_no", table_name="load_alerts", schema="register")
    op.drop_index("ix_load_alerts_file", table_name="load_alerts", schema="register")
    op.drop_table("load_alerts", schema="register")
