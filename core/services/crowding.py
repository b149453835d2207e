"""How busy a day is at each venue offering a procedure: the day page's comparison of venues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Venue, VenueProcedure
from core.domain.booking import BookingRules, Mark, day_mark
from core.services.slots import day_view


@dataclass(frozen=True)
class VenueDay:
    """One venue on one day: how many times still have a seat, how many seats are free, and its mark."""

    venue_id: int
    code: str
    name_ja: str
    name_en: str
    free_times: int
    free_seats: int
    mark: Mark


def venues_on_day(
    session: Session, procedure_id: int, day: date, now: datetime, rules: BookingRules
) -> list[VenueDay]:
    """Every active venue offering the procedure, with DAY's free times as the day page would list them."""
    venues = session.scalars(
        select(Venue)
        .join(VenueProcedure, VenueProcedure.venue_id == Venue.id)
        .where(VenueProcedure.procedure_id == procedure_id, Venue.active)
        .order_by(Venue.id)
    )
    found = []
    for venue in venues:
        slots = day_view(session, venue.id, procedure_id, day, now, rules)
        times = [(s.free, s.capacity) for s in slots]
        found.append(
            VenueDay(
                venue.id,
                venue.code,
                venue.name_ja,
                venue.name_en,
                sum(1 for free, _ in times if free > 0),
                sum(free for free, _ in times),
                day_mark(times, rules.few_left_ratio),
            )
        )
    return found
