"""Booking use cases of the site: hold seats, book, change, cancel. The seats themselves change only in
core.services.seats (slot locks in id order, the table's CHECK as the last guard); callers own the
transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, text
from sqlalchemy.orm import Session

from core.db.models.booking import (
    AccessLog,
    Procedure,
    Reservation,
    ReservationMember,
    Slot,
    Venue,
    VenueProcedure,
)
from core.domain.booking import (
    TOKYO,
    BookingError,
    BookingRules,
    HoldExpired,
    SlotTaken,
    check_bookable_day,
    check_changeable,
    is_valid_notice_no,
)
from core.domain.parties import too_large
from core.domain.reservations import ReservationStatus, check_movable, check_transition
from core.services import mail, pickup, seats
from core.services.slots import not_closed
from core.services.tokens import hash_token, new_booking_no, new_secret


@dataclass(frozen=True)
class HoldTicket:
    """What the site keeps in the person's session while they fill in the form."""

    slot_id: int
    token: str
    party_size: int
    expires_at: datetime


@dataclass(frozen=True)
class Member:
    """A further person of a family booking: the name, and for a pickup the 交付通知書 number."""

    name: str | None
    notice_no: str | None = None


@dataclass(frozen=True)
class Details:
    """What a booking stores: only what the counter needs, never register data."""

    name: str
    name_kana: str
    phone: str
    email: str | None
    birth_date: date | None
    notice_no: str | None = None
    members: list[Member] = field(default_factory=list)  # persons 2..N of a family booking
    language: str = "ja"
    channel: str = "web"  # the console books with "counter" or "phone"


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


class HoldUsed(BookingError):  # noqa: N818 - named for what happened
    """The hold already became a booking or a change (a replayed page or cookie)."""


@dataclass(frozen=True)
class Claim:
    """What a booking asks of a slot, checked by `admit` for a new booking's hold and for a change alike: the
    procedure (and venue) chosen, the party, and for a pickup every person's 交付通知書 number and the venue
    keeping the cards."""

    procedure_id: int
    party_size: int
    venue_id: int | None = None  # the venue chosen on the pages (None: the slot's own)
    notice_nos: tuple[str, ...] = ()
    holding_venue_id: int | None = None


@dataclass(frozen=True)
class SlotFacts:
    """What `admit` needs to know about a slot besides the row, read with its lock in one round trip."""

    is_open: bool
    max_party: int
    needs_notice: bool
    offered: bool


# Expressions on the slot: whether it is closed, the procedure's largest party and whether it is a pickup,
# and whether the venue (active) still offers the (active) procedure.
_FACTS = (
    not_closed(),
    select(Procedure.max_party_size).where(Procedure.id == Slot.procedure_id).scalar_subquery(),
    select(Procedure.needs_notice_no).where(Procedure.id == Slot.procedure_id).scalar_subquery(),
    exists()
    .where(VenueProcedure.venue_id == Slot.venue_id, VenueProcedure.procedure_id == Slot.procedure_id)
    .where(Venue.id == Slot.venue_id, Venue.active)
    .where(Procedure.id == Slot.procedure_id, Procedure.active),
)


def _facts(row: tuple[Any, ...]) -> SlotFacts:
    is_open, max_party, needs_notice, offered = row
    return SlotFacts(bool(is_open), int(max_party or 0), bool(needs_notice), bool(offered))


def _pickup_rules(session: Session, slot: Slot, claim: Claim, rules: BookingRules) -> BookingRules:
    """The rules of a pickup at the slot's venue: every person's notice number, and a venue that may hand
    over cards kept at the claim's holding venue (core.domain.parties.pickup_rules)."""
    numbers = {n for n in claim.notice_nos if n and is_valid_notice_no(n)}
    if len(numbers) != claim.party_size or len(claim.notice_nos) != claim.party_size:
        raise BookingError(
            "受取の予約には、受け取る方全員の交付通知書の番号が必要です",
            "A pickup booking needs the pickup notice number of everyone picking up a card.",
        )
    allowed = {}
    if claim.holding_venue_id is not None:
        allowed = pickup.pickup_venues(session, slot.procedure_id, claim.holding_venue_id, rules)
    venue_rules = allowed.get(slot.venue_id)
    if venue_rules is None:
        raise BookingError(
            "カードはカードを保管している場所でのみ受け取れます。場所を選び直してください",
            "A card can only be picked up where it is kept. Please choose the place again.",
        )
    return venue_rules


def admit(
    session: Session, slot: Slot, claim: Claim, facts: SlotFacts, now: datetime, rules: BookingRules
) -> BookingRules:
    """Every rule a slot must meet for CLAIM — the one check of a new booking's hold and of a change: the
    procedure and venue, a pickup's notice numbers and holding venue, the booking window and closures, the
    party size and the time's seats. Returns the rules that apply at the slot's venue."""
    wrong_venue = claim.venue_id is not None and claim.venue_id != slot.venue_id
    if slot.procedure_id != claim.procedure_id or wrong_venue or not facts.offered:
        raise BookingError(
            "その時間枠はこの手続き・場所では予約できません",
            "That time slot cannot be booked for this procedure and place.",
        )
    venue_rules = _pickup_rules(session, slot, claim, rules) if facts.needs_notice else rules
    _check_slot_open(slot, now, venue_rules, facts.is_open)
    if claim.party_size < 1 or claim.party_size > facts.max_party:
        raise BookingError("人数が正しくありません", "The number of people is not allowed.")
    if not seats.can_seat(slot, claim.party_size):  # nothing was taken: the time is simply too small
        raise too_large(claim.party_size, slot.capacity)
    return venue_rules


def hold_seats(
    session: Session,
    slot_id: int,
    party_size: int,
    now: datetime,
    rules: BookingRules,
    claim: Claim | None = None,
) -> HoldTicket:
    """Hold PARTY_SIZE seats of the slot for rules.hold_minutes; SlotTaken when they are gone. CLAIM (the
    procedure and venue chosen on the pages, a pickup's notice numbers) is checked by `admit`; without one,
    the slot's own procedure and venue are taken as chosen."""
    # One round trip: the slot locked with everything `admit` needs to know about it.
    slot, row = seats.lock_slot_with(session, slot_id, *_FACTS)
    claim = claim or Claim(slot.procedure_id, party_size)
    if claim.party_size != party_size:
        raise BookingError("人数が正しくありません", "The number of people is not allowed.")
    admit(session, slot, claim, _facts(row), now, rules)
    expires = now + timedelta(minutes=rules.hold_minutes)
    taken = SlotTaken("その時間は今ちょうど埋まりました", "That time was just taken.")
    token = seats.hold(session, slot, party_size, now, expires, taken)
    return HoldTicket(slot.id, token, party_size, expires)


def release_hold(session: Session, ticket: HoldTicket, now: datetime) -> None:
    """Give the held seats back (the person went back or left)."""
    slot = seats.lock_slots(session, [ticket.slot_id], now)[ticket.slot_id]
    seats.drop_hold(session, slot, hash_token(ticket.token))


def _take_held_seats(
    session: Session, slot: Slot, ticket: HoldTicket, now: datetime, rules: BookingRules
) -> None:
    """Turn the hold into booked seats of the locked slot; if it expired but the seats are still free, take
    them anyway."""
    if seats.claim_hold(session, slot, hash_token(ticket.token), ticket.party_size):
        return
    _check_slot_open(slot, now, rules)  # the hold is gone: still fine if the time is open and the seats free
    ran_out = "確保時間が過ぎ、その時間は埋まりました", "Your hold ran out and the time was taken."
    seats.take(session, slot, ticket.party_size, now, HoldExpired(*ran_out))


_CONTACT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
# Written out once: building this query with select() on every booking cost more than PostgreSQL's work.
# The person's few bookings come from the indexes of migration 0008; each one's slot is then looked up by id.
_ACTIVE_BY_CONTACT = text(
    r"SELECT count(*) FROM booking.reservations r "
    f"WHERE r.status = '{ReservationStatus.BOOKED.value}' "  # a literal: the partial indexes of 0008 match it
    r"AND (regexp_replace(r.phone, '\D', '', 'g') = :digits OR lower(r.email) = :email) "
    r"AND (SELECT s.starts_at FROM booking.slots s WHERE s.id = r.slot_id) > :now"
)


def lock_contact(session: Session, details: Details) -> str:
    """Take the transaction's lock on the person's phone number (bookings by one person run one at a time);
    return the number's digits."""
    digits = "".join(ch for ch in details.phone if ch.isdigit())
    session.execute(_CONTACT_LOCK, {"key": f"contact:{digits}"})
    return digits


def _check_contact_cap(session: Session, details: Details, now: datetime, rules: BookingRules) -> None:
    # Two bookings by the same phone at the same moment must not both slip under the cap; the count runs
    # as its own statement after the lock, so it sees what the other booking committed.
    digits = lock_contact(session, details)
    email = details.email.lower() if details.email else None
    active = session.scalar(_ACTIVE_BY_CONTACT, {"now": now, "digits": digits, "email": email})
    if (active or 0) >= rules.max_active_per_contact:
        raise BookingError(
            f"お一人が同時に持てる予約は{rules.max_active_per_contact}件までです",
            f"One person may hold at most {rules.max_active_per_contact} active bookings.",
        )


_USE_HOLD = text(
    "INSERT INTO booking.used_holds (token_hash, reservation_id, used_at) "
    "VALUES (:token, :reservation, :now) ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash"
)


def _use_hold(session: Session, ticket: HoldTicket, reservation_id: int, now: datetime) -> None:
    """Mark the ticket's hold as used by the reservation; refuse a hold used before (the table's primary key
    decides, also between two requests sent at the same instant)."""
    values = {"token": hash_token(ticket.token), "reservation": reservation_id, "now": now}
    if session.execute(_USE_HOLD, values).first() is None:
        raise HoldUsed(
            "この時間の確保はすでに使われています(予約・変更は済んでいます)。予約の確認画面でご確認ください",
            "This hold has already been used: the booking or change is done. Please check your booking.",
        )


_HOLD_USED_BY = text("SELECT reservation_id FROM booking.used_holds WHERE token_hash = :token")


def _hold_used_by(session: Session, ticket: HoldTicket) -> int | None:
    """The reservation the ticket's hold was used for (booked or changed to), if it was used."""
    found = session.scalar(_HOLD_USED_BY, {"token": hash_token(ticket.token)})
    return None if found is None else int(found)


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
    secret: tuple[str, str] | None = None,
) -> tuple[Reservation, str]:
    """Book the held seats; return the reservation and its secret (shown once, only the hash is kept). SECRET:
    the (secret, hash) to use, when the caller made it (core.services.booking_keys); a fresh one otherwise."""
    _check_contact_cap(session, details, now, rules)
    slot, _ = seats.lock_slot_with(session, ticket.slot_id)
    secret_text, secret_hash = secret or new_secret()
    reservation = Reservation(
        booking_no=new_booking_no(),
        secret_hash=secret_hash,
        status=ReservationStatus.BOOKED.value,
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
    _use_hold(session, ticket, reservation.id, now)  # before the seats: a replay is told so, not "taken"
    _take_held_seats(session, slot, ticket, now, rules)
    for position, member in enumerate(details.members, start=2):
        person = ReservationMember(
            reservation_id=reservation.id, position=position, name=member.name, notice_no=member.notice_no
        )
        session.add(person)
    log_access(session, reservation.id, "create", client)
    mail.enqueue(session, "confirmation", reservation, now, with_link=True)  # never the secret itself
    return reservation, secret_text


def _lock_reservation(session: Session, reservation: Reservation) -> None:
    """Lock the reservation's row and re-read it: the console may have moved or cancelled it meanwhile."""
    query = (
        select(Reservation)
        .where(Reservation.id == reservation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    session.execute(query).one()


def _check_deadline(session: Session, reservation: Reservation, now: datetime, rules: BookingRules) -> None:
    slot = session.get(Slot, reservation.slot_id)
    assert slot is not None
    check_changeable(now, slot.starts_at.astimezone(TOKYO).date(), rules)


def _release_delay(rules: BookingRules) -> timedelta:
    return timedelta(minutes=rules.release_delay_minutes)


def cancel(
    session: Session, reservation: Reservation, now: datetime, rules: BookingRules, client: str | None = None
) -> None:
    """Cancel before the deadline; the seats come back after the re-release delay."""
    _lock_reservation(session, reservation)
    status = check_transition(reservation.status, ReservationStatus.CANCELLED)
    _check_deadline(session, reservation, now, rules)
    slot = seats.lock_slots(session, [reservation.slot_id], now)[reservation.slot_id]
    seats.release(session, slot, reservation.party_size, now, _release_delay(rules))
    reservation.status = status.value
    reservation.cancelled_at = now
    log_access(session, reservation.id, "cancel", client)
    mail.enqueue(session, "cancellation", reservation, now)


def change_claim(session: Session, reservation: Reservation, holding_venue_id: int | None) -> Claim:
    """What a change of RESERVATION may ask of a new slot: the booking's own procedure and party, and for a
    pickup its notice numbers and HOLDING_VENUE_ID, the venue keeping the cards (the site asks the ledger
    through booking.notice_ask/notice_answer when the change starts, reservation_site/views/manage.py)."""
    procedure = session.get(Procedure, reservation.procedure_id)
    assert procedure is not None
    if not procedure.needs_notice_no:
        return Claim(reservation.procedure_id, reservation.party_size)
    members = session.scalars(
        select(ReservationMember.notice_no)
        .where(ReservationMember.reservation_id == reservation.id)
        .order_by(ReservationMember.position)
    )
    numbers = tuple(n or "" for n in [reservation.notice_no, *members])
    return Claim(
        reservation.procedure_id,
        reservation.party_size,
        notice_nos=numbers,
        holding_venue_id=holding_venue_id,
    )


def _slot_facts(session: Session, slot: Slot) -> SlotFacts:
    row = session.execute(select(*_FACTS).where(Slot.id == slot.id)).one()
    return _facts(tuple(row))


def change(
    session: Session,
    reservation: Reservation,
    ticket: HoldTicket,
    now: datetime,
    rules: BookingRules,
    client: str | None = None,
    holding_venue_id: int | None = None,
) -> bool:
    """Move the booking to the held slot, if the slot meets every rule a new booking of it would (`admit`:
    the booking's procedure, a pickup's notice numbers and holding venue, the window, closures, the party and
    the seats). The reservation is locked first, then both slots in id order, as every path locks them, so a
    change never deadlocks against another change or a console move. False when this very change was made
    already (the same confirmation sent twice): nothing more happens, no second mail."""
    _lock_reservation(session, reservation)
    if _hold_used_by(session, ticket) == reservation.id and reservation.slot_id == ticket.slot_id:
        return False
    check_movable(reservation.status)
    _check_deadline(session, reservation, now, rules)
    if ticket.party_size != reservation.party_size:
        raise BookingError("人数が予約と違います", "The number of people differs from the booking.")
    _use_hold(session, ticket, reservation.id, now)
    claim = change_claim(session, reservation, holding_venue_id)
    old_id = reservation.slot_id
    locked = seats.lock_slots(session, {old_id, ticket.slot_id}, now)
    target = locked[ticket.slot_id]
    venue_rules = admit(session, target, claim, _slot_facts(session, target), now, rules)
    _take_held_seats(session, target, ticket, now, venue_rules)
    seats.release(session, locked[old_id], reservation.party_size, now, _release_delay(rules))
    reservation.slot_id = ticket.slot_id
    reservation.changed_at = now
    log_access(session, reservation.id, "change", client)
    mail.enqueue(session, "change", reservation, now)
    return True


def by_secret(session: Session, secret: str) -> Reservation | None:
    """The reservation behind a secret link (the done page's or the mailed one)."""
    hashed = hash_token(secret)
    query = select(Reservation).where(
        or_(Reservation.secret_hash == hashed, Reservation.mail_secret_hash == hashed)
    )
    return session.scalars(query).first()


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
