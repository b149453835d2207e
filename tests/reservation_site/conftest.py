"""Fixtures for the site: Fujisawa's seed committed in the test database, a resident with a card waiting for
pickup, the Flask app logged in as mynadesk_site with a fixed clock, and a clean booking schema afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.clock import fixed_clock
from core.config import Settings
from core.domain.booking import TOKYO
from demo.seed import seed_fujisawa
from reservation_site import create_app
from tests.browser import chromium, serve

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)  # a Tuesday
NOTICE_NO = "A1B-123456"
BIRTH = date(1985, 4, 1)
FAMILY_NOTICE_NO = "C2D-654321"
FAMILY_BIRTH = date(2015, 6, 30)
# Two cards kept at 湘南台 (a one-seat venue): a mother and her son.
SHONANDAI_NOTICE_NO = "K3S-000101"
SHONANDAI_BIRTH = date(1990, 5, 5)
SHONANDAI_CHILD_NOTICE_NO = "K3S-000102"
SHONANDAI_CHILD_BIRTH = date(2018, 3, 3)

RESIDENT_SQL = """
INSERT INTO register.residents (atena_no, juminhyo_code, household_no, relation, resident_kind,
    resident_status, name, name_kana, birth_year, birth_month, birth_day, birth_date, sex,
    postal_code, address, area_code,
    move_reason, move_date, card_status, updated_at)
VALUES (:atena, :code, 'H1', '世帯主', 1, 1, '藤沢 太郎', 'フジサワ タロウ', :y, :m, :d, :birth, 1, '2510001',
    '藤沢市朝日町1番地の1', '000001', 'A01', '2000-01-01', 1, now())
"""
CARD_SQL = (
    "INSERT INTO cards.cards (holder_atena_no, notice_no, state, issued_on, office) "
    "VALUES (:atena, :no, 'notified', '2026-10-01', coalesce(CAST(:office AS text), '本庁'))"
)

BOOKING_TABLES = (
    "booking.access_log, booking.outbox, booking.rate_events, booking.reservation_members, "
    "booking.reservations, booking.holds, booking.slots, booking.closures, booking.slot_templates, "
    "booking.venue_procedures, booking.counters, booking.venues, booking.procedures"
)


def _person(conn: object, atena: str, code: str, notice: str, birth: date, office: str | None = None) -> None:
    values = {"atena": atena, "code": code, "y": birth.year, "m": birth.month, "d": birth.day, "birth": birth}
    conn.execute(text(RESIDENT_SQL), values)  # type: ignore[attr-defined]
    conn.execute(text(CARD_SQL), {"atena": atena, "no": notice, "office": office})  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def world(engine: Engine) -> Iterator[Engine]:
    """Seed committed for the module; wiped afterwards so other tests see an empty booking schema."""
    with Session(engine) as s, s.begin():
        seed_fujisawa(s, NOW.date())
        # The flows reuse one phone number; the per-contact cap has its own test (test_services).
        s.execute(text("UPDATE booking.rules SET max_active_per_contact = 50"))
        _person(s, "900000000000001", "90000000001", NOTICE_NO, BIRTH)
        _person(s, "900000000000002", "90000000002", FAMILY_NOTICE_NO, FAMILY_BIRTH)
        _person(s, "900000000000003", "90000000003", SHONANDAI_NOTICE_NO, SHONANDAI_BIRTH, "湘南台")
        _person(
            s, "900000000000004", "90000000004", SHONANDAI_CHILD_NOTICE_NO, SHONANDAI_CHILD_BIRTH, "湘南台"
        )
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {BOOKING_TABLES} CASCADE"))
        conn.execute(text("TRUNCATE booking.notice_attempts, booking.notice_answers"))
        conn.execute(text("UPDATE booking.rules SET max_active_per_contact = DEFAULT"))
        conn.execute(text("DELETE FROM cards.cards WHERE holder_atena_no LIKE '9000000000000%'"))
        conn.execute(text("DELETE FROM register.residents WHERE atena_no LIKE '9000000000000%'"))


@pytest.fixture(scope="module")
def app(world: Engine, site_engine: Engine) -> Flask:
    """The site as mynadesk_site, at NOW, with CSRF on (tests post real tokens)."""
    settings = Settings.from_env({"MYNADESK_DATA_DIR": "/nonexistent"})
    limits = {"HOLDS_PER_IP_HOUR": 10_000, "BOOKINGS_PER_CONTACT_DAY": 10_000, "RULES_CACHE_SECONDS": 0}
    limits |= {"HOLDS_PER_IP_AT_ONCE": 10_000, "HOLDS_PER_NOTICE_AT_ONCE": 10_000}
    limits["AVAILABILITY_CACHE_SECONDS"] = 0  # every page shows the seats as they are this instant
    config = {"TESTING": True, "SECRET_KEY": "test-secret", **limits}
    return create_app(config, engine=site_engine, settings=settings, clock=fixed_clock(NOW))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A fresh browser-like client (its own cookie jar)."""
    return app.test_client()


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    """The site served on a free loopback port for a module's browser tests (its configured public address
    while served, so the secret link on the done page opens in the browser)."""
    configured = app.config["SITE_BASE_URL"]
    with serve(app) as url:
        app.config["SITE_BASE_URL"] = url
        try:
            yield url
        finally:
            app.config["SITE_BASE_URL"] = configured


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium for a module's browser tests."""
    with chromium() as launched:
        yield launched
