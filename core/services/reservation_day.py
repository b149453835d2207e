"""The day's list at the counter (窓口 and 予約担当): who comes when, check-in, no-show, walk-in, and a
change or cancellation on the resident's behalf. Seats change only through core.services.seats."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import day_of
from core.db.models.booking import Procedure, Reservation, Slot
from core.domain.booking import TOKYO
from core.domain.reservations import (
    ReservationStatus,
    StatusRefused,
    VisitDayRefused,
    check_movable,
    check_transition,
    check_visit_day,
)
from core.services import mail, seats
from core.services.audit import Actor, record
from core.services.reservations_admin import BookingAdminError
from core.services.tokens import new_secret

T = TypeVar("T")


def _audit(session: Session, actor: Actor, action: str, kind: str, object_id: object, summary: str) -> None:
    record(session, actor, action, kind, str(object_id), summary=summary)


def day_list(session: Session, venue_id: int, day: date, actor: Actor) -> list[tuple[Reservation, Slot, str]]:
    """The day's reservations at a venue with their slot and procedure name, by time (the view is audited)."""
    start = datetime.combine(day, time(0), TOKYO)
    rows = [
        (r, s, p)
        for r, s, p in session.execute(
            select(Reservation, Slot, Procedure.name_ja)
            .join(Slot, Slot.id == Reservation.slot_id)
            .join(Procedure, Procedure.id == Reservation.procedure_id)
            .where(
                Slot.venue_id == venue_id, Slot.starts_at >= start, Slot.starts_at < start + timedelta(days=1)
            )
            .order_by(Slot.starts_at, Reservation.booking_no)
        ).all()
    ]
    _audit(
        session, actor, "view", "reservation_day", f"{venue_id}:{day}", f"予約一覧の閲覧 {day}: {len(rows)}件"
    )
    return rows


def _reservation(session: Session, booking_no: str) -> Reservation:
    reservation = session.scalars(
        select(Reservation).where(Reservation.booking_no == booking_no.strip()).with_for_update()
    ).one_or_none()
    if reservation is None:
        raise BookingAdminError(f"予約番号 {booking_no} はありません", f"no booking {booking_no}")
    return reservation


def _checked(check: Callable[[], T]) -> T:
    """Run a domain check; its refusal becomes the console's BookingAdminError (same words)."""
    try:
        return check()
    except (StatusRefused, VisitDayRefused) as refused:
        raise BookingAdminError(refused.message_ja, refused.message_en) from refused


def _target(status: str) -> ReservationStatus:
    try:
        return ReservationStatus(status)
    except ValueError:
        raise BookingAdminError(
            f"予約の状態「{status}」はありません", f"no booking status {status}"
        ) from None


def set_status(
    session: Session,
    actor: Actor,
    booking_no: str,
    status: str,
    now: datetime,
    override_reason: str | None = None,
) -> Reservation:
    """Check in, mark as no-show or cancel on the resident's behalf at NOW. A check-in or no-show must fall on
    the slot's day (core.domain.reservations.check_visit_day) unless OVERRIDE_REASON explains it; an override
    is audited with the booking's day and the reason. A cancellation frees the seat at once: see
    core.services.seats on why staff release without the site's delay."""
    reservation = _reservation(session, booking_no)
    target = _target(status)
    _checked(lambda: check_transition(reservation.status, target))
    starts_at = session.scalars(select(Slot.starts_at).where(Slot.id == reservation.slot_id)).one()
    overridden = _checked(lambda: check_visit_day(target, starts_at, now, override_reason))
    reservation.status, reservation.handled_by = target.value, actor.name
    if target is ReservationStatus.CHECKED_IN:
        reservation.checked_in_at = now
    if target is ReservationStatus.CANCELLED:
        reservation.cancelled_at = now
        slot = seats.lock_slots(session, [reservation.slot_id], now)[reservation.slot_id]
        seats.release(session, slot, reservation.party_size, now, seats.STAFF_RELEASE_DELAY)
        mail.enqueue(session, "cancellation", reservation, now)  # the resident hears of it (given an address)
    summary, detail = f"予約 {booking_no}: {target}", None
    if overridden:
        booking_day = day_of(starts_at).isoformat()
        reason = (override_reason or "").strip()
        summary += f"(日付違いを承知で処理 / override: 予約日 {booking_day}、理由: {reason})"
        detail = {
            "override": True,
            "booking_day": booking_day,
            "today": day_of(now).isoformat(),
            "reason": reason,
        }
    record(session, actor, f"reservation_{target}", "reservation", booking_no, summary=summary, detail=detail)
    session.flush()
    return reservation


def move(session: Session, actor: Actor, booking_no: str, slot_id: int, now: datetime) -> Reservation:
    """Change a booking to another slot with room, on the resident's behalf, at NOW (the reservation locked
    first, then both slots in id order, as the site's change locks them)."""
    reservation = _reservation(session, booking_no)
    _checked(lambda: check_movable(reservation.status))
    old_id = reservation.slot_id
    locked = seats.lock_slots(session, {old_id, slot_id}, now)
    target = locked[slot_id]
    full = BookingAdminError("変更先の枠に空きがありません", "the chosen slot is full")
    seats.move(session, locked[old_id], target, reservation.party_size, now, seats.STAFF_RELEASE_DELAY, full)
    reservation.slot_id, reservation.procedure_id = target.id, target.procedure_id
    reservation.changed_at = now
    reservation.handled_by = actor.name
    _audit(
        session,
        actor,
        "reservation_move",
        "reservation",
        booking_no,
        f"予約 {booking_no} を枠 {slot_id} へ変更",
    )
    session.flush()
    return reservation


def walk_in(
    session: Session,
    actor: Actor,
    slot_id: int,
    name: str,
    now: datetime,
    notice_no: str | None = None,
    **extra: Any,
) -> Reservation:
    """Register a walk-in (窓口) visit in a slot with room, checked in at NOW."""
    slot = seats.lock_slots(session, [slot_id], now)[slot_id]
    if not name.strip():
        raise BookingAdminError("氏名を入力してください", "a name is required")
    seats.take(session, slot, 1, now, BookingAdminError("この枠に空きがありません", "the slot is full"))
    booking_no = f"W{now.astimezone(TOKYO):%y%m%d}-{secrets.token_hex(3).upper()}"
    _, secret_hash = new_secret()  # nobody is given the secret: a walk-in is handled at the counter
    reservation = Reservation(
        booking_no=booking_no,
        secret_hash=secret_hash,
        slot_id=slot.id,
        procedure_id=slot.procedure_id,
        channel="counter",
        status=ReservationStatus.CHECKED_IN.value,
        name=name.strip(),
        notice_no=notice_no or None,
        handled_by=actor.name,
        checked_in_at=now,
        created_at=now,
        **extra,
    )
    session.add(reservation)
    session.flush()
    _audit(session, actor, "reservation_walk_in", "reservation", booking_no, f"窓口受付 {booking_no}")
    return reservation


def open_slots(session: Session, venue_id: int, day: date) -> list[tuple[Slot, str]]:
    """The day's slots at a venue that still have room, with the procedure name."""
    start = datetime.combine(day, time(0), TOKYO)
    rows = session.execute(
        select(Slot, Procedure.name_ja)
        .join(Procedure, Procedure.id == Slot.procedure_id)
        .where(
            Slot.venue_id == venue_id,
            Slot.starts_at >= start,
            Slot.starts_at < start + timedelta(days=1),
            Slot.booked + Slot.held < Slot.capacity,
        )
        .order_by(Slot.starts_at)
    ).all()
    return [(slot, name) for slot, name in rows]
