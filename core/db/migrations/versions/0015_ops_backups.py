"""Backups and restore drills on record: schema ops (ops.backups, ops.drills).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA ops")
    op.create_table(
        "backups",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("format", sa.String(5), nullable=False),
        sa.Column("wal_method", sa.String(6), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("start_wal", sa.String(24), nullable=True),
        sa.Column("stop_wal", sa.String(24), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verify_ok", sa.Boolean(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'good', 'failed', 'pruned')", name=op.f("ck_backups_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
        sa.UniqueConstraint("name", name=op.f("uq_backups_name")),
        schema="ops",
    )
    op.create_table(
        "drills",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("backup_name", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("rto_seconds", sa.Float(), nullable=True),
        sa.Column("rpo_seconds", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drills")),
        schema="ops",
    )
    # the owner (`mynadesk backup …`) writes; the console and worker (app role) read; the site sees nothing
    op.execute("REVOKE ALL ON SCHEMA ops FROM PUBLIC")
    op.execute("GRANT USAGE ON SCHEMA ops TO mynadesk_app")
    op.execute("REVOKE ALL ON ops.backups, ops.drills FROM mynadesk_site, mynadesk_app")
    op.execute("GRANT SELECT ON ops.backups, ops.drills TO mynadesk_app")


def downgrade() -> None:
    op.drop_table("drills", schema="ops")
    op.drop_table("backups", schema="ops")
    op.execute("DROP SCHEMA ops")
