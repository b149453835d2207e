"""Venues and procedures as frozen rows: what the reservation site may keep in its per-process cache.

An ORM instance belongs to the session that loaded it; kept across requests it is detached, and a lazy load or
an accidental change on it would fail or leak between residents. These copies carry every column and nothing
else, so a cached value can be shared by every request of the process."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Procedure, Venue, VenueProcedure

R = TypeVar("R", "VenueRow", "ProcedureRow")


@dataclass(frozen=True)
class VenueRow:
    """A venue (会場) as the site shows it."""

    id: int
    code: str
    name_ja: str
    name_en: str
    address_ja: str | None
    address_en: str | None
    access_ja: str | None
    access_en: str | None
    active: bool
    ledger_office: str | None


@dataclass(frozen=True)
class ProcedureRow:
    """A bookable procedure (手続) as the site shows it."""

    id: int
    code: str
    name_ja: str
    name_en: str
    duration_minutes: int
    required_items_ja: str | None
    required_items_en: str | None
    needs_notice_no: bool
    max_party_size: int
    active: bool


def _copy(kind: type[R], row: Any) -> R:
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})


def venue(session: Session, venue_id: int) -> VenueRow | None:
    """The venue with VENUE_ID."""
    row = session.get(Venue, venue_id)
    return None if row is None else _copy(VenueRow, row)


def procedure(session: Session, procedure_id: int) -> ProcedureRow | None:
    """The procedure with PROCEDURE_ID."""
    row = session.get(Procedure, procedure_id)
    return None if row is None else _copy(ProcedureRow, row)


def procedure_by_code(session: Session, code: str) -> ProcedureRow | None:
    """An active procedure by its code."""
    row = session.scalars(select(Procedure).where(Procedure.code == code, Procedure.active)).one_or_none()
    return None if row is None else _copy(ProcedureRow, row)


def venue_for(session: Session, procedure_id: int, code: str) -> VenueRow | None:
    """An active venue offering the procedure, by the venue's code."""
    query = (
        select(Venue)
        .join(VenueProcedure, VenueProcedure.venue_id == Venue.id)
        .where(Venue.code == code, Venue.active, VenueProcedure.procedure_id == procedure_id)
    )
    row = session.scalars(query).one_or_none()
    return None if row is None else _copy(VenueRow, row)


def venues_offering(session: Session, procedure_id: int) -> list[VenueRow]:
    """The active venues offering the procedure, in the city's order."""
    query = (
        select(Venue)
        .join(VenueProcedure, VenueProcedure.venue_id == Venue.id)
        .where(VenueProcedure.procedure_id == procedure_id, Venue.active)
        .order_by(Venue.id)
    )
    return [_copy(VenueRow, row) for row in session.scalars(query)]


def venues(session: Session, *, active_only: bool = False) -> list[VenueRow]:
    """Every venue (or only the active ones) in the city's order."""
    query = select(Venue).order_by(Venue.id)
    if active_only:
        query = query.where(Venue.active.is_(True))
    return [_copy(VenueRow, row) for row in session.scalars(query)]


def procedures(session: Session) -> list[ProcedureRow]:
    """Every procedure in the city's order."""
    return [_copy(ProcedureRow, row) for row in session.scalars(select(Procedure).order_by(Procedure.id))]
