"""The reservation site's role gets only what booking needs (issue 13, findings 4, 6 and 7): notice checks
counted and slowed down inside the database, an access log the copy into audit.log tracks by an owner-side
flag instead of ids the site wrote, a mail link made by the worker at send time, and column-level grants.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_ROLE = "mynadesk_site"
APP_ROLE = "mynadesk_app"
MAX_WAIT_SECONDS = 3600  # the longest a notice number waits between guesses (2^N seconds after N failures)
ALERT_AT = (5, 10, 20, 50, 100, 200, 500, 1000)  # failures at which staff are told the number is under attack

# A guess is answered in two transactions so that a site which rolls back cannot erase its failures:
# notice_ask counts and stores the answer, which notice_answer hands out only once that is committed (from a
# later transaction). The delay runs on the database's clock on purpose: a compromised site must not be able
# to pass a time of its own choosing. Nothing personal leaves either function.
NOTICE_SQL = f"""
CREATE TABLE booking.notice_attempts (
    notice_no text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    last_failed_at timestamptz
);
CREATE TABLE booking.notice_answers (
    ticket uuid PRIMARY KEY,
    found boolean NOT NULL,
    venue_id integer,
    ready boolean NOT NULL DEFAULT false,
    made_in bigint NOT NULL,
    made_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
REVOKE ALL ON booking.notice_attempts, booking.notice_answers FROM {SITE_ROLE}, {APP_ROLE};
GRANT SELECT, DELETE ON booking.notice_attempts TO {APP_ROLE};

CREATE FUNCTION booking.notice_ask(p_notice_no text, p_birth_date date, OUT wait_seconds integer,
    OUT ticket uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tried booking.notice_attempts%ROWTYPE;
    v_venue integer;
    v_ready boolean;
    hit boolean;
    moment timestamptz := clock_timestamp();
BEGIN
    INSERT INTO booking.notice_attempts (notice_no) VALUES (p_notice_no) ON CONFLICT DO NOTHING;
    SELECT * INTO tried FROM booking.notice_attempts WHERE notice_no = p_notice_no FOR UPDATE;
    IF tried.last_failed_at < moment - interval '1 day' THEN
        tried.failures := 0;  -- a quiet day forgives old failures
    END IF;
    IF tried.failures > 0 THEN
        wait_seconds := ceil(extract(epoch FROM tried.last_failed_at
            + make_interval(secs => least(power(2, tried.failures), {MAX_WAIT_SECONDS})) - moment));
        IF wait_seconds > 0 THEN
            RETURN;
        END IF;
    END IF;
    wait_seconds := 0;
    SELECT v.id AS venue_id,
           c.state IN ('notified', 'mail_returned', 'reserved', 'reminded')
               AND NOT c.on_hold AND c.blocked_reason IS NULL
    INTO v_venue, v_ready
    FROM cards.cards c
    JOIN register.residents r ON r.atena_no = c.holder_atena_no
    LEFT JOIN booking.venues v ON v.ledger_office = c.office AND v.active
    WHERE c.notice_no = p_notice_no
      AND r.birth_date = p_birth_date
      AND r.resident_status = 1
      AND c.state IN ('arrived', 'preset', 'notified', 'mail_returned', 'reserved', 'reminded')
    LIMIT 1;
    hit := FOUND;
    IF hit THEN
        DELETE FROM booking.notice_attempts WHERE notice_no = p_notice_no;
    ELSE
        UPDATE booking.notice_attempts SET failures = tried.failures + 1, last_failed_at = moment
        WHERE notice_no = p_notice_no;
        IF tried.failures + 1 IN ({", ".join(str(n) for n in ALERT_AT)}) THEN
            INSERT INTO booking.access_log (at, action, detail)
            VALUES (moment, 'notice_attack', format('%s: %s', p_notice_no, tried.failures + 1));
        END IF;
    END IF;
    ticket := gen_random_uuid();
    INSERT INTO booking.notice_answers (ticket, found, venue_id, ready, made_in)
    VALUES (ticket, hit, v_venue, coalesce(v_ready, false), txid_current());
    DELETE FROM booking.notice_answers WHERE made_at < moment - interval '1 hour';
END
$$;

CREATE FUNCTION booking.notice_answer(p_ticket uuid)
RETURNS TABLE (found boolean, venue_id integer, ready boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM booking.notice_answers a
    WHERE a.ticket = p_ticket AND a.made_in <> txid_current()
    RETURNING a.found, a.venue_id, a.ready
$$;
REVOKE ALL ON FUNCTION booking.notice_ask(text, date), booking.notice_answer(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking.notice_ask(text, date), booking.notice_answer(uuid) TO {SITE_ROLE};
REVOKE EXECUTE ON FUNCTION booking.notice_venue(text, date) FROM {SITE_ROLE};
REVOKE EXECUTE ON FUNCTION booking.check_notice(text, date) FROM {SITE_ROLE};
"""

# The tables of 0001-0011 (0012 used_holds and later tables name their own grants for the site).
TABLES = (
    "venues, counters, procedures, venue_procedures, slot_templates, closures, slots, holds, reservations, "
    "rules, reservation_members, outbox, rate_events, access_log"
)
BOOKING_TABLES = ", ".join(f"booking.{name.strip()}" for name in TABLES.split(","))

# What the booking flow (reservation_site) does, and nothing more. The worker runs as the app role.
SITE_GRANTS = f"""
REVOKE ALL ON {BOOKING_TABLES} FROM {SITE_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA booking REVOKE ALL ON TABLES FROM {SITE_ROLE};
GRANT SELECT ON booking.venues, booking.counters, booking.procedures, booking.venue_procedures,
    booking.slot_templates, booking.closures, booking.rules TO {SITE_ROLE};
GRANT SELECT, UPDATE (booked, held) ON booking.slots TO {SITE_ROLE};
GRANT SELECT, INSERT, DELETE ON booking.holds TO {SITE_ROLE};
GRANT SELECT, INSERT, UPDATE (status, cancelled_at, slot_id, changed_at) ON booking.reservations TO {SITE_ROLE};
GRANT SELECT, INSERT ON booking.reservation_members TO {SITE_ROLE};
GRANT SELECT (id, dedupe_key), INSERT (reservation_id, kind, dedupe_key, to_address, subject, body, ics, created_at, next_attempt_at)
    ON booking.outbox TO {SITE_ROLE};
GRANT SELECT, INSERT (bucket, at) ON booking.rate_events TO {SITE_ROLE};
GRANT SELECT (id, at, copied_at), INSERT (at, reservation_id, action, client_addr, detail) ON booking.access_log
    TO {SITE_ROLE};
"""

SITE_GRANTS_BEFORE = f"""
REVOKE ALL ON {BOOKING_TABLES} FROM {SITE_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON {BOOKING_TABLES} TO {SITE_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA booking GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {SITE_ROLE};
REVOKE UPDATE, DELETE, TRUNCATE ON booking.access_log FROM {SITE_ROLE};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON booking.rules FROM {SITE_ROLE};
"""

# Rows already in audit.log are marked copied, whatever their id (a forged huge id included).
MARK_COPIED = """
UPDATE booking.access_log a SET copied_at = now()
WHERE EXISTS (
    SELECT 1 FROM audit.log l
    WHERE l.actor = 'reservation-site' AND l.detail ->> 'access_log_id' = a.id::text
)
"""


def upgrade() -> None:
    op.add_column(
        "access_log", sa.Column("copied_at", sa.DateTime(timezone=True), nullable=True), schema="booking"
    )
    op.create_index(
        "ix_access_log_to_copy",
        "access_log",
        ["id"],
        schema="booking",
        postgresql_where=sa.text("copied_at IS NULL"),
    )
    op.execute(MARK_COPIED)
    op.execute(f"GRANT UPDATE (copied_at) ON booking.access_log TO {APP_ROLE}")
    op.add_column(
        "reservations", sa.Column("mail_secret_hash", sa.String(64), nullable=True), schema="booking"
    )
    op.create_unique_constraint(
        op.f("uq_reservations_mail_secret_hash"), "reservations", ["mail_secret_hash"], schema="booking"
    )
    op.alter_column("outbox", "body", nullable=True, schema="booking")
    op.execute(NOTICE_SQL)
    op.execute(SITE_GRANTS)


def downgrade() -> None:
    op.execute(SITE_GRANTS_BEFORE)
    op.execute(f"GRANT EXECUTE ON FUNCTION booking.notice_venue(text, date) TO {SITE_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION booking.check_notice(text, date) TO {SITE_ROLE}")
    op.execute("DROP FUNCTION booking.notice_answer(uuid)")
    op.execute("DROP FUNCTION booking.notice_ask(text, date)")
    op.execute("DROP TABLE booking.notice_answers")
    op.execute("DROP TABLE booking.notice_attempts")
    op.execute("UPDATE booking.outbox SET body = '' WHERE body IS NULL")
    op.alter_column("outbox", "body", nullable=False, schema="booking")
    op.drop_constraint(
        op.f("uq_reservations_mail_secret_hash"), "reservations", schema="booking", type_="unique"
    )
    op.drop_column("reservations", "mail_secret_hash", schema="booking")
    op.execute(f"REVOKE UPDATE (copied_at) ON booking.access_log FROM {APP_ROLE}")
    op.drop_index("ix_access_log_to_copy", table_name="access_log", schema="booking")
    op.drop_column("access_log", "copied_at", schema="booking")
