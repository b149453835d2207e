"""Demo booking history: past visits that came, missed or were cancelled, coming days partly booked, seats
counted on the slots (never overbooked), no contact data, and a second run adds nothing; coming pickups
carry the notice numbers of real cards waiting for pickup, one card each, none made up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.clock import system_clock
from demo.bookings import give_notice_numbers, seed_demo_bookings
from demo.seed import seed_fujisawa
from tests.factories import add_card, add_resident

AWAITING = ("notified", "reserved", "reminded")


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


_NOTICES = text(
    """SELECT r.notice_no, r.status, s.starts_at >= :now AS coming, p.needs_notice_no
       FROM booking.reservations r JOIN booking.slots s ON s.id = r.slot_id
       JOIN booking.procedures p ON p.id = r.procedure_id WHERE r.booking_no LIKE 'D%'"""
)


def test_coming_demo_pickups_get_the_notice_numbers_of_waiting_cards_one_card_each(session: Session) -> None:
    now = system_clock()
    seed_fujisawa(session, now.date())
    waiting = [add_card(session, add_resident(session), state).notice_no for state in AWAITING]
    issued = add_card(session, add_resident(session), "issued").notice_no
    preset = add_card(session, add_resident(session), "preset", notified_on=None).notice_no
    seed_demo_bookings(session, now, days_back=21, days_ahead=7)
    rows = session.execute(_NOTICES, {"now": now}).all()
    numbered = [r.notice_no for r in rows if r.notice_no]
    coming_pickups = [r for r in rows if r.coming and r.needs_notice_no and r.status == "booked"]
    assert len(coming_pickups) > len(waiting)  # more pickups than cards: some stay empty
    free = session.execute(
        text(
            "SELECT count(*) FROM cards.cards WHERE state IN ('notified', 'reserved', 'reminded') "
            "AND notice_no IS NOT NULL"
        )
    ).scalar_one()
    assert len(numbered) == free  # every waiting card went to a booking, and no number was made up
    assert len(set(numbered)) == len(numbered)  # one card per booking
    assert set(waiting) <= set(numbered)
    assert issued not in numbered
    assert preset not in numbered
    states = session.execute(
        text("SELECT DISTINCT c.state FROM cards.cards c WHERE c.notice_no = ANY(:numbers)"),
        {"numbers": numbered},
    ).scalars()
    assert set(states) <= {"notified", "reserved", "reminded"}
    # only coming pickups carry a number, the nearest first
    assert all(r.coming and r.needs_notice_no and r.status == "booked" for r in rows if r.notice_no)
    firsts = [r.notice_no is not None for r in coming_pickups_by_time(session, now)]
    assert firsts == sorted(firsts, reverse=True)
    # a second run makes no booking and changes no number
    assert seed_demo_bookings(session, now, days_back=21, days_ahead=7) == 0
    assert sorted(r.notice_no or "" for r in session.execute(_NOTICES, {"now": now})) == sorted(
        r.notice_no or "" for r in rows
    )


def test_a_card_an_open_booking_already_names_is_not_given_twice(session: Session) -> None:
    now = system_clock()
    seed_fujisawa(session, now.date())
    seed_demo_bookings(session, now, days_back=0, days_ahead=7)
    taken = session.execute(
        text("SELECT notice_no FROM booking.reservations WHERE notice_no IS NOT NULL")
    ).scalars()
    card = add_card(session, add_resident(session), "notified")
    session.flush()
    assert card.notice_no not in set(taken)
    assert give_notice_numbers(session) == 1  # the new card goes to the nearest pickup left without one
    assert give_notice_numbers(session) == 0
    named = session.execute(
        text("SELECT count(*) FROM booking.reservations WHERE notice_no = :n"), {"n": card.notice_no}
    ).scalar_one()
    assert named == 1


def coming_pickups_by_time(session: Session, now: datetime) -> list[Any]:
    """The coming demo pickups in the order they come."""
    return list(
        session.execute(
            text(
                """SELECT r.notice_no FROM booking.reservations r JOIN booking.slots s ON s.id = r.slot_id
                   JOIN booking.procedures p ON p.id = r.procedure_id
                   WHERE r.booking_no LIKE 'D%' AND s.starts_at >= :now AND p.needs_notice_no
                     AND r.status = 'booked' ORDER BY s.starts_at, r.booking_no"""
            ),
            {"now": now},
        )
    )
