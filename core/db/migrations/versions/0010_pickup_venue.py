"""Pickups at the venue that holds the card: which ledger office a venue is, the city's transfer rule, the
names of a family booking's further persons, and a narrow SECURITY DEFINER function that tells the site only
where a card waits and whether it is ready.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The site's second door into the ledger, as narrow as the first (check_notice of 0003): for a (交付通知書
# number, birth date) of a card the city still holds for a resident, the venue whose ledger office keeps it
# (NULL when no venue is that office) and whether it can be picked up now. Nothing personal leaves it; a wrong
# birth date, an unknown number, a card already handed over or a moved-out holder all give no row, so the
# birth date is what stops anyone from listing cards by number. Only the site's role may run it.
NOTICE_VENUE_SQL = """
CREATE FUNCTION booking.notice_venue(p_notice_no text, p_birth_date date)
RETURNS TABLE (venue_id integer, ready boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT v.id,
           c.state IN ('notified', 'mail_returned', 'reserved', 'reminded')
               AND NOT c.on_hold AND c.blocked_reason IS NULL
    FROM cards.cards c
    JOIN register.residents r ON r.atena_no = c.holder_atena_no
    LEFT JOIN booking.venues v ON v.ledger_office = c.office AND v.active
    WHERE c.notice_no = p_notice_no
      AND r.birth_date = p_birth_date
      AND r.resident_status = 1
      AND c.state IN ('arrived', 'preset', 'notified', 'mail_returned', 'reserved', 'reminded')
$$;
REVOKE ALL ON FUNCTION booking.notice_venue(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking.notice_venue(text, date) TO mynadesk_site;
"""


def upgrade() -> None:
    op.add_column("venues", sa.Column("ledger_office", sa.String(length=10), nullable=True), schema="booking")
    op.create_unique_constraint(
        op.f("uq_venues_ledger_office"), "venues", ["ledger_office"], schema="booking"
    )
    op.add_column(
        "rules",
        sa.Column("pickup_transfer_days", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        schema="booking",
    )
    op.add_column(
        "reservation_members", sa.Column("name", sa.String(length=200), nullable=True), schema="booking"
    )
    # The seeded venues that are ledger offices (data/README.md: 交付窓口 本庁 / 湘南台).
    op.execute("UPDATE booking.venues SET ledger_office = '本庁' WHERE code = 'honcho'")
    op.execute("UPDATE booking.venues SET ledger_office = '湘南台' WHERE code = 'shonandai'")
    op.execute(NOTICE_VENUE_SQL)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS booking.notice_venue(text, date)")
    op.drop_column("reservation_members", "name", schema="booking")
    op.drop_column("rules", "pickup_transfer_days", schema="booking")
    op.drop_constraint(op.f("uq_venues_ledger_office"), "venues", schema="booking", type_="unique")
    op.drop_column("venues", "ledger_office", schema="booking")
