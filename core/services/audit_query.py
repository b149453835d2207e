"""Reading the audit log for administrators: filters, a page of entries, and a CSV export (itself audited)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.domain.booking import TOKYO
from core.domain.spreadsheet import neutralise
from core.services.audit import Actor, record

MAX_EXPORT_ROWS = 200_000
CSV_COLUMNS = (
    ("id", "番号"),
    ("at", "日時"),
    ("actor", "職員番号"),
    ("actor_role", "役割"),
    ("action", "操作"),
    ("object_type", "対象種別"),
    ("object_id", "対象"),
    ("subject_atena_no", "宛名番号"),
    ("client_addr", "端末アドレス"),
    ("terminal", "端末"),
    ("summary", "概要"),
)


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit viewer; empty ones are ignored. Dates are days in Japan, inclusive."""

    since: date | None = None
    until: date | None = None
    actor: str | None = None
    action: str | None = None
    subject_atena_no: str | None = None


def _query(filters: AuditFilter) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, time(), TOKYO))
    if filters.until:
        query = query.where(
            AuditEntry.at < datetime.combine(filters.until + timedelta(days=1), time(), TOKYO)
        )
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor.strip())
    if filters.action:
        query = query.where(AuditEntry.action == filters.action.strip())
    if filters.subject_atena_no:
        query = query.where(AuditEntry.subject_atena_no == filters.subject_atena_no.strip())
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entries(session: Session, filters: AuditFilter, limit: int = 500) -> list[AuditEntry]:
    """The newest entries matching FILTERS."""
    return list(session.scalars(_query(filters).limit(limit)))


def actions(session: Session) -> list[str]:
    """Every action name in the log (for the filter's choices)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def export_csv(session: Session, filters: AuditFilter, actor: Actor) -> str:
    """The matching entries as CSV (UTF-8 with BOM for Excel); the export is recorded in the log."""
    rows = session.scalars(_query(filters).limit(MAX_EXPORT_ROWS)).all()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for entry in rows:
        values = []
        for name, _ in CSV_COLUMNS:
            value = getattr(entry, name)
            text = value.astimezone(TOKYO).isoformat() if isinstance(value, datetime) else value or ""
            values.append(neutralise(text))  # a staff ID typed at the login form may be a formula
        writer.writerow(values)
    record(
        session,
        actor,
        "audit_export",
        "audit_log",
        None,
        summary=f"監査ログをCSV出力 / audit log exported: {len(rows)}件",
        detail={k: str(v) for k, v in filters.__dict__.items() if v},
    )
    return buffer.getvalue()
