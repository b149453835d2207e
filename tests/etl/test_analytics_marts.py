"""Analytics marts from a small handmade dataset in the real PostgreSQL: exact numbers, read via DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from core.analytics import queries
from core.analytics.marts import MARTS, current_duckdb
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.models.booking import Reservation, Slot
from core.db.models.cards import Certificate
from etl.analytics.build import build_analytics
from tests.conftest import recreate_database
from tests.factories import add_card, add_place, add_resident

AS_OF = date(2026, 11, 26)
JST = timezone(timedelta(hours=9))


def _dataset(session: Session) -> None:
    a = add_resident(session, birth_date=date(1985, 10, 10), area_code="010100")
    b = add_resident(session, birth_date=date(2000, 2, 29), area_code="020300")
    c = add_resident(
        session,
        birth_date=date(1990, 1, 15),
        area_code="100100",
        resident_kind=2,
        nationality="ベトナム",
        residence_status="技術・人文知識・国際業務",
        residence_expiry=date(2027, 4, 30),
    )
    add_resident(session, birth_date=date(2015, 5, 5), area_code="010200", card_status=0)
    e = add_resident(session, birth_date=date(1950, 1, 1), area_code="130100", card_status=0)
    card_a = add_card(session, a, "issued", issued_on=date(2020, 5, 15), expires_on=date(2029, 10, 10),
                      notified_on=date(2020, 5, 27), handed_over_on=date(2020, 6, 10), office="本庁",
                      application_kind="新規")  # fmt: skip
    card_c = add_card(session, c, "issued", issued_on=date(2024, 6, 1), expires_on=date(2027, 4, 30),
                      notified_on=date(2024, 6, 10), handed_over_on=date(2024, 6, 20), office="湘南台",
                      application_kind="新規")  # fmt: skip
    add_card(session, b, "notified", issued_on=date(2026, 5, 1), expires_on=date(2031, 2, 28),
             notified_on=date(2026, 6, 1), office="本庁", application_kind="更新")  # fmt: skip
    add_card(session, e, "reminded", issued_on=date(2025, 5, 1), expires_on=date(2035, 1, 1),
             notified_on=date(2025, 6, 1), reminded_on=date(2025, 9, 10), office="本庁",
             application_kind="新規", storage_box="B-2025-0001")  # fmt: skip
    for card, kind, expires in (
        (card_a, "user", date(2027, 10, 10)),
        (card_a, "signature", date(2027, 10, 10)),
        (card_c, "user", date(2027, 4, 30)),
    ):
        session.add(Certificate(card_id=card.id, kind=kind, state="valid", issued_on=card.issued_on,
                                expires_on=expires))  # fmt: skip
    venue, procedure = add_place(
        session, "T-HQ", "T-PICKUP", ("テスト本庁", "Test HQ"), ("テスト受取", "Test pickup")
    )
    starts = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    slots = [
        Slot(venue_id=venue.id, procedure_id=procedure.id, starts_at=starts + timedelta(minutes=15 * i),
             ends_at=starts + timedelta(minutes=15 * (i + 1)), capacity=3, booked=booked, held=held)
        for i, (booked, held) in enumerate([(2, 0), (1, 1), (0, 0)])
    ]  # fmt: skip
    session.add_all(slots)
    session.flush()
    for n, (slot, status, channel) in enumerate(
        [(slots[0], "completed", "web"), (slots[0], "no_show", "web"), (slots[1], "completed", "phone"),
         (slots[2], "cancelled", "web")]
    ):  # fmt: skip
        session.add(Reservation(booking_no=f"T{n}", secret_hash=f"{n:064d}", slot_id=slot.id,
                                procedure_id=procedure.id, status=status, channel=channel))  # fmt: skip
    session.flush()


@pytest.fixture(scope="module")
def built(server_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The handmade dataset alone in a database of its own, built once for the module."""
    url = recreate_database(server_url, "mynadesk_analytics_test")
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _dataset(session)
            session.commit()
        data_dir = tmp_path_factory.mktemp("analytics")
        build_analytics(engine, data_dir, AS_OF)
        yield current_duckdb(data_dir)
    finally:
        engine.dispose()


def test_every_mart_is_built_with_the_contract_columns(built: Path) -> None:
    for name, mart in MARTS.items():
        assert tuple(queries.mart(built, name).columns) == mart.column_names


def test_card_stock_counts_states_and_undelivered_cards(built: Path) -> None:
    totals = queries.stock_by_state(built)
    assert dict(zip(totals["state"], totals["cards"], strict=True)) == {
        "issued": 2,
        "notified": 1,
        "reminded": 1,
    }
    assert dict(zip(totals["state"], totals["notices_over_90_days"], strict=True)) == {
        "issued": 0,
        "notified": 1,
        "reminded": 1,
    }
    assert totals["disposal_due"].sum() == 1
    # the notified card's notice is 178 days old, no reminder yet; the reminded card had its reminder
    assert dict(zip(totals["state"], totals["reminder_due"], strict=True))["notified"] == 1
    assert totals["reminder_due"].sum() == 1
    waiting = queries.waiting_cards(built)
    mine = waiting[waiting["storage_box"] == "B-2025-0001"].iloc[0]
    assert (mine["state"], bool(mine["disposal_due"]), str(mine["disposal_due_on"])[:10]) == (
        "reminded",
        True,
        "2026-06-01",
    )
    assert bool(mine["notice_over_90_days"])
    assert int(mine["days_since_notice"]) == (AS_OF - date(2025, 6, 1)).days
    due = queries.waiting_cards(built, only_disposal_due=True)
    assert "B-2025-0001" in due["storage_box"].tolist()


def test_expiries_by_month_district_and_age_band(built: Path) -> None:
    frame = queries.expiries_monthly(built)
    rows = {
        (str(r.month)[:10], r.kind, r.district_code, r.district_name, r.age_band): r.expiring
        for r in frame.itertuples()
    }
    assert rows == {
        ("2027-04-01", "card", "10", "湘南台", "30-39"): 1,  # its user certificate ends with it: one visit
        ("2027-10-01", "user_cert", "01", "片瀬", "40-49"): 1,
        ("2027-10-01", "signature_cert", "01", "片瀬", "40-49"): 1,
        ("2029-10-01", "card", "01", "片瀬", "40-49"): 1,
    }  # waiting cards (2031-02, 2035-01) are not in use and not forecast


def test_notice_waves_exclude_a_card_that_ends_with_the_stay(built: Path) -> None:
    waves = queries.mart(built, "expiry_notice_waves")
    rows = [
        (str(r.notice_month)[:10], r.district_code, r.letters, r.stay_bound_excluded, r.window_opens)
        for r in waves.itertuples()
    ]
    assert rows == [("2027-01-01", "10", 0, 1, 1), ("2029-07-01", "01", 1, 0, 1)]


def test_slot_capacity_and_bookings_per_day(built: Path) -> None:
    [slot] = queries.slot_capacity(built).query("venue_code == 'T-HQ'").to_dict("records")
    assert (slot["slots"], slot["capacity"], slot["booked"], slot["held"], slot["free"]) == (3, 9, 3, 1, 5)
    assert slot["utilisation"] == pytest.approx(4 / 9)
    [day] = queries.bookings_daily(built).query("venue_code == 'T-HQ'").to_dict("records")
    assert (day["reservations"], day["completed"], day["no_show"], day["cancelled"]) == (4, 2, 1, 1)
    assert (day["web"], day["phone"], day["no_show_rate"]) == (3, 1, pytest.approx(1 / 3))


def test_issuance_and_holding(built: Path) -> None:
    issuance = queries.issuance_daily(built)
    days = {str(r.day)[:10]: (r.produced, r.handed_over) for r in issuance.itertuples()}
    assert days == {
        "2020-05-15": (1, 0),
        "2020-06-10": (0, 1),
        "2024-06-01": (1, 0),
        "2024-06-20": (0, 1),
        "2025-05-01": (1, 0),
        "2026-05-01": (1, 0),
    }
    holding = queries.holding_by_district_age(built)
    rows = {
        (r.district_code, r.age_band): (r.residents, r.holders, r.holding_rate) for r in holding.itertuples()
    }
    assert rows == {
        ("01", "0-14"): (1, 0, 0.0),
        ("01", "40-49"): (1, 1, 1.0),
        ("02", "20-29"): (1, 0, 0.0),
        ("10", "30-39"): (1, 1, 1.0),
        ("13", "70-79"): (1, 0, 0.0),
    }
    handovers = queries.mart(built, "handovers_daily")
    assert [
        (str(r.day)[:10], r.district_name, r.age_band, r.application_kind, r.handed_over)
        for r in handovers.itertuples()
    ] == [("2020-06-10", "片瀬", "30-39", "新規", 1), ("2024-06-20", "湘南台", "30-39", "新規", 1)]
    renewals = queries.renewals_monthly(built)
    assert (
        renewals.set_index(renewals["month"].astype(str).str[:10]).loc["2026-05-01", "renewals_produced"] == 1
    )
    info = queries.build_info(built).iloc[0]
    assert str(info["as_of"])[:10] == "2026-11-26"
