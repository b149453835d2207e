"""Booking use cases: hold seats, book, change, cancel. Capacity is guarded by a row lock on the slot plus the
table's CHECK (booked + held <= capacity); callers own the transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.db.models.booking import AccessLog, Hold, Procedure, Reservation, ReservationMember, Slot
from core.domain.booking import (
    TOKYO,
    BookingError,
    BookingRules,
    HoldExpired,
    SlotTaken,
    check_bookable_day,
    check_changeable,
)
from core.services import mail
from core.services.slots import not_closed

_BOOKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone


@dataclass(frozen=True)
class HoldTicket:
    """What the site keeps in the person's session while they fill in the form."""

    slot_id: int
    token: str
    party_size: int
    expires_at: datetime


@dataclass(frozen=True)
class Details:
    """What a booking stores: only what the counter needs, never register data."""

    name: str
    name_kana: str
    phone: str
    email: str | None
    birth_date: date | None
    notice_no: str | None = None
    members: list[str | None] = field(default_factory=list)  # notice numbers of persons 2..N
    language: str = "ja"
    channel: str = "web"  # the console books with "counter" or "phone"


def hash_token(token: str) -> str:
    """SHA-256 of a secret; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_booking_no() -> str:
    """A booking number like 'K7Q2-M9PX' (32^8 possibilities, unambiguous letters)."""
    chars = "".join(secrets.choice(_BOOKING_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _no_such_slot() -> BookingError:
    return BookingError("その時間枠はありません", "That time slot does not exist.")


def _lock(session: Session, slot_id: int) -> Slot:
    """Lock the slot row (SELECT … FOR UPDATE)."""
    # populate_existing: a slot read earlier in this session must not keep its stale counts.
    query = select(Slot).where(Slot.id == slot_id).with_for_update().execution_options(populate_existing=True)
    slot = session.scalars(query).one_or_none()
    if slot is None:
        raise _no_such_slot()
    return slot


def _release_expired(session: Session, slot: Slot, now: datetime) -> None:
    """Give back the seats of the slot's holds that have expired (the slot must be locked)."""
    expired = session.execute(
        delete(Hold).where(Hold.slot_id == slot.id, Hold.expires_at <= now).returning(Hold.party_size)
    ).scalars()
    released = sum(expired)
    if released:
        slot.held -= released


def lock_slot(session: Session, slot_id: int, now: datetime) -> Slot:
    """Lock the slot row (SELECT … FOR UPDATE) and give back seats of holds that have expired."""
    slot = _lock(session, slot_id)
    _release_expired(session, slot, now)
    return slot


def _check_slot_open(slot: Slot, now: datetime, rules: BookingRules, is_open: bool | None = None) -> None:
    """Refuse past, out-of-window and closed times (IS_OPEN: the closure check, when already known)."""
    if slot.starts_at <= now:
        raise BookingError("過去の時間は予約できません", "You cannot book a time in the past.")
    check_bookable_day(now.astimezone(TOKYO).date(), slot.starts_at.astimezone(TOKYO).date(), rules)
    if is_open is None:
        session = Session.object_session(slot)
        assert session is not None
        is_open = bool(session.scalar(select(not_closed()).where(Slot.id == slot.id)))
    if not is_open:
        raise BookingError("その日時は受付を休止しています", "The counter is closed at that time.")


def _free(slot: Slot) -> int:
    return slot.capacity - slot.booked - slot.held


def _seats_for(session: Session, slot: Slot, seats: int, now: datetime) -> bool:
    """Whether SEATS are free; expired holds give their seats back only when they are needed (the worker
    sweeps the rest), which spares the common case a statement."""
    if _free(slot) >= seats:
        return True
    _release_expired(session, slot, now)
    return _free(slot) >= seats


# The hold and its seats in one round trip (the slot row is locked by then).
_HOLD = text(
    "WITH hold AS (INSERT INTO booking.holds (slot_id, token_hash, party_size, expires_at) "
    "VALUES (:slot, :token, :party, :expires) RETURNING party_size) "
    "UPDATE booking.slots SET held = held + (SELECT party_size FROM hold) WHERE id = :slot"
)


def hold_seats(
    session: Session,
    slot_id: int,
    party_size: int,
    now: datetime,
    rules: BookingRules,
    expect: tuple[int, int] | None = None,
) -> HoldTicket:
    """Hold PARTY_SIZE seats of the slot for rules.hold_minutes; SlotTaken when they are gone.
    EXPECT (procedure id, venue id) refuses a slot id that was swapped in a form."""
    # One round trip: the slot locked, whether it is closed, and the procedure's largest party.
    query = (
        select(Slot, not_closed(), Procedure.max_party_size)
        .join(Procedure, Procedure.id == Slot.procedure_id)
        .where(Slot.id == slot_id)
        .with_for_update(of=Slot)
        .execution_options(populate_existing=True)
    )
    row = session.execute(query).one_or_none()
    if row is None:
        raise _no_such_slot()
    slot, is_open, max_party = row
    if expect is not None and expect != (slot.procedure_id, slot.venue_id):
        raise _no_such_slot()
    _check_slot_open(slot, now, rules, bool(is_open))
    if party_size < 1 or party_size > max_party:
        raise BookingError("人数が正しくありません", "The number of people is not allowed.")
    if not _seats_for(session, slot, party_size, now):
        raise SlotTaken("その時間は今ちょうど埋まりました", "That time was just taken.")
    token = secrets.token_urlsafe(24)
    expires = now + timedelta(minutes=rules.hold_minutes)
    session.flush()  # seats that expired holds gave back, if any, before the statement below
    values = {"slot": slot.id, "token": hash_token(token), "party": party_size, "expires": expires}
    session.execute(_HOLD, values)
    set_committed_value(slot, "held", slot.held + party_size)  # as stored: nothing left to flush
    return HoldTicket(slot.id, token, party_size, expires)


def release_hold(session: Session, ticket: HoldTicket, now: datetime) -> None:
    """Give the held seats back (the person went back or left)."""
    slot = lock_slot(session, ticket.slot_id, now)
    sizes = session.execute(
        delete(Hold).where(Hold.token_hash == hash_token(ticket.token)).returning(Hold.party_size)
    ).scalars()
    slot.held -= sum(sizes)


def _take_held_seats(session: Session, ticket: HoldTicket, now: datetime, rules: BookingRules) -> Slot:
    """Turn the hold into booked seats; if it expired but the seats are still free, take them anyway."""
    slot = _lock(session, ticket.slot_id)
    sizes = list(
        session.execute(
            delete(Hold).where(Hold.token_hash == hash_token(ticket.token)).returning(Hold.party_size)
        ).scalars()
    )
    if sizes:  # the hold's own seats, even if its time ran out before anyone needed them
        slot.held -= sum(sizes)
    else:  # the hold is gone: still fine if the time is open and the seats are free
        _check_slot_open(slot, now, rules)
        if not _seats_for(session, slot, ticket.party_size, now):
            raise HoldExpired(
                "確保時間が過ぎ、その時間は埋まりました", "Your hold ran out and the time was taken."
            )
    slot.booked += ticket.party_size
    return slot


_CONTACT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
# Written out once: building this query with select() on every booking cost more than PostgreSQL's work.
# The person's few bookings come from the indexes of migration 0008; each one's slot is then looked up by id.
_ACTIVE_BY_CONTACT = text(
    r"SELECT count(*) FROM booking.reservations r "
    r"WHERE r.status = 'booked' "
    r"AND (regexp_replace(r.phone, '\D', '', 'g') = :digits OR lower(r.email) = :email) "
    r"AND (SELECT s.starts_at FROM booking.slots s WHERE s.id = r.slot_id) > :now"
)


def _check_contact_cap(session: Session, details: Details, now: datetime, rules: BookingRules) -> None:
    digits = "".join(ch for ch in details.phone if ch.isdigit())
    # Two bookings by the same phone at the same moment must not both slip under the cap; the count runs
    # as its own statement after the lock, so it sees what the other booking committed.
    session.execute(_CONTACT_LOCK, {"key": f"contact:{digits}"})
    email = details.email.lower() if details.email else None
    active = session.scalar(_ACTIVE_BY_CONTACT, {"now": now, "digits": digits, "email": email})
    if (active or 0) >= rules.max_active_per_contact:
        raise BookingError(
            f"お一人が同時に持てる予約は{rules.max_active_per_contact}件までです",
            f"One person may hold at most {rules.max_active_per_contact} active bookings.",
        )


def log_access(session: Session, reservation_id: int | None, action: str, client: str | None) -> None:
    """Append to booking.access_log (who: the holder of the link; from where: CLIENT)."""
    session.add(AccessLog(reservation_id=reservation_id, action=action, client_addr=client))


def book(
    session: Session,
    ticket: HoldTicket,
    details: Details,
    now: datetime,
    rules: BookingRules,
    client: str | None = None,
) -> tuple[Reservation, str]:
    """Book the held seats; return the reservation and its secret (shown once, only the hash is kept)."""
    _check_contact_cap(session, details, now, rules)
    slot = _take_held_seats(session, ticket, now, rules)
    secret = secrets.token_urlsafe(32)
    reservation = Reservation(
        booking_no=new_booking_no(),
        secret_hash=hash_token(secret),
        slot_id=slot.id,
        procedure_id=slot.procedure_id,
        party_size=ticket.party_size,
        name=details.name,
        name_kana=details.name_kana,
        birth_date=details.birth_date,
        phone=details.phone,
        email=details.email,
        notice_no=details.notice_no,
        language=details.language,
        channel=details.channel,
        created_at=now,  # the reminders decide from it, so it is the clock's time, not the database's
    )
    session.add(reservation)
    session.flush()
    for position, notice_no in enumerate(details.members, start=2):
        session.add(ReservationMember(reservation_id=reservation.id, position=position, notice_no=notice_no))
    log_access(session, reservation.id, "create", client)
    mail.enqueue(session, "confirmation", reservation, now, secret=secret)
    return reservation, secret


def _release_booked(session: Session, slot: Slot, seats: int, now: datetime, rules: BookingRules) -> None:
    """Free booked seats behind a short system hold, so a cancelled seat is not grabbed by a bot at once."""
    slot.booked -= seats
    if rules.release_delay_minutes <= 0:
        return
    slot.held += seats
    expires = now + timedelta(minutes=rules.release_delay_minutes)
    token = hash_token(secrets.token_urlsafe(24))
    session.add(Hold(slot_id=slot.id, token_hash=token, party_size=seats, expires_at=expires))


def _active(session: Session, reservation: Reservation, now: datetime, rules: BookingRules) -> Slot:
    if reservation.status != "booked":
        raise BookingError("この予約はすでに取り消されています", "This booking has already been cancelled.")
    slot = session.get(Slot, reservation.slot_id)
    assert slot is not None
    check_changeable(now, slot.starts_at.astimezone(TOKYO).date(), rules)
    return slot


def cancel(
    session: Session, reservation: Reservation, now: datetime, rules: BookingRules, client: str | None = None
) -> None:
    """Cancel before the deadline; the seats come back after the re-release delay."""
    _active(session, reservation, now, rules)
    slot = lock_slot(session, reservation.slot_id, now)
    _release_booked(session, slot, reservation.party_size, now, rules)
    reservation.status = "cancelled"
    reservation.cancelled_at = now
    log_access(session, reservation.id, "cancel", client)
    mail.enqueue(session, "cancellation", reservation, now)


def change(
    session: Session,
    reservation: Reservation,
    ticket: HoldTicket,
    now: datetime,
    rules: BookingRules,
    client: str | None = None,
) -> None:
    """Move the booking to the held slot (both slots locked in id order, so two changes never deadlock)."""
    _active(session, reservation, now, rules)
    if ticket.party_size != reservation.party_size:
        raise BookingError("人数が予約と違います", "The number of people differs from the booking.")
    old_id = reservation.slot_id
    for slot_id in sorted({old_id, ticket.slot_id}):
        lock_slot(session, slot_id, now)
    new_slot = _take_held_seats(session, ticket, now, rules)
    old_slot = session.get(Slot, old_id)
    assert old_slot is not None
    _release_booked(session, old_slot, reservation.party_size, now, rules)
    reservation.slot_id = new_slot.id
    reservation.changed_at = now
    log_access(session, reservation.id, "change", client)
    mail.enqueue(session, "change", reservation, now)


def by_secret(session: Session, secret: str) -> Reservation | None:
    """The reservation behind a secret link."""
    return session.scalars(
        select(Reservation).where(Reservation.secret_hash == hash_token(secret))
    ).one_or_none()


def by_number(
    session: Session, booking_no: str, birth_date: date | None, phone: str | None
) -> Reservation | None:
    """The reservation with BOOKING_NO whose birth date or phone matches."""
    letters = "".join(ch for ch in booking_no.upper() if ch.isalnum())
    number = f"{letters[:4]}-{letters[4:]}"  # 'k7q2 m9px' or 'K7Q2M9PX' → 'K7Q2-M9PX'
    reservation = session.scalars(select(Reservation).where(Reservation.booking_no == number)).one_or_none()
    if reservation is None:
        return None
    if birth_date is not None and reservation.birth_date == birth_date:
        return reservation
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    stored = "".join(ch for ch in reservation.phone or "" if ch.isdigit())
    if digits and digits == stored:
        return reservation
    return None


def check_notice(session: Session, notice_no: str, birth_date: date) -> bool:
    """Yes/no from the SECURITY DEFINER function: is this a card waiting for this person?"""
    answer = session.scalar(text("SELECT booking.check_notice(:n, :b)"), {"n": notice_no, "b": birth_date})
    return bool(answer)
