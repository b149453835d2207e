"""Free-text search of the OCR layer without pg_trgm (issue 17): documents.ocr_grams holds the distinct
characters and two-character pieces of each line of ocr_text (core.domain.ocr_text.text_grams) under a GIN
index (the built-in array_ops); existing rows are filled here in SQL by the same rule. ix_documents_newest
serves every search's order, so a common word's newest hits come without sorting all of them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "documents"

# text_grams() in SQL: substr() counts characters as Python does; no piece holds a line break
BACKFILL = rf"""
UPDATE {S}.documents SET ocr_grams = ARRAY(
    SELECT piece FROM (
        SELECT substr(ocr_text, i, n) AS piece
        FROM generate_series(1, char_length(ocr_text)) AS i, (VALUES (1), (2)) AS sizes (n)
    ) AS pieces
    WHERE char_length(piece) > 0 AND strpos(piece, E'\n') = 0
    GROUP BY piece
    ORDER BY piece COLLATE "C"
)
WHERE ocr_text IS NOT NULL
"""


def upgrade() -> None:
    op.add_column("documents", sa.Column("ocr_grams", postgresql.ARRAY(sa.Text()), nullable=True), schema=S)
    op.execute(BACKFILL)
    op.create_index("ix_documents_ocr_grams", "documents", ["ocr_grams"], schema=S, postgresql_using="gin")
    op.create_index(
        "ix_documents_newest",
        "documents",
        [sa.text("form_date DESC NULLS LAST"), sa.text("id DESC")],
        schema=S,
    )


def downgrade() -> None:
    op.drop_index("ix_documents_newest", "documents", schema=S)
    op.drop_index("ix_documents_ocr_grams", "documents", schema=S)
    op.drop_column("documents", "ocr_grams", schema=S)
