"""Per-address and per-contact rate limits, counted in PostgreSQL, refuse politely and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from core.clock import fixed_clock
from core.config import Settings
from reservation_site import create_app
from tests.reservation_site import flow
from tests.reservation_site.conftest import NOW


@pytest.fixture
def strict_app(world: Engine, site_engine: Engine) -> Iterator[Flask]:
    settings = Settings.from_env({"MYNADESK_DATA_DIR": "/nonexistent"})
    limits = {"HOLDS_PER_IP_HOUR": 2, "BOOKINGS_PER_CONTACT_DAY": 1, "LOOKUP_FAILS_PER_IP": 2}
    limits["RULES_CACHE_SECONDS"] = limits["AVAILABILITY_CACHE_SECONDS"] = 0
    yield create_app(
        {"SECRET_KEY": "x", **limits}, engine=site_engine, settings=settings, clock=fixed_clock(NOW)
    )
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))


def test_holds_per_address_are_limited(strict_app: Flask, world: Engine) -> None:
    client = strict_app.test_client()
    slot_id, day = flow.first_slot(world, day="2026-12-10")
    assert flow.hold(client, slot_id, day).status_code == 302
    assert flow.hold(client, slot_id, day).status_code == 302
    refused = flow.hold(client, slot_id, day)
    assert refused.status_code == 429
    assert "試行回数が多すぎます" in refused.get_data(as_text=True)
    assert "Too many attempts" not in refused.get_data(as_text=True)  # a Japanese page speaks Japanese only


def test_bookings_per_phone_number_are_limited(strict_app: Flask, world: Engine) -> None:
    first = strict_app.test_client()
    flow.book(first, world)
    second = strict_app.test_client()
    second.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    slot_id, day = flow.first_slot(world, day="2026-12-11")
    flow.hold(second, slot_id, day)
    flow.details(second, phone="0466 25 1111")
    with world.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar()
    assert flow.confirm(second).status_code == 429
    with world.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar() == before


def test_wrong_lookups_are_limited(strict_app: Flask) -> None:
    client = strict_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.3"
    page = client.get("/lookup")
    for number in ("AAAA-BBBB", "AAAA-CCCC"):  # other numbers: each number is slowed down by itself too
        data = {"csrf_token": flow.csrf(page), "booking_no": number, "phone": "0466000000"}
        assert client.post("/lookup", data=data).status_code == 400
    blocked = client.post(
        "/lookup", data={"csrf_token": flow.csrf(page), "booking_no": "AAAA-BBBB", "phone": "1"}
    )
    assert blocked.status_code == 429
