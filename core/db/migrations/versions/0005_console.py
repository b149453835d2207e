"""Console: indexes for finding people by name or kana typed without spaces, and for issuance per day.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The console compares names with every space (half and full width) removed; these indexes serve its prefix search.
INDEXES = {
    "ix_residents_name_compact": "name",
    "ix_residents_name_kana_compact": "name_kana",
}


def upgrade() -> None:
    for index, column in INDEXES.items():
        op.execute(
            f"CREATE INDEX {index} ON register.residents "
            f"((translate({column}, ' \u3000', '')) text_pattern_ops)"
        )
    # issuance per day (overview, statistics)
    op.create_index("ix_cards_handed_over_at", "cards", ["handed_over_at"], unique=False, schema="cards")
    # the few cards the last register load blocked (overview alerts)
    op.create_index(
        "ix_cards_blocked",
        "cards",
        ["state"],
        unique=False,
        schema="cards",
        postgresql_where=sa.text("blocked_reason IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cards_blocked", table_name="cards", schema="cards")
    op.drop_index("ix_cards_handed_over_at", table_name="cards", schema="cards")
    for index in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS register.{index}")
