"""Where a card waits, as the site may know it: the holding venue and readiness from booking.notice_ask and
booking.notice_answer (SECURITY DEFINER functions, migration 0012; the site's role cannot read the ledger),
and the venues a pickup may then be booked at (core.domain.parties).

A guess takes two transactions: `ask` counts it in the database (which slows a notice number down after
wrong birth dates, 2^N seconds after N failures) and keeps the answer; `answer` hands it out only from a
later transaction, so a caller that rolls back cannot erase its failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from core.db.models.booking import NoticeAttempt, Venue, VenueProcedure
from core.domain.booking import BookingRules
from core.domain.parties import pickup_rules

_ASK = text("SELECT wait_seconds, CAST(ticket AS text) FROM booking.notice_ask(:n, :b)")
_ANSWER = text("SELECT found, venue_id, ready FROM booking.notice_answer(CAST(:t AS uuid))")


@dataclass(frozen=True)
class NoticeAnswer:
    """What the ledger tells the site about one 交付通知書: the venue keeping the card (None: no venue of the
    site is its office) and whether it can be picked up now."""

    venue_id: int | None
    ready: bool


@dataclass(frozen=True)
class Asked:
    """The database's reply to a guess: a ticket for its answer, or how many seconds the number must wait."""

    ticket: str | None
    wait_seconds: int


def ask(session: Session, notice_no: str, birth_date: date) -> Asked:
    """Ask about the card of NOTICE_NO for a holder born on BIRTH_DATE; commit before reading the answer."""
    wait, ticket = session.execute(_ASK, {"n": notice_no, "b": birth_date}).one()
    return Asked(ticket, int(wait or 0))


def answer(session: Session, ticket: str) -> NoticeAnswer | None:
    """The answer kept for TICKET (once): None when no such card waits for that holder."""
    row = session.execute(_ANSWER, {"t": ticket}).first()
    if row is None or not row[0]:
        return None
    return NoticeAnswer(row[1], bool(row[2]))


def forget_old_attempts(session: Session, now: datetime) -> int:
    """Drop the failure counts of numbers left alone for a day (booking.notice_ask forgives them by then);
    return how many. The worker's job: the site's role cannot touch the table."""
    result = session.execute(
        delete(NoticeAttempt).where(
            or_(
                NoticeAttempt.last_failed_at.is_(None), NoticeAttempt.last_failed_at < now - timedelta(days=1)
            )
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
