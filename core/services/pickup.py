"""Where a card waits, as the site may know it: the holding venue and readiness from booking.notice_venue (a
SECURITY DEFINER function, migration 0010; the site's role cannot read the ledger), and the venues a pickup
may then be booked at (core.domain.parties)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db.models.booking import Venue, VenueProcedure
from core.domain.booking import BookingRules
from core.domain.parties import pickup_rules

_NOTICE_VENUE = text("SELECT venue_id, ready FROM booking.notice_venue(:n, :b)")


@dataclass(frozen=True)
class NoticeAnswer:
    """What the ledger tells the site about one 交付通知書: the venue keeping the card (None: no venue of the
    site is its office) and whether it can be picked up now."""

    venue_id: int | None
    ready: bool


def notice_venue(session: Session, notice_no: str, birth_date: date) -> NoticeAnswer | None:
    """The card of NOTICE_NO whose holder was born on BIRTH_DATE, or None (no such card waiting for them)."""
    row = session.execute(_NOTICE_VENUE, {"n": notice_no, "b": birth_date}).first()
    return None if row is None else NoticeAnswer(row[0], bool(row[1]))


def pickup_venues(
    session: Session, procedure_id: int, holding_venue_id: int, rules: BookingRules
) -> dict[int, BookingRules]:
    """The active venues offering the procedure where the card may be picked up, each with the rules its
    bookings follow (the holding venue's are RULES; others only under the transfer rule)."""
    offered = session.scalars(
        select(Venue.id)
        .join(VenueProcedure, VenueProcedure.venue_id == Venue.id)
        .where(VenueProcedure.procedure_id == procedure_id, Venue.active)
        .order_by(Venue.id)
    )
    allowed: dict[int, BookingRules] = {}
    for venue_id in offered:
        venue_rules = pickup_rules(rules, venue_id == holding_venue_id)
        if venue_rules is not None:
            allowed[venue_id] = venue_rules
    return allowed
