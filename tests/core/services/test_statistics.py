"""Statistics are aggregates with cells under 5 suppressed, in tables and in CSV/XLSX exports."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.services import statistics
from core.services.audit import Actor
from core.services.statistics import StatisticsError, StatsQuery
from tests.factories import JST, add_card, add_resident

ANALYST = Actor("N0001", role="analyst")
DAY = date(2026, 10, 15)
QUERY = StatsQuery("issued", "district", "month", date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def issued(session: Session) -> None:
    at = datetime(2026, 10, 15, 11, 0, tzinfo=JST)
    for town, code, count in (("鵠沼海岸", "020101", 7), ("辻堂元町", "030201", 2)):
        for i in range(count):
            resident = add_resident(session, address=f"神奈川県藤沢市{town}{i}番地", area_code=code)
            add_card(session, resident, "issued", handed_over_at=at + timedelta(minutes=i), notice_no=None)
    add_card(
        session,
        add_resident(session),
        "issued",
        handed_over_at=datetime(2026, 9, 30, 23, 0, tzinfo=JST),
        notice_no=None,
    )


def test_counts_by_period_and_district(session: Session, issued: None) -> None:
    frame = statistics.table(session, QUERY)
    assert frame.to_dict() == {"辻堂": {"2026-10-01": 2}, "鵠沼": {"2026-10-01": 7}}


def test_cells_under_five_are_suppressed(session: Session, issued: None) -> None:
    shown = statistics.suppress(statistics.table(session, QUERY))
    assert shown.to_dict() == {"辻堂": {"2026-10-01": "<5"}, "鵠沼": {"2026-10-01": 7}}


def test_exports_carry_only_suppressed_aggregates_and_are_audited(session: Session, issued: None) -> None:
    csv_text = statistics.export(session, QUERY, "csv", ANALYST).decode("utf-8-sig")
    assert "<5" in csv_text
    assert ",7" in csv_text
    assert ",2" not in csv_text
    book = openpyxl.load_workbook(io.BytesIO(statistics.export(session, QUERY, "xlsx", ANALYST)))
    values = [cell.value for row in book["集計"].iter_rows() for cell in row]
    assert "<5" in values
    assert 7 in values
    assert 2 not in values
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "stats_export")).all()) == 2


def test_a_card_measure_cannot_be_split_by_venue(session: Session) -> None:
    with pytest.raises(StatisticsError, match="地区・年齢別"):
        statistics.table(session, StatsQuery("issued", "venue", "month", DAY, DAY))
