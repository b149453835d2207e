"""The forecast from the marts: demand from expiries just past the horizon, and the breakdowns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from core.analytics.marts import current_duckdb
from core.services import forecast
from core.services.forecast import DemandModel
from etl.analytics.build import build_analytics
from tests.factories import add_card, add_resident

AS_OF = date(2026, 11, 26)  # the 120-month horizon runs 2026-11 … 2036-10


def _card_expiring(session: Session, expiry: date, area: str) -> None:
    holder = add_resident(session, birth_date=date(1980, expiry.month, expiry.day), area_code=area)
    add_card(session, holder, "issued", issued_on=date(2026, 1, 5), expires_on=expiry, notice_no=None)


def test_the_ten_year_view_counts_demand_from_expiries_just_past_its_end(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    _card_expiring(session, date(2037, 1, 15), "020100")  # month 123: its window opens 2036-10
    _card_expiring(session, date(2030, 5, 20), "100100")
    session.flush()
    build_analytics(connection, tmp_path, AS_OF)
    marts = forecast.mart_expiries(current_duckdb(tmp_path), AS_OF, 120, "district")
    result = forecast.build_forecast(marts.items, AS_OF, 120, DemandModel(take_up=1.0), 0, marts.notices)
    last = result.rows[-1]
    assert last.month == date(2036, 10, 1)
    assert last.card_expiries == 0  # expires after the horizon …
    assert last.demand > 0  # … but its renewal window opens in the horizon's last month
    assert sum(r.card_expiries for r in result.rows) == 1
    assert dict(marts.split) == {(date(2030, 5, 1), "湘南台"): 1}
    by_age = forecast.mart_expiries(current_duckdb(tmp_path), AS_OF, 120, "age").split
    assert dict(by_age) == {(date(2030, 5, 1), "50-59"): 1}  # 50 on the expiry day
