"""The forecast from the marts: its monthly numbers follow the domain rules, demand from expiries just past
the horizon, and the breakdowns (every district and age band the marts write has a group on the page)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from core.analytics.marts import current_duckdb
from core.analytics.queries import FORECAST_SPLITS
from core.db.models.cards import Certificate
from core.domain.city import DISTRICTS
from core.domain.expiry import card_expiry, expiry_notice_month, user_certificate_expiry
from core.services import forecast
from core.services.forecast import DemandModel
from etl.analytics import transform
from etl.analytics.build import build_analytics
from etl.analytics.extract import CARDS_SCHEMA, CERTIFICATES_SCHEMA
from tests.factories import add_card, add_resident

AS_OF = date(2026, 11, 26)  # the 120-month horizon runs 2026-11 … 2036-10
HORIZON_END = date(2036, 11, 1)
PEOPLE = [  # (birth, issued, applied, printed?)
    (date(1985, 10, 10), date(2020, 5, 15), None, True),
    (date(1980, 6, 1), date(2018, 6, 1), None, False),
    (date(1990, 12, 24), date(2017, 1, 20), None, True),
    (date(2003, 8, 15), date(2022, 6, 10), date(2022, 5, 1), False),
    (date(2016, 3, 3), date(2023, 1, 20), None, True),
    (date(1950, 2, 28), date(2019, 3, 1), None, False),
]


@pytest.fixture
def ledger(session: Session, connection: Connection, tmp_path: Path) -> list[date]:
    """PEOPLE's cards (half without a printed expiry) and 利用者証明用 certificates in 鵠沼, and an analytics
    build of them: the card expiries by the domain rules."""
    expiries = []
    for birth, issued, applied, printed in PEOPLE:
        resident = add_resident(
            session, birth_date=birth, address="神奈川県藤沢市鵠沼海岸2丁目1番1号", area_code="020101"
        )
        expiry = card_expiry(birth, issued, applied)
        card = add_card(
            session,
            resident,
            "issued",
            issued_on=issued,
            applied_on=applied,
            expires_on=expiry if printed else None,
            notice_no=None,
        )
        cert_expiry = user_certificate_expiry(birth, issued, expiry)
        session.add(
            Certificate(card_id=card.id, kind="user", state="valid", issued_on=issued, expires_on=cert_expiry)
        )
        expiries.append(expiry)
    session.flush()
    build_analytics(connection, tmp_path, AS_OF)
    return expiries


def test_monthly_card_expiries_and_notices_match_the_domain_rules(ledger: list[date], tmp_path: Path) -> None:
    marts = forecast.mart_expiries(current_duckdb(tmp_path), AS_OF, 120, "district")
    result = forecast.build_forecast(marts.items, AS_OF, 120, DemandModel(), 1000, marts.notices)
    by_month = {row.month: row.card_expiries for row in result.rows if row.card_expiries}
    expected = Counter(d.replace(day=1) for d in ledger if date(2026, 11, 1) <= d < HORIZON_END)
    assert by_month == dict(expected)
    notices = {row.month: row.notices for row in result.rows if row.notices}
    expected_notices = Counter(
        expiry_notice_month(d) for d in ledger if date(2026, 11, 1) <= d < date(2037, 2, 1)
    )
    assert notices == {m: n for m, n in expected_notices.items() if date(2026, 11, 1) <= m < HORIZON_END}
    assert {district for _, district in marts.split} == {"鵠沼"}


def test_certificates_expiring_before_the_card_are_separate_visits(
    ledger: list[date], tmp_path: Path
) -> None:
    items = forecast.mart_expiries(current_duckdb(tmp_path), AS_OF, 120).items
    certs = sum(i.count for i in items if i.kind == "certificate")
    expected = 0
    for birth, issued, applied, _ in PEOPLE:
        card = card_expiry(birth, issued, applied)
        cert = user_certificate_expiry(birth, issued, card)
        expected += int(cert < card and date(2026, 11, 1) <= cert < date(2037, 2, 1))
    assert certs == expected


def test_cards_of_residents_who_moved_out_are_not_counted(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    add_card(session, add_resident(session, resident_status=2), "issued", expires_on=date(2027, 5, 5))
    session.flush()
    build_analytics(connection, tmp_path, AS_OF)
    items = forecast.mart_expiries(current_duckdb(tmp_path), AS_OF, 120).items
    assert sum(i.count for i in items if i.kind == "card") == 0


def test_every_district_and_age_band_of_the_marts_has_a_group_in_the_breakdown() -> None:
    """The page draws SPLIT_GROUPS only: a label the marts write outside them would lose its bar silently."""
    areas = [*(f"{d.code}0100" for d in DISTRICTS), "000000", "990100", None]
    births = [None, AS_OF + timedelta(days=30), *(date(1926 + age, 1, 1) for age in range(0, 101, 3))]
    rows = []
    for i, (area, birth) in enumerate((a, b) for a in areas for b in births):
        row = dict.fromkeys(CARDS_SCHEMA.names)
        row.update(
            id=i + 1,
            state="issued",
            issued_on=date(2026, 1, 5),
            expires_on=date(2027, 1, 15) + timedelta(days=i % 90),
            birth_date=birth,
            area_code=area,
            resident_kind=1,
            resident_status=1,
        )
        rows.append(row)
    cards = pa.Table.from_pylist(rows, schema=CARDS_SCHEMA)
    mart = transform.expiries_monthly(cards, CERTIFICATES_SCHEMA.empty_table(), AS_OF).to_pylist()
    assert set(forecast.SPLIT_GROUPS) == set(FORECAST_SPLITS)
    for split, (label, _) in FORECAST_SPLITS.items():
        written = {r[label] for r in mart}
        assert written <= set(forecast.SPLIT_GROUPS[split]), split
    # and each group is one the marts can write: every district, the unknown, every age band, 不詳
    assert {r["district_name"] for r in mart} == set(forecast.SPLIT_GROUPS["district"])
    assert {r["age_band"] for r in mart} == set(forecast.SPLIT_GROUPS["age"])


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
