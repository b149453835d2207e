"""Schema `audit`: the append-only log of every view or change of personal data (who, what, when, where)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base

SCHEMA = "audit"


class AuditEntry(Base):
    """One audited action. PostgreSQL refuses UPDATE, DELETE and TRUNCATE on this table for everyone; rows are
    added only by audit.append (core.services.audit.record), which chains them (seq, prev_hash, row_hash)."""

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
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # 1, 2, 3, … without gaps (migration 0017)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)  # the row_hash of seq - 1 (32 zero bytes for seq 1)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary)  # sha256(prev_hash || audit.canonical(row))


class ChainEnd(Base):
    """The one row saying where the chain ends now; audit.append locks it, so appends queue in one line."""

    __tablename__ = "chain_head"
    __table_args__ = {"schema": SCHEMA}

    only_row: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    seq: Mapped[int] = mapped_column(BigInteger)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary)


class ChainHead(Base):
    """Where the audit chain ended at a moment, written down so that removing the newest rows shows."""

    __tablename__ = "chain_heads"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(BigInteger)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary)
