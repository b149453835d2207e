"""Booking services on the real database as the site role: holds expire, seats return, caps, anonymising."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db.models.booking import Closure, Reservation, Slot
from core.domain.booking import TOKYO, BookingError, BookingRules, HoldExpired, SlotTaken
from core.services import booking, maintenance
from core.services.slots import day_view, generate_slots
from tests.reservation_site.conftest import NOW

RULES = BookingRules(
    hold_minutes=10, release_delay_minutes=15, max_active_per_contact=2, anonymise_after_days=90
)


@pytest.fixture
def factory(world: Engine, site_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(site_engine, expire_on_commit=False)


@pytest.fixture
def worker(world: Engine, app_engine: Engine) -> sessionmaker[Session]:
    """The worker's role (mynadesk site worker): slots, closures and anonymising are not the site's to do."""
    return sessionmaker(app_engine, expire_on_commit=False)


@pytest.fixture
def one_seat(world: Engine) -> Iterator[int]:
    with world.begin() as conn:
        slot_id = conn.execute(
            text(
                "INSERT INTO booking.slots (venue_id, procedure_id, starts_at, ends_at, capacity) "
                "SELECT v.id, p.id, :s, :s + interval '15 minutes', 1 "
                "FROM booking.venues v, booking.procedures p "
                "WHERE v.code = 'tsujido' AND p.code = 'cert_renewal' RETURNING id"
            ),
            {"s": NOW.replace(day=9, hour=7) + timedelta(minutes=len(str(id(conn))) % 7)},
        ).scalar_one()
    yield int(slot_id)
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.reservations WHERE slot_id = :s"), {"s": slot_id})
        conn.execute(text("DELETE FROM booking.slots WHERE id = :s"), {"s": slot_id})


def _details(phone: str = "0466000000") -> booking.Details:
    return booking.Details("藤沢 次郎", "フジサワ ジロウ", phone, None, date(1990, 1, 1))


def _counts(factory: sessionmaker[Session], slot_id: int) -> tuple[int, int]:
    with factory() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.booked, slot.held


def test_an_expired_hold_gives_its_seat_to_the_next_person(
    factory: sessionmaker[Session], one_seat: int
) -> None:
    with factory.begin() as s:
        first = booking.hold_seats(s, one_seat, 1, NOW, RULES)
    with factory.begin() as s, pytest.raises(SlotTaken):
        booking.hold_seats(s, one_seat, 1, NOW + timedelta(minutes=9), RULES)
    later = NOW + timedelta(minutes=11)
    with factory.begin() as s:
        second = booking.hold_seats(s, one_seat, 1, later, RULES)
    with factory.begin() as s, pytest.raises(HoldExpired):
        booking.book(s, first, _details(), later, RULES)
    with factory.begin() as s:
        booking.book(s, second, _details(), later, RULES)
    assert _counts(factory, one_seat) == (1, 0)


def test_an_expired_hold_still_books_when_nobody_took_the_seat(
    factory: sessionmaker[Session], one_seat: int
) -> None:
    with factory.begin() as s:
        ticket = booking.hold_seats(s, one_seat, 1, NOW, RULES)
    with factory.begin() as s:
        reservation, _ = booking.book(s, ticket, _details("0466000001"), NOW + timedelta(minutes=30), RULES)
        assert reservation.status == "booked"
    assert _counts(factory, one_seat) == (1, 0)


def test_a_cancelled_seat_is_released_only_after_the_delay(
    factory: sessionmaker[Session], one_seat: int
) -> None:
    with factory.begin() as s:
        reservation, _ = booking.book(
            s, booking.hold_seats(s, one_seat, 1, NOW, RULES), _details("0466000002"), NOW, RULES
        )
    with factory.begin() as s:
        booking.cancel(s, s.merge(reservation), NOW, RULES)
    assert _counts(factory, one_seat) == (0, 1)
    with factory.begin() as s, pytest.raises(SlotTaken):
        booking.hold_seats(s, one_seat, 1, NOW + timedelta(minutes=14), RULES)
    with factory.begin() as s:
        assert maintenance.release_expired_holds(s, NOW + timedelta(minutes=16)) >= 1
    assert _counts(factory, one_seat) == (0, 0)


def test_one_contact_may_hold_only_so_many_active_bookings(
    factory: sessionmaker[Session], world: Engine
) -> None:
    with world.connect() as conn:
        slots = list(
            conn.execute(
                text(
                    "SELECT s.id FROM booking.slots s JOIN booking.venues v ON v.id = s.venue_id "
                    "JOIN booking.procedures p ON p.id = s.procedure_id "  # a pickup needs notice numbers
                    "WHERE v.code = 'shonandai' AND NOT p.needs_notice_no AND s.starts_at > '2026-12-10' "
                    "ORDER BY s.starts_at LIMIT 3"
                )
            ).scalars()
        )
    for slot_id in slots[:2]:
        with factory.begin() as s:
            booking.book(s, booking.hold_seats(s, slot_id, 1, NOW, RULES), _details("0466009999"), NOW, RULES)
    with factory.begin() as s, pytest.raises(BookingError, match="2件まで"):
        booking.book(s, booking.hold_seats(s, slots[2], 1, NOW, RULES), _details("0466-00-9999"), NOW, RULES)


def test_past_bookings_are_anonymised_after_the_configured_days(
    factory: sessionmaker[Session], worker: sessionmaker[Session], one_seat: int
) -> None:
    with factory.begin() as s:
        reservation, _ = booking.book(
            s, booking.hold_seats(s, one_seat, 1, NOW, RULES), _details("0466000003"), NOW, RULES
        )
    with worker.begin() as s:
        assert maintenance.anonymise_past(s, NOW + timedelta(days=30), RULES) == 0
    with worker.begin() as s:
        assert maintenance.anonymise_past(s, NOW + timedelta(days=100), RULES) >= 1
    with factory() as s:
        stored = s.get(Reservation, reservation.id)
        assert stored is not None
        assert (stored.name, stored.phone, stored.birth_date, stored.booking_no) == (
            None,
            None,
            None,
            reservation.booking_no,
        )


def test_a_closure_entered_later_hides_slots_and_generation_is_idempotent(
    worker: sessionmaker[Session], world: Engine
) -> None:
    day = date(2026, 12, 10)
    with worker() as s:
        venue_id, procedure_id = s.execute(
            text(
                "SELECT v.id, p.id FROM booking.venues v, booking.procedures p "
                "WHERE v.code = 'katase' AND p.code = 'card_pickup'"
            )
        ).one()
        before = day_view(s, venue_id, procedure_id, day, NOW, RULES)
    assert before
    with worker.begin() as s:
        assert generate_slots(s, day, day) == 0
        s.add(
            Closure(
                venue_id=venue_id,
                kind="jlis_outage",
                starts_at=before[0].starts_at,
                ends_at=before[0].starts_at + timedelta(hours=2),
                reason_ja="J-LIS 計画停止",
            )
        )
    with worker() as s:
        after = day_view(s, venue_id, procedure_id, day, NOW, RULES)
    assert len(after) < len(before)
    assert all(slot.starts_at >= before[0].starts_at + timedelta(hours=2) for slot in after)
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.closures"))


def _venue_and_procedure(session: Session) -> tuple[int, int]:
    row = session.execute(
        text(
            "SELECT v.id, p.id FROM booking.venues v, booking.procedures p "
            "WHERE v.code = 'katase' AND p.code = 'card_pickup'"
        )
    ).one()
    return int(row[0]), int(row[1])


def _slots_on(session: Session, venue_id: int, day: date) -> int:
    query = text(
        "SELECT count(*) FROM booking.slots WHERE venue_id = :v "
        "AND (starts_at AT TIME ZONE 'Asia/Tokyo')::date = :d"
    )
    return int(session.execute(query, {"v": venue_id, "d": day}).scalar_one())


def test_holiday_openings_and_the_jlis_sunday_in_slot_generation(
    worker: sessionmaker[Session], world: Engine
) -> None:
    holiday, jlis_sunday, other_sunday = date(2027, 1, 11), date(2027, 1, 17), date(2027, 1, 24)
    with worker.begin() as s:
        venue_id, procedure_id = _venue_and_procedure(s)
        s.execute(  # a Sunday and holiday-Monday template for this test only
            text(
                "INSERT INTO booking.slot_templates (venue_id, procedure_id, counter_id, weekday, starts_at, "
                "ends_at, slot_minutes, capacity) SELECT :v, :p, c.id, w, '09:00', '20:00', 30, 1 "
                "FROM booking.counters c, unnest(ARRAY[0, 6]) w WHERE c.venue_id = :v LIMIT 2"
            ),
            {"v": venue_id, "p": procedure_id},
        )
        generate_slots(s, holiday, other_sunday)
        assert _slots_on(s, venue_id, holiday) == 0  # 成人の日: closed
        assert _slots_on(s, venue_id, jlis_sunday) == 0  # the Sunday after the 3rd Saturday
        assert _slots_on(s, venue_id, other_sunday) == 21  # 09:00-19:30 in 30-minute slots
        start = datetime(2027, 1, 11, 0, 0, tzinfo=TOKYO)
        s.add(
            Closure(
                venue_id=venue_id,
                kind="opening",
                starts_at=start,
                ends_at=start + timedelta(days=1),
                reason_ja="休日開庁",
            )
        )
        s.flush()
        generate_slots(s, holiday, holiday)
        assert _slots_on(s, venue_id, holiday) > 0
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.closures"))
        conn.execute(text("DELETE FROM booking.slot_templates WHERE ends_at = '20:00'"))
        conn.execute(
            text(
                "DELETE FROM booking.slots WHERE starts_at >= '2027-01-11' AND starts_at < '2027-01-25' "
                "AND venue_id = (SELECT id FROM booking.venues WHERE code = 'katase')"
            )
        )


def test_simultaneous_bookings_by_one_phone_stop_exactly_at_the_cap(
    factory: sessionmaker[Session], world: Engine
) -> None:
    with world.connect() as conn:
        slots = list(
            conn.execute(
                text(
                    "SELECT s.id FROM booking.slots s JOIN booking.venues v ON v.id = s.venue_id "
                    "JOIN booking.procedures p ON p.id = s.procedure_id "  # a pickup needs notice numbers
                    "WHERE v.code = 'tsujido' AND NOT p.needs_notice_no AND s.starts_at > '2026-12-14' "
                    "ORDER BY s.starts_at LIMIT 8"
                )
            ).scalars()
        )
    tickets = []
    for slot_id in slots:
        with factory.begin() as s:
            tickets.append(booking.hold_seats(s, slot_id, 1, NOW, RULES))
    barrier, outcomes, lock = threading.Barrier(len(tickets)), [], threading.Lock()

    def attempt(ticket: booking.HoldTicket) -> None:
        barrier.wait(timeout=30)
        try:
            with factory.begin() as s:
                booking.book(s, ticket, _details("0466-77-0000"), NOW, RULES)
            result = "booked"
        except BookingError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] * RULES.max_active_per_contact + ["refused"] * (
        len(tickets) - RULES.max_active_per_contact
    )
