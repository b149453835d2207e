"""Site changes and console moves race on the same few slots, each thread on its own connection with real
commits: no deadlock, no overbooking, and every slot's counts still add up afterwards."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db.models.booking import Reservation
from core.domain.booking import TOKYO, BookingRules
from core.domain.errors import DomainError
from core.services import booking
from core.services import reservation_day as day_ops
from core.services.audit import Actor
from tests.reservation_site.conftest import NOW

SLOTS, CAPACITY, BOOKINGS = 3, 6, 6
SITE_THREADS, CONSOLE_THREADS, ROUNDS = 4, 4, 12
STARTS = datetime(2026, 12, 10, 6, 0, tzinfo=TOKYO)  # before opening: slots only this test uses
RULES = BookingRules(max_active_per_contact=50, release_delay_minutes=15)
CLERK = Actor("B0001", role="booking")


@pytest.fixture
def race_slots(world: Engine) -> Iterator[list[int]]:
    """SLOTS slots of CAPACITY seats at the city hall; their reservations and the slots removed afterwards."""
    with world.begin() as conn:
        ids = [
            int(
                conn.execute(
                    text(
                        "INSERT INTO booking.slots (venue_id, procedure_id, starts_at, ends_at, capacity) "
                        "SELECT v.id, p.id, :s, :s + interval '15 minutes', :c "
                        "FROM booking.venues v, booking.procedures p "
                        "WHERE v.code = 'honcho' AND p.code = 'cert_renewal' RETURNING id"
                    ),
                    {"s": STARTS + timedelta(minutes=15 * n), "c": CAPACITY},
                ).scalar_one()
            )
            for n in range(SLOTS)
        ]
    yield ids
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.reservations WHERE slot_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM booking.slots WHERE id = ANY(:ids)"), {"ids": ids})


def _book(site: sessionmaker[Session], slot_id: int, n: int) -> tuple[int, str]:
    details = booking.Details("競合 太郎", "キョウゴウ タロウ", f"04660{n:05d}", None, date(1990, 1, 1))
    with site.begin() as s:
        reservation, _ = booking.book(s, booking.hold_seats(s, slot_id, 1, NOW, RULES), details, NOW, RULES)
        return reservation.id, reservation.booking_no


def _site_changes(
    site: sessionmaker[Session], ids: list[int], slots: list[int], seed: int
) -> Callable[[], None]:
    def run() -> None:
        pick = random.Random(seed)
        for _ in range(ROUNDS):
            reservation_id, slot_id = pick.choice(ids), pick.choice(slots)
            try:
                with site.begin() as s:
                    ticket = booking.hold_seats(s, slot_id, 1, NOW, RULES)
            except DomainError:
                continue  # the slot is full: nothing held
            try:
                with site.begin() as s:
                    reservation = s.get(Reservation, reservation_id)
                    assert reservation is not None
                    booking.change(s, reservation, ticket, NOW, RULES)
            except DomainError:
                with site.begin() as s:
                    booking.release_hold(s, ticket, NOW)

    return run


def _console_moves(
    console: sessionmaker[Session], numbers: list[str], slots: list[int], seed: int
) -> Callable[[], None]:
    def run() -> None:
        pick = random.Random(seed)
        for _ in range(ROUNDS):
            try:
                with console.begin() as s:
                    day_ops.move(s, CLERK, pick.choice(numbers), pick.choice(slots), NOW)
            except DomainError:
                pass  # the chosen slot is full: refused, nothing changed

    return run


def test_site_changes_and_console_moves_on_the_same_slots_never_deadlock_or_overbook(
    world: Engine, site_engine: Engine, app_engine: Engine, race_slots: list[int]
) -> None:
    site = sessionmaker(site_engine, expire_on_commit=False)
    console = sessionmaker(app_engine, expire_on_commit=False)
    booked = [_book(site, race_slots[n % SLOTS], n) for n in range(BOOKINGS)]
    ids, numbers = [i for i, _ in booked], [no for _, no in booked]
    workers = [_site_changes(site, ids, race_slots, seed) for seed in range(SITE_THREADS)]
    workers += [_console_moves(console, numbers, race_slots, 100 + seed) for seed in range(CONSOLE_THREADS)]
    barrier = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as error:  # a deadlock (OperationalError) or a broken CHECK fails the test
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    with world.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT s.id, s.capacity, s.booked, s.held, "
                "  (SELECT coalesce(sum(r.party_size), 0) FROM booking.reservations r "
                "   WHERE r.slot_id = s.id AND r.status <> 'cancelled'), "
                "  (SELECT coalesce(sum(h.party_size), 0) FROM booking.holds h "
                "   WHERE h.slot_id = s.id AND h.expires_at > :now) "
                "FROM booking.slots s WHERE s.id = ANY(:ids) ORDER BY s.id"
            ),
            {"ids": race_slots, "now": NOW},
        ).all()
        moved = conn.execute(
            text("SELECT count(*) FROM booking.reservations WHERE id = ANY(:ids) AND changed_at IS NOT NULL"),
            {"ids": ids},
        ).scalar_one()
    for slot_id, capacity, seats_booked, seats_held, parties, live_holds in counts:
        assert (slot_id, seats_booked, seats_held) == (slot_id, parties, live_holds)
        assert seats_booked + seats_held <= capacity
    assert sum(row[4] for row in counts) == BOOKINGS  # no booking lost or doubled
    assert moved > 0  # the race did move bookings, not only refuse
