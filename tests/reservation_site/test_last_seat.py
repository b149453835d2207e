"""Capacity is a database invariant: 50 people racing for the last seat → exactly one gets it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from core.domain.booking import TOKYO
from tests.reservation_site import flow

RACERS = 50
STARTS = datetime(2026, 12, 4, 8, 0, tzinfo=TOKYO)  # before opening: a slot only this test uses


def _one_seat(world: Engine, starts: datetime) -> int:
    """A one-seat slot of card pickup at the city hall starting at STARTS (slots are unique per place and
    time since migration 0007, so each test that makes one uses its own time)."""
    with world.begin() as conn:
        slot_id = conn.execute(
            text(
                "INSERT INTO booking.slots (venue_id, procedure_id, starts_at, ends_at, capacity) "
                "SELECT v.id, p.id, :s, :s + interval '15 minutes', 1 "
                "FROM booking.venues v, booking.procedures p "
                "WHERE v.code = 'honcho' AND p.code = 'cert_renewal' RETURNING id"
            ),
            {"s": starts},
        ).scalar_one()
    return int(slot_id)


@pytest.fixture
def last_seat(world: Engine) -> int:
    """The one-seat slot the racers go for."""
    return _one_seat(world, STARTS)


def test_fifty_racers_for_the_last_seat_yield_exactly_one_hold(
    app: Flask, world: Engine, last_seat: int
) -> None:
    url = f"/p/cert_renewal/honcho/{STARTS.date().isoformat()}"
    clients = [app.test_client() for _ in range(RACERS)]
    tokens = [flow.csrf(c.get(url)) for c in clients]
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def race(index: int) -> None:
        barrier.wait(timeout=30)
        response = clients[index].post(
            url, data={"csrf_token": tokens[index], "slot_id": last_seat, "party_size": 1}
        )
        with lock:
            results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(302) == 1
    assert statuses.count(409) == RACERS - 1
    friendly = [body for status, body in results if status == 409]
    assert all("その時間は今ちょうど埋まりました" in body for body in friendly)
    assert "近い時間の空きはこちらです" in friendly[0]
    assert 'name="slot_id"' in friendly[0]  # nearest free slots offered as a form
    with world.connect() as conn:
        booked, held = conn.execute(
            text("SELECT booked, held FROM booking.slots WHERE id = :id"), {"id": last_seat}
        ).one()
    assert (booked, held) == (0, 1)


def test_the_database_refuses_an_overbooking_even_without_the_lock(world: Engine) -> None:
    last_seat = _one_seat(world, STARTS + timedelta(minutes=15))
    with pytest.raises(IntegrityError, match="not_overbooked"), world.begin() as conn:
        conn.execute(text("UPDATE booking.slots SET booked = 2 WHERE id = :id"), {"id": last_seat})
