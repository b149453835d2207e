"""A hold is consumed exactly once: booking.used_holds keeps the hash of every hold token that became a booking
or a change, under a primary key, so a replayed site cookie cannot book again from the same hold (issue 13,
finding 9). The site's role may only add and read rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_holds",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("reservation_id", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["booking.reservations.id"],
            name="fk_used_holds_reservation_id_reservations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_used_holds"),
        schema="booking",
    )
    op.create_index("ix_used_holds_reservation_id", "used_holds", ["reservation_id"], schema="booking")
    # The site only adds and reads (said outright: 0013 takes the schema's default privileges away).
    op.execute("REVOKE ALL ON booking.used_holds FROM mynadesk_site")
    op.execute("GRANT SELECT, INSERT ON booking.used_holds TO mynadesk_site")


def downgrade() -> None:
    op.drop_index("ix_used_holds_reservation_id", table_name="used_holds", schema="booking")
    op.drop_table("used_holds", schema="booking")
