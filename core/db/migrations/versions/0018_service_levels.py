"""Service levels (issue 16): probes and their hourly roll-up, request timings per minute, the incident
register, and `ops.ready()`, the readiness check's write and read.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_ROLE = "mynadesk_site"
APP_ROLE = "mynadesk_app"

# The readiness check in one round trip, for either role: a write (the app's heartbeat row, at the caller's
# clock) read back, and the age of the oldest unsent mail (the site may not read the outbox itself).
READY_SQL = f"""
CREATE FUNCTION ops.ready(p_app text, p_at timestamptz, OUT written_at timestamptz,
    OUT oldest_unsent timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_app IS NULL OR p_app NOT IN ('site', 'console', 'probe') THEN
        RAISE EXCEPTION 'unknown app: %', p_app;
    END IF;
    INSERT INTO ops.heartbeat (app, at) VALUES (p_app, p_at)
    ON CONFLICT (app) DO UPDATE SET at = EXCLUDED.at
    RETURNING at INTO written_at;
    SELECT min(o.created_at) INTO oldest_unsent FROM booking.outbox o WHERE o.sent_at IS NULL;
END
$$;
REVOKE ALL ON FUNCTION ops.ready(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ops.ready(text, timestamptz) TO {SITE_ROLE}, {APP_ROLE};
"""

GRANTS = f"""
GRANT USAGE ON SCHEMA ops TO {SITE_ROLE};
REVOKE ALL ON ops.probes, ops.probe_hours, ops.request_minutes, ops.incidents, ops.heartbeat
    FROM {SITE_ROLE}, {APP_ROLE};
-- ON CONFLICT DO UPDATE adds to the counts already there, which needs SELECT on them (aggregates only)
GRANT SELECT, INSERT, UPDATE ON ops.request_minutes TO {SITE_ROLE}, {APP_ROLE};
GRANT SELECT, INSERT, DELETE ON ops.probes TO {APP_ROLE};
GRANT SELECT, INSERT, UPDATE ON ops.probe_hours, ops.incidents TO {APP_ROLE};
GRANT USAGE ON SEQUENCE ops.probes_id_seq, ops.incidents_id_seq TO {APP_ROLE};
"""


def _timestamp(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "probes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        _timestamp("at", False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("target IN ('site', 'console', 'database')", name=op.f("ck_probes_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probes")),
        schema="ops",
    )
    op.create_index("ix_probes_target_at", "probes", ["target", "at"], schema="ops")
    op.create_table(
        "probe_hours",
        _timestamp("hour", False),
        sa.Column("target", sa.Text(), nullable=False),
        *(
            sa.Column(n, sa.Integer(), nullable=False)
            for n in ("probes", "failures", "ms_p50", "ms_p95", "ms_max")
        ),
        sa.PrimaryKeyConstraint("hour", "target", name=op.f("pk_probe_hours")),
        schema="ops",
    )
    op.create_table(
        "request_minutes",
        _timestamp("minute", False),
        sa.Column("app", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("status_class", sa.Text(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("within_3s", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.BigInteger(), nullable=False),
        sa.Column("max_ms", sa.Integer(), nullable=False),
        sa.CheckConstraint("app IN ('site', 'console')", name=op.f("ck_request_minutes_app")),
        sa.CheckConstraint(
            "status_class IN ('2xx', '3xx', '4xx', '5xx')", name=op.f("ck_request_minutes_status_class")
        ),
        sa.PrimaryKeyConstraint("minute", "app", "route", "status_class", name=op.f("pk_request_minutes")),
        schema="ops",
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        _timestamp("started_at", False),
        *(_timestamp(n) for n in ("ended_at", "detected_at", "notified_at", "recovered_at", "announced_at")),
        *(sa.Column(n, sa.Text(), nullable=True) for n in ("target", "cause", "remedy")),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('outage', 'planned', 'jlis')", name=op.f("ck_incidents_kind")),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_incidents_ends_after_start")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        schema="ops",
    )
    op.create_index("ix_incidents_started_at", "incidents", ["started_at"], schema="ops")
    op.create_table(
        "heartbeat",
        sa.Column("app", sa.Text(), nullable=False),
        _timestamp("at", False),
        sa.PrimaryKeyConstraint("app", name=op.f("pk_heartbeat")),
        schema="ops",
    )
    op.execute(READY_SQL)
    op.execute(GRANTS)


def downgrade() -> None:
    op.execute("DROP FUNCTION ops.ready(text, timestamptz)")
    for table in ("heartbeat", "incidents", "request_minutes", "probe_hours", "probes"):
        op.drop_table(table, schema="ops")
    op.execute(f"REVOKE USAGE ON SCHEMA ops FROM {SITE_ROLE}")
