"""A slot's seats: the one module that changes `Slot.booked` and `Slot.held` (STYLE.md, habit 14).

Every path calls it: the site's hold, booking, change and cancellation (core.services.booking), the console's
move, walk-in and cancellation (core.services.reservations_admin) and the worker's sweep of expired holds
(core.services.maintenance). The rules:

* Lock order. Slots are locked with SELECT … FOR UPDATE one at a time in ascending id order (`lock_slots`), so
  two transactions never wait on each other in a circle. A transaction that also changes a reservation locks
  that reservation's row first and its slots after it.
* Expired holds. `lock_slots` gives back the seats of the slots' expired holds before anything else, so an
  expired hold never counts as taken. The site's hot path locks its one slot with `lock_slot_with` and gives
  them back only when the seats are needed (`take`, `hold`): the same refusal, one statement fewer.
* Refusal. Seats are taken only while booked + live holds + n <= capacity; the table's
  CHECK (booked + held <= capacity) stays as the last guard.
* Re-release delay. A seat the resident gives up on the site (cancellation, or the old slot of a change) comes
  back behind a system hold of rules.release_delay_minutes, so a freed time is not grabbed by a bot the
  instant it frees. Staff (a console cancellation or move) free seats at once (`STAFF_RELEASE_DELAY`), as
  the console always did: the clerk often hands the seat on at the counter straight away (a walk-in, another
  booking moved in) and a system hold would count against their own walk-in; staff also cancel after the
  online deadline, when the visit is near and a seat is worth most to the people at the counter.

One exception, on purpose: the demo history (demo.bookings) adds its seats in one bulk
INSERT … UPDATE over slots that have no reservation yet, run once from the CLI before the site is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.db.models.booking import Hold, Slot
from core.domain.booking import BookingError
from core.domain.errors import DomainError
from core.services.tokens import new_secret

STAFF_RELEASE_DELAY = timedelta(0)


def no_such_slot() -> BookingError:
    """The refusal for a slot id that does not exist."""
    return BookingError("その時間枠はありません", "That time slot does not exist.")


def lock_slot_with(
    session: Session, slot_id: int, *columns: ColumnElement[Any]
) -> tuple[Slot, tuple[Any, ...]]:
    """Lock one slot (SELECT … FOR UPDATE) and read COLUMNS, expressions on the slot, in the same round trip;
    its expired holds give their seats back only when `take` or `hold` needs them."""
    # populate_existing: a slot read earlier in this session must not keep its stale counts.
    query = (
        select(Slot, *columns)
        .where(Slot.id == slot_id)
        .with_for_update(of=Slot)
        .execution_options(populate_existing=True)
    )
    row = session.execute(query).one_or_none()
    if row is None:
        raise no_such_slot()
    return row[0], tuple(row[1:])


def lock_slots(session: Session, slot_ids: Iterable[int], now: datetime) -> dict[int, Slot]:
    """Lock the slots in ascending id order and give back the seats of their holds expired at NOW."""
    locked: dict[int, Slot] = {}
    for slot_id in sorted(set(slot_ids)):
        slot, _ = lock_slot_with(session, slot_id)
        release_expired(session, slot, now)
        locked[slot_id] = slot
    return locked


def release_expired(session: Session, slot: Slot, now: datetime) -> int:
    """Give back the seats of the locked slot's holds that have expired at NOW; return how many."""
    expired = session.execute(
        delete(Hold).where(Hold.slot_id == slot.id, Hold.expires_at <= now).returning(Hold.party_size)
    ).scalars()
    released = sum(expired)
    if released:
        slot.held -= released
    return released


def sweep_expired(session: Session, now: datetime) -> int:
    """Give back the seats of every hold expired at NOW (the worker); return how many seats."""
    slot_ids = session.scalars(select(Hold.slot_id).where(Hold.expires_at <= now).distinct()).all()
    released = 0
    for slot_id in sorted(slot_ids):
        slot, _ = lock_slot_with(session, slot_id)
        released += release_expired(session, slot, now)
    return released


def free_seats(slot: Slot) -> int:
    """Seats neither booked nor held."""
    return slot.capacity - slot.booked - slot.held


def can_seat(slot: Slot, seats: int) -> bool:
    """Whether the slot could ever seat SEATS people at once (a party is never split over slots)."""
    return slot.capacity >= seats


def _room_for(session: Session, slot: Slot, seats: int, now: datetime) -> bool:
    if free_seats(slot) >= seats:
        return True
    release_expired(session, slot, now)
    return free_seats(slot) >= seats


def take(session: Session, slot: Slot, seats: int, now: datetime, refusal: DomainError) -> None:
    """Book SEATS of the locked slot; REFUSAL (worded for the caller's reader) when they are not free."""
    if seats < 1:
        raise BookingError("人数が正しくありません", "The number of people is not allowed.")
    if not _room_for(session, slot, seats, now):
        raise refusal
    slot.booked += seats


# The hold and its seats in one round trip (the slot row is locked by then).
_HOLD = text(
    "WITH hold AS (INSERT INTO booking.holds (slot_id, token_hash, party_size, expires_at) "
    "VALUES (:slot, :token, :party, :expires) RETURNING party_size) "
    "UPDATE booking.slots SET held = held + (SELECT party_size FROM hold) WHERE id = :slot"
)


def hold(
    session: Session, slot: Slot, seats: int, now: datetime, expires_at: datetime, refusal: DomainError
) -> str:
    """Hold SEATS of the locked slot until EXPIRES_AT; return the hold's token (REFUSAL if not free)."""
    if seats < 1:
        raise BookingError("人数が正しくありません", "The number of people is not allowed.")
    if not _room_for(session, slot, seats, now):
        raise refusal
    token, token_hash = new_secret(24)
    session.flush()  # seats that expired holds gave back, if any, before the statement below
    values = {"slot": slot.id, "token": token_hash, "party": seats, "expires": expires_at}
    session.execute(_HOLD, values)
    set_committed_value(slot, "held", slot.held + seats)  # as stored: nothing left to flush
    return token


def _delete_hold(session: Session, slot: Slot, token_hash: str) -> int:
    sizes = session.execute(
        delete(Hold).where(Hold.slot_id == slot.id, Hold.token_hash == token_hash).returning(Hold.party_size)
    ).scalars()
    released = sum(sizes)
    if released:
        slot.held -= released
    return released


def claim_hold(session: Session, slot: Slot, token_hash: str, seats: int) -> bool:
    """Turn the hold with TOKEN_HASH into SEATS booked seats of the locked slot, even if its time ran out
    before anyone needed them; False when the hold is gone (the caller may then `take` free seats)."""
    if not _delete_hold(session, slot, token_hash):
        return False
    slot.booked += seats
    return True


def drop_hold(session: Session, slot: Slot, token_hash: str) -> int:
    """Give the seats of the hold with TOKEN_HASH back to the locked slot; return how many."""
    return _delete_hold(session, slot, token_hash)


def release(session: Session, slot: Slot, seats: int, now: datetime, delay: timedelta) -> None:
    """Free SEATS booked seats of the locked slot; with a DELAY, behind a system hold until NOW + DELAY."""
    slot.booked -= seats
    if delay <= timedelta(0):
        return
    slot.held += seats
    _, token_hash = new_secret(24)  # a system hold: nobody ever presents its token
    session.add(Hold(slot_id=slot.id, token_hash=token_hash, party_size=seats, expires_at=now + delay))


def move(
    session: Session,
    source: Slot,
    target: Slot,
    seats: int,
    now: datetime,
    delay: timedelta,
    refusal: DomainError,
) -> None:
    """Move SEATS from SOURCE to TARGET, both locked by `lock_slots`: TARGET's free seats are taken (REFUSAL
    if there are not enough), then SOURCE's are released after DELAY."""
    take(session, target, seats, now, refusal)
    release(session, source, seats, now, delay)
