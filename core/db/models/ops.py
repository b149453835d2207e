"""Schema `ops`: the record of every base backup and restore drill (written by the owner, read by the app)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Float, String, Text
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
