"""The forecast's monthly numbers match expiries computed directly from the domain rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.db.models.cards import Certificate
from core.domain.expiry import card_expiry, expiry_notice_month, user_certificate_expiry
from core.services import forecast
from core.services.forecast import DemandModel, Expiry
from tests.factories import add_card, add_resident

TODAY = date(2026, 11, 26)
PEOPLE = [  # (birth, issued, applied, printed?)
    (date(1985, 10, 10), date(2020, 5, 15), None, True),
    (date(1980, 6, 1), date(2018, 6, 1), None, False),
    (date(1990, 12, 24), date(2017, 1, 20), None, True),
    (date(2003, 8, 15), date(2022, 6, 10), date(2022, 5, 1), False),
    (date(2016, 3, 3), date(2023, 1, 20), None, True),
    (date(1950, 2, 28), date(2019, 3, 1), None, False),
]


@pytest.fixture
def ledger(session: Session) -> list[date]:
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
    add_card(session, add_resident(session, resident_status=2), "issued", expires_on=date(2027, 5, 5))
    session.flush()
    return expiries


def test_monthly_card_expiries_match_the_domain_rules(session: Session, ledger: list[date]) -> None:
    items = forecast.ledger_expiries(session, TODAY, 120)
    result = forecast.build_forecast(items, TODAY, 120, DemandModel(), 1000)
    by_month = {row.month: row.card_expiries for row in result.rows if row.card_expiries}
    horizon_end = date(2036, 11, 1)
    expected = Counter(d.replace(day=1) for d in ledger if date(2026, 11, 1) <= d < horizon_end)
    assert by_month == dict(expected)
    notices = {row.month: row.notices for row in result.rows if row.notices}
    expected_notices = Counter(
        expiry_notice_month(d) for d in ledger if date(2026, 11, 1) <= d < date(2037, 2, 1)
    )
    assert notices == {m: n for m, n in expected_notices.items() if date(2026, 11, 1) <= m < horizon_end}
    assert {district for _, district in result.by_district} == {"鵠沼"}


def test_certificates_expiring_before_the_card_are_separate_visits(
    session: Session, ledger: list[date]
) -> None:
    items = forecast.ledger_expiries(session, TODAY, 120)
    certs = sum(i.count for i in items if i.kind == "certificate")
    expected = 0
    for birth, issued, applied, _ in PEOPLE:
        card = card_expiry(birth, issued, applied)
        cert = user_certificate_expiry(birth, issued, card)
        expected += int(cert < card and date(2026, 11, 1) <= cert < date(2037, 2, 1))
    assert certs == expected


def test_demand_spreads_from_the_window_opening_and_closes_the_gap_in_hours() -> None:
    wave = [Expiry("card", date(2027, 6, 1), "鵠沼", "40-64", True, 100)]
    model = DemandModel(take_up=0.8, arrival_weights=(1, 1), minutes_per_visit=15)
    result = forecast.build_forecast(wave, date(2027, 1, 1), 12, model, 30)
    demand = {row.month: row.demand for row in result.rows if row.demand}
    assert demand == {date(2027, 3, 1): 40.0, date(2027, 4, 1): 40.0}
    march = next(r for r in result.rows if r.month == date(2027, 3, 1))
    assert march.gap == 10.0
    assert result.extra_hours(march) == 2.5
    assert next(r for r in result.rows if r.month == date(2027, 3, 1)).notices == 100


def test_arrival_weights_put_the_early_share_first() -> None:
    weights = forecast.arrival_weights(0.5, 3)
    assert weights == (0.5, 0.25, 0.125)
