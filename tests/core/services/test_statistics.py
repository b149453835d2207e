"""Statistics come from the analytic marts (built by the real `etl analytics` build from PostgreSQL):
aggregates with cells under 5 suppressed, in tables and in CSV/XLSX exports that say which build they are
from."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from core.analytics.marts import current_duckdb
from core.analytics.queries import AnalyticsMissing
from core.db.models.audit import AuditEntry
from core.db.models.booking import Reservation
from core.services import statistics
from core.services.audit import Actor
from core.services.statistics import StatisticsError, StatsQuery
from etl.analytics.build import build_analytics
from tests.factories import JST, add_card, add_place, add_resident, add_slot

ANALYST = Actor("N0001", role="analyst")
DAY = date(2026, 10, 15)
AS_OF = date(2026, 11, 26)
QUERY = StatsQuery("issued", "district", "month", date(2026, 10, 1), date(2026, 10, 31))


def _bookings(session: Session) -> None:
    venue, procedure = add_place(session, "S-HQ", "S-PICK", ("統計本庁", "Stats HQ"), ("統計受取", "Pickup"))
    slot = add_slot(session, venue.id, procedure.id, datetime(2026, 10, 20, 9, 0, tzinfo=JST), 20, booked=9)
    statuses = ["completed"] * 6 + ["no_show"] * 3 + ["cancelled"] * 2
    for n, status in enumerate(statuses):
        session.add(Reservation(booking_no=f"S{n}", secret_hash=f"s{n:063d}", slot_id=slot.id,
                                procedure_id=procedure.id, status=status))  # fmt: skip
    session.flush()


@pytest.fixture
def marts(session: Session, connection: Connection, tmp_path: Path) -> Path:
    """7 cards handed over in 鵠沼 and 2 in 辻堂 in October (2 of 鵠沼's renewals), one in September, and a
    day of bookings; then the real analytics build."""
    at = datetime(2026, 10, 15, 11, 0, tzinfo=JST)
    for town, code, count in (("鵠沼海岸", "020101", 7), ("辻堂元町", "030201", 2)):
        for i in range(count):
            resident = add_resident(session, address=f"神奈川県藤沢市{town}{i}番地", area_code=code,
                                    birth_date=date(1950 + 10 * i, 1, 1))  # fmt: skip
            kind = "更新" if code == "020101" and i < 2 else "新規"
            add_card(session, resident, "issued", handed_over_at=at + timedelta(minutes=i), notice_no=None,
                     application_kind=kind)  # fmt: skip
    add_card(session, add_resident(session), "issued",
             handed_over_at=datetime(2026, 9, 30, 23, 0, tzinfo=JST), notice_no=None)  # fmt: skip
    _bookings(session)
    session.flush()
    build_analytics(connection, tmp_path, AS_OF)
    return current_duckdb(tmp_path)


def test_counts_by_period_and_district_in_district_order(marts: Path) -> None:
    frame = statistics.table(marts, QUERY)
    assert frame.to_dict() == {"鵠沼": {"2026-10": 7}, "辻堂": {"2026-10": 2}}
    assert list(frame.columns) == ["鵠沼", "辻堂"]  # 02 before 03, not by reading


def test_a_handover_late_in_the_evening_counts_on_its_day_in_japan(marts: Path) -> None:
    frame = statistics.table(marts, StatsQuery("issued", "none", "day", date(2026, 9, 30), date(2026, 9, 30)))
    assert frame.to_dict() == {"合計": {"2026-09-30": 1}}


def test_ages_are_banded_on_the_handover_day(marts: Path) -> None:
    frame = statistics.table(marts, StatsQuery("issued", "age", "month", DAY, DAY))
    # born 1950 … 2010 on 1 January, handed over on 2026-10-15
    assert frame.iloc[0].to_dict() == {"15-19": 1, "20-29": 1, "30-39": 1, "40-49": 1, "50-59": 1,
                                       "60-69": 2, "70-79": 2}  # fmt: skip


def test_renewals_count_the_renewal_cards_handed_over(marts: Path) -> None:
    frame = statistics.table(marts, StatsQuery("renewed", "district", "month", DAY, DAY))
    assert frame.to_dict() == {"鵠沼": {"2026-10": 2}}


def test_bookings_and_no_shows_by_venue(marts: Path) -> None:
    week = StatsQuery("booked", "venue", "week", date(2026, 10, 1), date(2026, 10, 31))
    assert statistics.table(marts, week).to_dict() == {"統計本庁": {"2026-10-19": 9}}  # Monday of that week
    no_show = StatsQuery("no_show", "procedure", "month", date(2026, 10, 1), date(2026, 10, 31))
    assert statistics.table(marts, no_show).to_dict() == {"統計受取": {"2026-10": 3}}


def test_cells_under_five_are_suppressed(marts: Path) -> None:
    shown = statistics.suppress(statistics.table(marts, QUERY))
    assert shown.to_dict() == {"鵠沼": {"2026-10": 7}, "辻堂": {"2026-10": "<5"}}


def test_exports_carry_only_suppressed_aggregates_with_their_build_time_and_are_audited(
    session: Session, marts: Path
) -> None:
    name, data = statistics.export(session, marts, QUERY, "csv", ANALYST)
    csv_text = data.decode("utf-8-sig")
    assert csv_text.splitlines() == [
        "月,鵠沼,辻堂,備考",
        "2026-10,7,<5,",
    ]  # the header first, months as 2026-10
    assert "基準日20261126" in name
    assert name.endswith(".csv")
    name, data = statistics.export(session, marts, QUERY, "xlsx", ANALYST)
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = [[cell.value for cell in row] for row in book["集計"].iter_rows()]
    assert rows == [["月", "鵠沼", "辻堂", "備考"], ["2026-10", 7, "<5", None]]
    assert "基準日 2026-11-26" in (book.properties.title or "")
    assert name.endswith(".xlsx")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "stats_export")).all()
    assert len(entries) == 2
    assert entries[0].detail is not None
    assert "基準日 2026-11-26" in entries[0].detail["as_of"]


def test_a_card_measure_cannot_be_split_by_venue(marts: Path) -> None:
    with pytest.raises(StatisticsError, match="地区・年齢別"):
        statistics.table(marts, StatsQuery("issued", "venue", "month", DAY, DAY))


def test_without_a_build_the_statistics_say_to_run_it(tmp_path: Path) -> None:
    with pytest.raises(AnalyticsMissing) as missing:
        statistics.table(current_duckdb(tmp_path), QUERY)
    assert "`mynadesk etl analytics` を実行してください" in missing.value.message_ja
