"""The overview's issuance history: days before the build's 基準日 from the marts, the days since live."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from core.analytics.marts import current_duckdb
from core.services import overview
from etl.analytics.build import build_analytics
from tests.factories import JST, add_card, add_resident

TODAY = date(2026, 11, 26)


def _handed_over(session: Session, day: date, **extra: object) -> None:
    at = datetime.combine(day, time(10, 0), JST)
    add_card(session, add_resident(session), "issued", handed_over_at=at, notice_no=None, **extra)


def test_history_comes_from_the_build_and_the_days_since_are_live(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    _handed_over(session, TODAY - timedelta(days=5))
    _handed_over(session, TODAY - timedelta(days=1))  # after the 基準日: counted live, not twice
    session.flush()
    build_analytics(connection, tmp_path, TODAY - timedelta(days=2))
    _handed_over(session, TODAY)  # after the build
    session.flush()
    days, built = overview.mart_issued_per_day(session, current_duckdb(tmp_path), TODAY, days=7)
    assert built is not None
    assert [n for _, n in days] == [0, 1, 0, 0, 0, 1, 1]
    assert days[0][0] == TODAY - timedelta(days=6)
    assert overview.build_overview(session, TODAY).issued_today == 1
