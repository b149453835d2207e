"""The SLA service reads the month from the measurement tables (migrations 0015, 0017 and 0018; the rows are
written inside the rolled-back transaction) and says "not available" without them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.config import SlaSettings
from core.domain.booking import TOKYO
from core.services.sla import month_inputs, monthly_report, parse_month

NOV = date(2026, 11, 1)
AFTER = datetime(2026, 12, 5, 9, tzinfo=TOKYO)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def measured(session: Session) -> Session:
    for table in ("ops.incidents", "ops.request_minutes", "ops.backups", "ops.drills"):
        session.execute(text(f"DELETE FROM {table}"))
    incidents = [
        # 10/31 23:30 – 11/01 00:45 database outage: 45 minutes of the site in November
        (
            "outage",
            at(10, 31, 23, 30),
            at(11, 1, 0, 45),
            at(10, 31, 23, 35),
            at(11, 1, 0, 10),
            None,
            "database",
        ),
        # 11/10 10:00 – 11:30 site outage, notified after 45 minutes
        ("outage", at(11, 10, 10), at(11, 10, 11, 30), at(11, 10, 10, 5), at(11, 10, 10, 50), None, "site"),
        # planned, announced 31 days ahead: out of the planned time
        ("planned", at(11, 14, 8), at(11, 14, 10), None, None, at(10, 14, 8), "database"),
        # planned, announced 10 days ahead: downtime
        ("planned", at(11, 20, 22), at(11, 20, 23), None, None, at(11, 10, 22), "site"),
        # December: not read
        ("outage", at(12, 2, 10), at(12, 2, 11), at(12, 2, 10), None, None, "site"),
    ]
    for kind, start, end, detected, notified, announced, target in incidents:
        session.execute(
            text(
                "INSERT INTO ops.incidents (kind, started_at, ended_at, detected_at, notified_at,"
                " recovered_at, announced_at, target, opened_by)"
                " VALUES (:k, :s, :e, :d, :n, :e, :a, :t, 'probe')"
            ),
            {"k": kind, "s": start, "e": end, "d": detected, "n": notified, "a": announced, "t": target},
        )
    buckets = [
        # 11/02 00:10 JST is 11/01 15:10 UTC: counted on the 2nd (JST)
        (at(11, 2, 0, 10), "site", "2xx", 600, 598),
        (at(11, 2, 0, 10), "site", "5xx", 10, 10),
        (at(11, 2, 9, 0), "console", "2xx", 390, 382),
        (at(10, 31, 23, 59), "site", "2xx", 1000, 0),  # October
    ]
    for minute, app, status, requests, within in buckets:
        session.execute(
            text(
                "INSERT INTO ops.request_minutes (minute, app, route, status_class, requests, within_3s,"
                " total_ms, max_ms) VALUES (:m, :a, '/', :s, :r, :w, :r * 100, 3500)"
            ),
            {"m": minute, "a": app, "s": status, "r": requests, "w": within},
        )
    for day in range(1, 31):
        if day == 6:
            continue  # no run that night
        status = "failed" if day == 5 else "good"
        session.execute(
            text(
                "INSERT INTO ops.backups (name, status, started_at, format, wal_method, verify_ok)"
                " VALUES (:n, :s, :t, 'plain', 'stream', :ok)"
            ),
            {"n": f"b{day}", "s": status, "t": at(11, day, 2, 30), "ok": status == "good"},
        )
    session.execute(
        text(
            "INSERT INTO ops.drills (backup_name, started_at, finished_at, ok, rto_seconds)"
            " VALUES ('b2', :s, :s, true, 412.5)"
        ),
        {"s": at(11, 2, 3)},
    )
    session.execute(  # the append-only heads: a head recorded on 11/30 (JST) and one in December
        text(
            "INSERT INTO audit.chain_heads (recorded_at, seq, row_hash) VALUES (:at, :seq, '\\xab12'::bytea)"
        ),
        [{"at": at(11, 30, 23, 50), "seq": 123456}, {"at": at(12, 1, 0, 10), "seq": 123999}],
    )
    return session


def test_the_month_is_read_from_the_contract_tables(measured: Session) -> None:
    result = monthly_report(measured, NOV, AFTER, SlaSettings())
    site_planned = 30 * 1440 - 120
    assert result.figure("site").value == pytest.approx((site_planned - (45 + 90 + 60)) / site_planned * 100)
    console_planned = 21 * 510 - 90  # November 2026: 21 opening days × 08:30–17:00, minus the announced stop
    assert result.figure("console").value == pytest.approx(100.0)
    assert dict(result.figure("console").inputs)["計画サービス時間(分)"] == f"{console_planned:,}"
    assert result.figure("response").value == pytest.approx((598 + 10 + 382) / (600 + 10 + 390) * 100)
    assert result.figure("notification").value == pytest.approx(100.0)  # 35 and 45 minutes
    assert result.figure("backup").value == pytest.approx(28 / 30 * 100)
    assert result.drills is not None
    assert [d.rto_seconds for d in result.drills] == [412.5]
    assert result.chain_heads is not None
    assert [(h.day, h.seq) for h in result.chain_heads] == [(date(2026, 11, 30), 123456)]


def test_a_running_month_is_counted_up_to_now(measured: Session) -> None:
    now = at(11, 10, 12)
    inputs = month_inputs(measured, NOV, now, SlaSettings())
    assert inputs.until == now
    result = monthly_report(measured, NOV, now, SlaSettings())
    planned = 9 * 1440 + 12 * 60
    assert result.figure("site").value == pytest.approx((planned - 45 - 90) / planned * 100)


def test_missing_tables_are_not_available(session: Session) -> None:
    for table in ("ops.incidents", "ops.request_minutes", "audit.chain_heads"):
        session.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    result = monthly_report(session, NOV, AFTER, SlaSettings())
    for key in ("site", "console", "response", "notification"):
        assert result.figure(key).value_text.startswith("not available")
    assert result.chain_heads is None
    assert result.backups_nights is not None  # ops.backups exists: the backup figure is there


def test_a_month_must_be_written_as_year_and_month() -> None:
    assert parse_month("2026-11") == NOV
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("11/2026")
