"""Idempotent bookings (issue 15, item 6): booking.booking_keys keeps the SHA-256 of the key every booking
attempt of the site carries, under a primary key, so that the same attempt sent again (a double click, a
reload, a retry after a failover or a timeout) finds its booking instead of making a second one. The site's
role may add keys but not read them: booking.keyed_booking answers only the holder of both the key and the
hold that booked, with nothing but the reservation's id.

Revision ID: 0016
Revises: 0014 (re-chain onto 0015 when both are merged)
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_ROLE = "mynadesk_site"
APP_ROLE = "mynadesk_app"

KEYED_BOOKING_SQL = f"""
CREATE FUNCTION booking.keyed_booking(p_key_hash text, p_token_hash text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT k.reservation_id
    FROM booking.booking_keys k
    JOIN booking.used_holds u ON u.reservation_id = k.reservation_id AND u.token_hash = p_token_hash
    WHERE k.key_hash = p_key_hash
$$;
REVOKE ALL ON FUNCTION booking.keyed_booking(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking.keyed_booking(text, text) TO {SITE_ROLE};
"""


def upgrade() -> None:
    op.create_table(
        "booking_keys",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("reservation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["booking.reservations.id"],
            name="fk_booking_keys_reservation_id_reservations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name="pk_booking_keys"),
        sa.UniqueConstraint("reservation_id", name="uq_booking_keys_reservation_id"),
        schema="booking",
    )
    # The site adds keys and asks keyed_booking; the app role (worker, console, fault tests) may read them.
    op.execute(f"REVOKE ALL ON booking.booking_keys FROM {SITE_ROLE}, {APP_ROLE}")
    op.execute(f"GRANT INSERT ON booking.booking_keys TO {SITE_ROLE}")
    op.execute(f"GRANT SELECT ON booking.booking_keys TO {APP_ROLE}")
    op.execute(KEYED_BOOKING_SQL)


def downgrade() -> None:
    op.execute("DROP FUNCTION booking.keyed_booking(text, text)")
    op.drop_table("booking_keys", schema="booking")
