"""Housekeeping the worker runs: expired holds, anonymising past bookings, old outbox rows and rate events."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.db.models.booking import Hold, Outbox, Reservation, Slot
from core.domain.booking import BookingRules


def release_expired_holds(session: Session, now: datetime) -> int:
    """Give back the seats of every expired hold; return how many seats."""
    expired = session.execute(
        select(Hold.slot_id, func.sum(Hold.party_size)).where(Hold.expires_at <= now).group_by(Hold.slot_id)
    ).all()
    seats = 0
    for slot_id, _seats in sorted(expired):
        session.execute(select(Slot.id).where(Slot.id == slot_id).with_for_update())
        gone = session.execute(
            delete(Hold).where(Hold.slot_id == slot_id, Hold.expires_at <= now).returning(Hold.party_size)
        ).scalars()
        freed = sum(gone)
        session.execute(update(Slot).where(Slot.id == slot_id).values(held=Slot.held - freed))
        seats += freed
    return seats


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
    session.execute(delete(Outbox).where(Outbox.sent_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
