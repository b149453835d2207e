"""Seats: the one owner of a slot's booked and held counts refuses what does not fit, frees what it should."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.booking import Hold, Slot
from core.domain.booking import TOKYO, BookingError
from core.domain.errors import DomainError
from core.services import reservations_admin as admin
from core.services import seats
from core.services.audit import Actor
from core.services.tokens import hash_token

CLERK = Actor("B0001", role="booking")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)
FULL = DomainError("満席です", "full")


@pytest.fixture
def two_slots(session: Session) -> tuple[int, int]:
    """Two slots of two seats each on a Monday."""
    venue = admin.save_venue(session, CLERK, "SEA", "座席会場", "Seat hall")
    procedure = admin.save_procedure(session, CLERK, "SEAT", "座席", "Seats", 15, False, [venue.id])
    counter = admin.add_counter(session, CLERK, venue.id, "1番窓口").id
    admin.add_template(session, CLERK, venue.id, procedure.id, 0, time(9, 0), time(9, 30), 15, 2, counter)
    admin.generate_slots(session, CLERK, date(2026, 12, 7), date(2026, 12, 7))
    first, second = session.scalars(select(Slot.id).where(Slot.venue_id == venue.id).order_by(Slot.id)).all()
    return first, second


def _hold(session: Session, slot_id: int, size: int, expires: datetime) -> str:
    slot = seats.lock_slots(session, [slot_id], NOW)[slot_id]
    return seats.hold(session, slot, size, NOW, expires, FULL)


def test_take_refuses_when_booked_and_live_holds_leave_too_few_seats(
    session: Session, two_slots: tuple[int, int]
) -> None:
    slot_id = two_slots[0]
    _hold(session, slot_id, 1, NOW + timedelta(minutes=10))
    slot = seats.lock_slots(session, [slot_id], NOW)[slot_id]
    seats.take(session, slot, 1, NOW, FULL)
    with pytest.raises(DomainError, match="満席です") as caught:
        seats.take(session, slot, 1, NOW, FULL)
    assert caught.value is FULL  # the caller's own words
    assert (slot.booked, slot.held) == (1, 1)


def test_an_expired_hold_does_not_count_as_taken(session: Session, two_slots: tuple[int, int]) -> None:
    slot_id = two_slots[0]
    _hold(session, slot_id, 2, NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=11)
    slot, _ = seats.lock_slot_with(session, slot_id)  # the hot path: released only when needed
    assert slot.held == 2
    seats.take(session, slot, 2, later, FULL)
    assert (slot.booked, slot.held) == (2, 0)
    assert session.scalar(select(func.count()).select_from(Hold).where(Hold.slot_id == slot_id)) == 0


def test_lock_slots_gives_back_expired_holds_first(session: Session, two_slots: tuple[int, int]) -> None:
    _hold(session, two_slots[1], 1, NOW + timedelta(minutes=1))
    _hold(session, two_slots[1], 1, NOW + timedelta(minutes=30))
    locked = seats.lock_slots(session, reversed(two_slots), NOW + timedelta(minutes=5))
    assert list(locked) == sorted(two_slots)  # ascending id order, whatever order was asked for
    assert locked[two_slots[1]].held == 1


def test_a_slot_that_does_not_exist_is_refused(session: Session) -> None:
    with pytest.raises(BookingError, match="その時間枠はありません"):
        seats.lock_slots(session, [-1], NOW)


def test_no_seats_are_taken_for_an_empty_party(session: Session, two_slots: tuple[int, int]) -> None:
    slot = seats.lock_slots(session, [two_slots[0]], NOW)[two_slots[0]]
    with pytest.raises(BookingError, match="人数"):
        seats.take(session, slot, 0, NOW, FULL)


def test_release_with_a_delay_keeps_the_seat_behind_a_system_hold(
    session: Session, two_slots: tuple[int, int]
) -> None:
    slot = seats.lock_slots(session, [two_slots[0]], NOW)[two_slots[0]]
    seats.take(session, slot, 2, NOW, FULL)
    seats.release(session, slot, 1, NOW, timedelta(minutes=15))
    seats.release(session, slot, 1, NOW, seats.STAFF_RELEASE_DELAY)
    session.flush()
    assert (slot.booked, slot.held) == (0, 1)
    assert seats.sweep_expired(session, NOW + timedelta(minutes=14)) == 0
    assert seats.sweep_expired(session, NOW + timedelta(minutes=15)) == 1
    assert (slot.booked, slot.held) == (0, 0)


def test_move_refuses_a_full_target_and_leaves_both_slots_as_they_were(
    session: Session, two_slots: tuple[int, int]
) -> None:
    source_id, target_id = two_slots
    locked = seats.lock_slots(session, two_slots, NOW)
    seats.take(session, locked[source_id], 1, NOW, FULL)
    seats.take(session, locked[target_id], 2, NOW, FULL)
    with pytest.raises(DomainError, match="満席です"):
        seats.move(session, locked[source_id], locked[target_id], 1, NOW, seats.STAFF_RELEASE_DELAY, FULL)
    assert (locked[source_id].booked, locked[target_id].booked) == (1, 2)
    seats.release(session, locked[target_id], 1, NOW, seats.STAFF_RELEASE_DELAY)
    seats.move(session, locked[source_id], locked[target_id], 1, NOW, seats.STAFF_RELEASE_DELAY, FULL)
    assert (locked[source_id].booked, locked[target_id].booked) == (0, 2)


def test_a_hold_that_is_gone_cannot_be_claimed(session: Session, two_slots: tuple[int, int]) -> None:
    slot_id = two_slots[0]
    mine = _hold(session, slot_id, 1, NOW + timedelta(minutes=10))
    slot = seats.lock_slots(session, [slot_id], NOW)[slot_id]
    assert not seats.claim_hold(session, slot, hash_token("someone else's"), 1)
    assert seats.drop_hold(session, slot, hash_token(mine)) == 1
    assert not seats.claim_hold(session, slot, hash_token(mine), 1)
    assert (slot.booked, slot.held) == (0, 0)
