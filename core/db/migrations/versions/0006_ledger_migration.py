"""Card ledger migration: the legacy ledger's columns on cards.cards, holder matching, and a log of runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATE_COLUMNS = (
    "arrived_on",
    "preset_on",
    "notice_returned_on",
    "reserved_for",
    "handed_over_on",
    "suspended_on",
    "revoked_on",
    "destroyed_on",
)


def upgrade() -> None:
    op.add_column("cards", sa.Column("application_kind", sa.String(length=10), nullable=True), schema="cards")
    op.add_column("cards", sa.Column("source", sa.String(length=10), nullable=True), schema="cards")
    for column in DATE_COLUMNS:
        op.add_column("cards", sa.Column(column, sa.Date(), nullable=True), schema="cards")
    op.add_column("cards", sa.Column("office", sa.String(length=10), nullable=True), schema="cards")
    op.add_column(
        "cards", sa.Column("legacy_updated_at", sa.DateTime(timezone=True), nullable=True), schema="cards"
    )
    op.add_column("cards", sa.Column("legacy_row_hash", sa.String(length=32), nullable=True), schema="cards")
    op.add_column("cards", sa.Column("holder_match", sa.String(length=15), nullable=True), schema="cards")
    op.create_check_constraint(
        op.f("ck_cards_holder_match"),
        "cards",
        "holder_match IN ('matched', 'unknown', 'code_mismatch')",
        schema="cards",
    )
    op.create_table(
        "ledger_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("unknown_holders", sa.Integer(), nullable=False),
        sa.Column("code_mismatches", sa.Integer(), nullable=False),
        sa.Column("migrated_by", sa.String(length=100), nullable=False),
        sa.Column("migrated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_migrations")),
        schema="cards",
    )


def downgrade() -> None:
    op.drop_table("ledger_migrations", schema="cards")
    op.drop_constraint(op.f("ck_cards_holder_match"), "cards", schema="cards", type_="check")
    for column in (
        "holder_match",
        "legacy_row_hash",
        "legacy_updated_at",
        "office",
        *reversed(DATE_COLUMNS),
        "source",
        "application_kind",
    ):
        op.drop_column("cards", column, schema="cards")
