"""Console sessions kept on the server: a row per login (the SHA-256 of the cookie's random token), so logout,
a password change, a role change, deactivation and a lockout end the session whatever cookie a browser keeps.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_why", sa.String(30), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name="fk_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        schema="staff",
    )
    op.create_index("ix_staff_sessions_user_id", "sessions", ["user_id"], schema="staff")


def downgrade() -> None:
    op.drop_index("ix_staff_sessions_user_id", table_name="sessions", schema="staff")
    op.drop_table("sessions", schema="staff")
