"""The site's flow state on the server: booking.flow_states (the cookie keeps only a random id).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_states",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_flow_states"),
        schema="booking",
    )
    op.create_index("ix_flow_states_expires_at", "flow_states", ["expires_at"], schema="booking")
    # the site keeps its visitors' flows; the worker (app role) clears the expired ones
    op.execute("REVOKE ALL ON booking.flow_states FROM mynadesk_site, mynadesk_app")
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON booking.flow_states TO mynadesk_site")
    op.execute("GRANT SELECT, DELETE ON booking.flow_states TO mynadesk_app")


def downgrade() -> None:
    op.drop_index("ix_flow_states_expires_at", table_name="flow_states", schema="booking")
    op.drop_table("flow_states", schema="booking")
