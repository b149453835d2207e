"""Schema `ops`: backups and restore drills, and the service-level records (probes, request timings,
incidents)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base

SCHEMA = "ops"
BACKUP_STATES = ("running", "good", "failed", "pruned")


class BackupRun(Base):
    """One `mynadesk backup run`: its folder's name, when, how big, which WAL, and how it was checked."""

    __tablename__ = "backups"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'good', 'failed', 'pruned')", name="status"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    format: Mapped[str] = mapped_column(String(5))
    wal_method: Mapped[str] = mapped_column(String(6))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    start_wal: Mapped[str | None] = mapped_column(String(24))
    stop_wal: Mapped[str | None] = mapped_column(String(24))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verify_ok: Mapped[bool | None] = mapped_column(Boolean)
    message: Mapped[str | None] = mapped_column(Text)


class DrillRun(Base):
    """One restore drill: the backup restored, the target, the measured RTO/RPO and the comparison."""

    __tablename__ = "drills"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    backup_name: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    target: Mapped[str | None] = mapped_column(Text)
    rto_seconds: Mapped[float | None] = mapped_column(Float)
    rpo_seconds: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


# --- Service levels (issue 16): probes, their hourly roll-up, request timings per minute, incidents ---
PROBE_TARGETS = ("site", "console", "database")
INCIDENT_KINDS = ("outage", "planned", "jlis")


class Probe(Base):
    """One probe of one target (one row per target per minute; rolled up per hour after 35 days)."""

    __tablename__ = "probes"
    __table_args__ = (
        CheckConstraint("target IN ('site', 'console', 'database')", name="target"),
        Index("ix_probes_target_at", "target", "at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    target: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean)
    ms: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class ProbeHour(Base):
    """The probes of one target in one hour, once their minute rows are older than 35 days."""

    __tablename__ = "probe_hours"
    __table_args__ = {"schema": SCHEMA}

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    target: Mapped[str] = mapped_column(Text, primary_key=True)
    probes: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    ms_p50: Mapped[int] = mapped_column(Integer)
    ms_p95: Mapped[int] = mapped_column(Integer)
    ms_max: Mapped[int] = mapped_column(Integer)


class RequestMinute(Base):
    """Requests of one app, route template and status class in one minute (never a raw path)."""

    __tablename__ = "request_minutes"
    __table_args__ = (
        CheckConstraint("app IN ('site', 'console')", name="app"),
        CheckConstraint("status_class IN ('2xx', '3xx', '4xx', '5xx')", name="status_class"),
        {"schema": SCHEMA},
    )

    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    app: Mapped[str] = mapped_column(Text, primary_key=True)
    route: Mapped[str] = mapped_column(Text, primary_key=True)
    status_class: Mapped[str] = mapped_column(Text, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    within_3s: Mapped[int] = mapped_column(Integer)
    total_ms: Mapped[int] = mapped_column(BigInteger)
    max_ms: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    """An outage (opened by the probes), a planned maintenance (計画停止) or a J-LIS outage."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("kind IN ('outage', 'planned', 'jlis')", name="kind"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        Index("ix_incidents_started_at", "started_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    target: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    remedy: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(Text)


class Heartbeat(Base):
    """One row per app: the last write of a readiness check (`ops.ready()`), proof that writes work."""

    __tablename__ = "heartbeat"
    __table_args__ = {"schema": SCHEMA}

    app: Mapped[str] = mapped_column(Text, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
