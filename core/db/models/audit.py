"""Schema `audit`: the append-only log of every view or change of personal data (who, what, when, where)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, Text, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base

SCHEMA = "audit"


class AuditEntry(Base):
    """One audited action. PostgreSQL refuses UPDATE, DELETE and TRUNCATE on this table for everyone."""

    __tablename__ = "log"
    __table_args__ = (
        Index("ix_log_at", "at"),
        Index("ix_log_subject", "subject_atena_no"),
        Index("ix_log_actor", "actor"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("clock_timestamp()"))
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    subject_atena_no: Mapped[str | None] = mapped_column(String(15))
    client_addr: Mapped[str | None] = mapped_column(INET)
    terminal: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
