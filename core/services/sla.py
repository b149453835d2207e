"""The month's SLA inputs read from the measurement tables (schema ops, audit.chain_heads); the caller
owns the transaction. A table that does not exist yet gives None, shown as "not available" in the report."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import jpholiday
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.config import SlaSettings
from core.domain.booking import TOKYO
from core.domain.errors import DomainError
from core.domain.sla import (
    Backup,
    ChainHead,
    DayRequests,
    Drill,
    ServiceHours,
    SlaInputs,
    SlaPolicy,
    SlaReport,
    Stop,
    days_of,
    month_span,
    report,
)
from core.services.audit import Actor, record

INCIDENTS = text(
    "SELECT id, kind, target, started_at, ended_at, detected_at, notified_at, recovered_at, announced_at,"
    " cause, remedy FROM ops.incidents"
    " WHERE started_at < :end AND (ended_at IS NULL OR ended_at > :start) ORDER BY started_at, id"
)
REQUESTS = text(
    "SELECT (minute AT TIME ZONE 'Asia/Tokyo')::date AS day, app, sum(requests)::bigint,"
    " sum(within_3s)::bigint, sum(total_ms)::bigint, max(max_ms) FROM ops.request_minutes"
    " WHERE minute >= :start AND minute < :end GROUP BY 1, 2 ORDER BY 1, 2"
)
BACKUPS = text(
    "SELECT name, started_at, status IN ('good', 'pruned') AND coalesce(verify_ok, false) FROM ops.backups"
    " WHERE started_at >= :start AND started_at < :end ORDER BY started_at"
)
DRILLS = text(
    "SELECT backup_name, started_at, ok, rto_seconds FROM ops.drills"
    " WHERE started_at >= :start AND started_at < :end ORDER BY started_at"
)
CHAIN_HEADS = text(  # the newest head recorded on each day (JST) of the month
    "SELECT DISTINCT ON (day) day, seq, hash FROM ("
    " SELECT (recorded_at AT TIME ZONE 'Asia/Tokyo')::date AS day, seq, encode(row_hash, 'hex') AS hash,"
    " recorded_at FROM audit.chain_heads) AS heads"
    " WHERE day >= :first AND day < :following ORDER BY day, recorded_at DESC"
)


def exists(session: Session, table: str) -> bool:
    """Whether TABLE (schema.name) exists and this role can see it."""
    return bool(session.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar_one())


def _rows(session: Session, table: str, query: Any, params: dict[str, Any]) -> list[Any] | None:
    if not exists(session, table):
        return None
    return list(session.execute(query, params))


def policy(settings: SlaSettings) -> SlaPolicy:
    """The contract's targets from the settings."""
    return SlaPolicy(settings.availability_target, settings.response_target, settings.notice_days)


def service_hours(settings: SlaSettings, month: date) -> ServiceHours:
    """The console's opening hours from the settings, closed on the month's national holidays."""
    opens, closes = (time.fromisoformat(t) for t in settings.console_hours)
    holidays = frozenset(d for d in days_of(month_span(month)) if jpholiday.is_holiday(d))
    return ServiceHours(console_open=opens, console_close=closes, closed_days=holidays)


def month_inputs(session: Session, month: date, now: datetime, settings: SlaSettings) -> SlaInputs:
    """Everything the report for MONTH needs, counted up to NOW if the month is not over."""
    span = month_span(month)
    # a night's backup belongs to the day it starts on; read a day either side for the boundary
    params = {"start": span.start, "end": span.end}
    wide = {"start": span.start - timedelta(days=1), "end": span.end + timedelta(days=1)}
    incidents = _rows(session, "ops.incidents", INCIDENTS, params)
    requests = _rows(session, "ops.request_minutes", REQUESTS, params)
    backups = _rows(session, "ops.backups", BACKUPS, wide)
    drills = _rows(session, "ops.drills", DRILLS, params)
    heads = _rows(
        session,
        "audit.chain_heads",
        CHAIN_HEADS,
        {"first": span.start.date(), "following": span.end.astimezone(TOKYO).date()},
    )
    return SlaInputs(
        month=span.start.date(),
        until=min(span.end, now),
        hours=service_hours(settings, month),
        policy=policy(settings),
        stops=None if incidents is None else tuple(Stop(*row) for row in incidents),
        requests=None if requests is None else tuple(DayRequests(*row) for row in requests),
        backups=None if backups is None else tuple(Backup(*row) for row in backups),
        drills=None if drills is None else tuple(Drill(*row) for row in drills),
        chain_heads=None if heads is None else tuple(ChainHead(*row) for row in heads),
    )


def monthly_report(session: Session, month: date, now: datetime, settings: SlaSettings) -> SlaReport:
    """The SLA report for MONTH as of NOW."""
    return report(month_inputs(session, month, now, settings))


def parse_month(value: str) -> date:
    """`2026-11` → 2026-11-01; anything else is a ValueError that says the form."""
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise ValueError(f"月は YYYY-MM で指定してください: {value} / month must be YYYY-MM") from error


def previous_month(today: date) -> date:
    """The first day of the month before TODAY's: the report the city asks for next."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def chosen_month(value: str | None, today: date) -> date:
    """A month typed on the console (`2026-11`) as its first day; a malformed or future month is refused."""
    try:
        month = parse_month((value or "").strip())
    except ValueError:
        raise DomainError(
            f"対象月は YYYY-MM(例: {previous_month(today):%Y-%m})で入力してください: {value or '(空欄)'}",
            "the month must be YYYY-MM",
        ) from None
    if month > today.replace(day=1):
        raise DomainError(
            f"{month:%Y-%m} はまだ始まっていません。{today:%Y-%m} 以前の月を選んでください",
            "that month has not started yet",
        )
    return month


def record_export(session: Session, actor: Actor, result: SlaReport, fmt: str) -> None:
    """Audit that ACTOR took the month's report out as FMT (pdf / xlsx)."""
    record(
        session,
        actor,
        "sla_export",
        "sla_report",
        f"{result.month:%Y-%m}",
        summary=f"SLA報告出力 / export: {result.month.year}年{result.month.month}月分 ({fmt})",
        detail={"format": fmt, "month": f"{result.month:%Y-%m}", "until": result.until.isoformat()},
    )
