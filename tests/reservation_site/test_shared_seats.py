"""A day's free seats are worked out once a second and shared between requests; the hold still re-checks every
seat under the slot's lock, so a time shown free a moment too long leads to the friendly page, never to an
overbooking."""

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
def sharing_app(world: Engine, site_engine: Engine) -> Iterator[Flask]:
    settings = Settings.from_env({"MYNADESK_DATA_DIR": "/nonexistent"})
    config = {"SECRET_KEY": "x", "HOLDS_PER_IP_HOUR": 10_000, "RULES_CACHE_SECONDS": 0}
    config |= {"HOLDS_PER_IP_AT_ONCE": 10_000, "HOLDS_PER_NOTICE_AT_ONCE": 10_000}
    config["AVAILABILITY_CACHE_SECONDS"] = 60  # longer than the test: whatever is shared stays shared
    yield create_app(config, engine=site_engine, settings=settings, clock=fixed_clock(NOW))
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))


def test_a_time_taken_meanwhile_gets_the_friendly_page_though_the_shared_day_page_still_showed_it(
    sharing_app: Flask, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world, procedure="cert_renewal", day="2026-12-11")
    url = f"/p/cert_renewal/honcho/{day.isoformat()}"
    assert f'value="{slot_id}"' in sharing_app.test_client().get(url).get_data(as_text=True)
    with world.begin() as conn:  # someone else takes every seat of that time
        conn.execute(text("UPDATE booking.slots SET booked = capacity WHERE id = :id"), {"id": slot_id})
    try:
        late = sharing_app.test_client()
        page = late.get(url)
        assert f'value="{slot_id}"' in page.get_data(as_text=True)  # shared: still shown as free
        refused = late.post(url, data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "party_size": 1})
        assert refused.status_code == 409
        assert "埋まりました" in refused.get_data(as_text=True)
        with world.connect() as conn:
            booked, held, capacity = conn.execute(
                text("SELECT booked, held, capacity FROM booking.slots WHERE id = :id"), {"id": slot_id}
            ).one()
        assert (booked, held) == (capacity, 0)
    finally:
        with world.begin() as conn:
            conn.execute(text("UPDATE booking.slots SET booked = 0 WHERE id = :id"), {"id": slot_id})
