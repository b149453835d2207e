"""What the reservations setup page lists: venues with their counters, procedures, slot templates and the
latest closures, as frozen rows read in one session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Closure, Counter, SlotTemplate
from core.services.places import ProcedureRow, VenueRow, procedures, venues

LATEST_CLOSURES = 20


@dataclass(frozen=True)
class TemplateRow:
    """A weekly slot template."""

    venue_id: int
    procedure_id: int | None  # None: every procedure
    weekday: int  # 0 = Monday
    starts_at: time
    ends_at: time
    slot_minutes: int
    capacity: int


@dataclass(frozen=True)
class ClosureRow:
    """A closure of one venue (or of every venue)."""

    venue_id: int | None  # None: every venue
    starts_at: datetime
    ends_at: datetime
    reason_ja: str


@dataclass(frozen=True)
class SetupListing:
    """The current configuration."""

    venues: list[VenueRow]
    counters: dict[int, list[str]]  # venue id -> counter names
    procedures: list[ProcedureRow]
    templates: list[TemplateRow]
    closures: list[ClosureRow]  # the latest LATEST_CLOSURES, newest first


def listing(session: Session) -> SetupListing:
    """Venues, counters, procedures, templates and the latest closures."""
    counters: dict[int, list[str]] = {}
    for counter in session.scalars(select(Counter).order_by(Counter.venue_id, Counter.name)):
        counters.setdefault(counter.venue_id, []).append(counter.name)
    templates = session.scalars(select(SlotTemplate).order_by(SlotTemplate.venue_id, SlotTemplate.weekday))
    closures = session.scalars(select(Closure).order_by(Closure.starts_at.desc()).limit(LATEST_CLOSURES))
    return SetupListing(
        venues(session),
        counters,
        procedures(session),
        [
            TemplateRow(
                t.venue_id, t.procedure_id, t.weekday, t.starts_at, t.ends_at, t.slot_minutes, t.capacity
            )
            for t in templates
        ],
        [ClosureRow(x.venue_id, x.starts_at, x.ends_at, x.reason_ja) for x in closures],
    )
