"""Demo booking history: past visits that came, missed or were cancelled, coming days partly booked, seats
counted on the slots (never overbooked), no contact data, and a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.services.demo_bookings import seed_demo_bookings
from core.services.seed import seed_fujisawa


def test_demo_bookings_fill_past_and_coming_slots_and_count_their_seats(session: Session) -> None:
    now = system_clock()
    seed_fujisawa(session, now.date())
    made = seed_demo_bookings(session, now, days_back=21, days_ahead=7)
    rows = session.execute(
        text(
            """SELECT r.status, s.starts_at < :now AS past, count(*) FROM booking.reservations r
               JOIN booking.slots s ON s.id = r.slot_id WHERE r.booking_no LIKE 'D%'
               GROUP BY 1, 2"""
        ),
        {"now": now},
    ).all()
    by = {(status, past): n for status, past, n in rows}
    assert sum(by.values()) == made > 0
    assert {status for status, past in by if not past} == {"booked"}
    assert by.get(("completed", True), 0) > by.get(("no_show", True), 0) > 0
    assert by.get(("cancelled", True), 0) > 0
    assert ("booked", True) not in by
    # every slot's count is its non-cancelled reservations; nothing overbooked; no contact data stored
    mismatched = session.execute(
        text(
            """SELECT count(*) FROM booking.slots s
               WHERE s.id IN (SELECT slot_id FROM booking.reservations WHERE booking_no LIKE 'D%')
                 AND (s.booked <> (SELECT count(*) FROM booking.reservations r
                                   WHERE r.slot_id = s.id AND r.status <> 'cancelled')
                      OR s.booked + s.held > s.capacity)"""
        )
    ).scalar_one()
    assert mismatched == 0
    contacts = session.execute(
        text(
            "SELECT count(*) FROM booking.reservations WHERE booking_no LIKE 'D%' "
            "AND (phone IS NOT NULL OR email IS NOT NULL)"
        )
    ).scalar_one()
    assert contacts == 0
    assert seed_demo_bookings(session, now, days_back=21, days_ahead=7) == 0
