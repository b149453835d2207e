"""Reservation site: booking rules, family members, mail outbox, rate limits, access log, notice check function.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_ROLE = "mynadesk_site"
APP_ROLE = "mynadesk_app"

# The only door from the site into the ledger: yes/no for (交付通知書 number, birth date) of a card waiting for
# pickup whose holder lives in the city. SECURITY DEFINER runs it as the owner; search_path is pinned so nobody
# can slip objects of their own in front of the tables it reads.
CHECK_NOTICE_SQL = """
CREATE FUNCTION booking.check_notice(p_notice_no text, p_birth_date date) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1
        FROM cards.cards c
        JOIN register.residents r ON r.atena_no = c.holder_atena_no
        WHERE c.notice_no = p_notice_no
          AND r.birth_date = p_birth_date
          AND r.resident_status = 1
          AND c.state IN ('notified', 'mail_returned', 'reserved', 'reminded')
    )
$$;
REVOKE ALL ON FUNCTION booking.check_notice(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking.check_notice(text, date) TO mynadesk_site, mynadesk_app;
"""


def _id(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def _small(name: str, default: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.SmallInteger(), server_default=sa.text(default), nullable=False)


def upgrade() -> None:
    op.add_column(
        "slot_templates", sa.Column("weeks_of_month", sa.String(20), nullable=True), schema="booking"
    )
    op.create_table(
        "rules",
        sa.Column("id", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        _small("min_days_ahead", "1"),
        _small("max_days_ahead", "61"),
        _small("change_deadline_days", "1"),
        _small("hold_minutes", "10"),
        _small("max_active_per_contact", "3"),
        _small("release_delay_minutes", "15"),
        _small("anonymise_after_days", "90"),
        sa.Column("few_left_ratio", sa.REAL(), server_default=sa.text("0.3"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_rules_single_row")),
        sa.CheckConstraint(
            "min_days_ahead >= 0 AND max_days_ahead >= min_days_ahead", name=op.f("ck_rules_window")
        ),
        sa.CheckConstraint("hold_minutes > 0 AND change_deadline_days >= 0", name=op.f("ck_rules_times")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
        schema="booking",
    )
    op.execute("INSERT INTO booking.rules (id) VALUES (1)")
    op.create_table(
        "reservation_members",
        _id("id"),
        _id("reservation_id"),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("notice_no", sa.String(10), nullable=True),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["booking.reservations.id"],
            name=op.f("fk_reservation_members_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_members")),
        sa.UniqueConstraint(
            "reservation_id", "position", name=op.f("uq_reservation_members_reservation_id_position")
        ),
        schema="booking",
    )
    op.create_table(
        "outbox",
        _id("id"),
        sa.Column("reservation_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dedupe_key", sa.String(100), nullable=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        _now("created_at"),
        _now("next_attempt_at"),
        _small("attempts", "0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('confirmation', 'change', 'cancellation', 'reminder_7d', 'reminder_1d')",
            name=op.f("ck_outbox_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["booking.reservations.id"],
            name=op.f("fk_outbox_reservation_id_reservations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
        schema="booking",
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["next_attempt_at"],
        schema="booking",
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "rate_events",
        _id("id"),
        sa.Column("bucket", sa.String(64), nullable=False),
        _now("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
        schema="booking",
    )
    op.create_index("ix_rate_events_bucket_at", "rate_events", ["bucket", "at"], schema="booking")
    op.create_table(
        "access_log",
        _id("id"),
        _now("at"),
        sa.Column("reservation_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("client_addr", sa.String(45), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        schema="booking",
    )
    op.create_index("ix_access_log_reservation", "access_log", ["reservation_id"], schema="booking")
    # The access log is append-only for both roles; the site must not rewrite the rules the city sets.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON booking.access_log FROM {SITE_ROLE}, {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON booking.rules FROM {SITE_ROLE}")
    op.execute(CHECK_NOTICE_SQL)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS booking.check_notice(text, date)")
    op.drop_index("ix_access_log_reservation", table_name="access_log", schema="booking")
    op.drop_table("access_log", schema="booking")
    op.drop_index("ix_rate_events_bucket_at", table_name="rate_events", schema="booking")
    op.drop_table("rate_events", schema="booking")
    op.drop_index("ix_outbox_pending", table_name="outbox", schema="booking")
    op.drop_table("outbox", schema="booking")
    op.drop_table("reservation_members", schema="booking")
    op.drop_table("rules", schema="booking")
    op.drop_column("slot_templates", "weeks_of_month", schema="booking")
