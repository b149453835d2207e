"""Housekeeping the worker runs: expired holds, anonymising past bookings, old outbox rows and rate events."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core.db.models.booking import Outbox, Reservation, ReservationMember, Slot
from core.domain.booking import BookingRules
from core.services import seats


def release_expired_holds(session: Session, now: datetime) -> int:
    """Give back the seats of every hold expired at NOW (through core.services.seats); return how many."""
    return seats.sweep_expired(session, now)


def anonymise_past(session: Session, now: datetime, rules: BookingRules) -> int:
    """Erase names, contacts and identifiers of visits older than rules.anonymise_after_days."""
    cutoff = now - timedelta(days=rules.anonymise_after_days)
    old_slots = select(Slot.id).where(Slot.ends_at < cutoff)
    result = session.execute(
        update(Reservation)
        .where(Reservation.anonymised_at.is_(None), Reservation.slot_id.in_(old_slots))
        .values(
            name=None,
            name_kana=None,
            birth_date=None,
            phone=None,
            email=None,
            notice_no=None,
            anonymised_at=now,
        )
    )
    anonymised = select(Reservation.id).where(Reservation.anonymised_at.is_not(None))
    session.execute(  # the family members of those visits too
        update(ReservationMember)
        .where(
            ReservationMember.reservation_id.in_(anonymised),
            or_(ReservationMember.name.is_not(None), ReservationMember.notice_no.is_not(None)),
        )
        .values(name=None, notice_no=None)
    )
    session.execute(delete(Outbox).where(Outbox.sent_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
