"""Request helpers: the database, the clock, the client address and the booking state kept in the session."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from core.db.models.booking import Procedure, Venue, VenueProcedure
from core.domain.booking import BookingRules
from core.services.booking import HoldTicket
from core.services.slots import load_rules


def _connection() -> Connection:
    """One pooled connection per request (closed by `close_connection`), however many transactions it runs."""
    if "db_connection" not in g:
        engine: Engine = current_app.extensions["mynadesk_engine"]
        g.db_connection = engine.connect()
    connection: Connection = g.db_connection
    return connection


def close_connection(_: BaseException | None = None) -> None:
    """Give the request's connection back to the pool."""
    connection = g.pop("db_connection", None)
    if connection is not None:
        connection.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """A session in one transaction, committed at the end (rolled back on error)."""
    with Session(bind=_connection(), expire_on_commit=False) as db, db.begin():
        yield db


def now() -> datetime:
    """The site's clock (tests may set it)."""
    clock = current_app.extensions["mynadesk_clock"]
    value: datetime = clock()
    return value


def client() -> str | None:
    """The client's address (behind PROXIES trusted proxies when configured)."""
    return request.remote_addr


def rules(db: Session) -> BookingRules:
    """The city's booking rules, re-read at most every RULES_CACHE_SECONDS per process (console edits show
    up within that time)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("mynadesk_rules", {})
    ttl = float(current_app.config.get("RULES_CACHE_SECONDS", 30))
    if "rules" not in cache or time.monotonic() - cache["at"] >= ttl:
        cache["rules"], cache["at"] = load_rules(db), time.monotonic()
    cached: BookingRules = cache["rules"]
    return cached


def _cached(kind: str, key: object, load: Callable[[], Any]) -> Any:
    """Rows that change rarely (procedures, venues), kept per process for RULES_CACHE_SECONDS."""
    cache: dict[tuple[str, object], tuple[float, Any]] = current_app.extensions.setdefault(
        "mynadesk_rows", {}
    )
    ttl = float(current_app.config.get("RULES_CACHE_SECONDS", 30))
    hit = cache.get((kind, key))
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    value = load()
    cache[(kind, key)] = (time.monotonic(), value)
    return value


def procedure(db: Session, procedure_id: int) -> Procedure:
    """A procedure by id (cached; read-only use)."""
    found: Procedure | None = _cached("procedure", procedure_id, lambda: db.get(Procedure, procedure_id))
    assert found is not None
    return found


def venue(db: Session, venue_id: int) -> Venue:
    """A venue by id (cached; read-only use)."""
    found: Venue | None = _cached("venue", venue_id, lambda: db.get(Venue, venue_id))
    assert found is not None
    return found


def procedure_by_code(db: Session, code: str) -> Procedure | None:
    """An active procedure by its code (cached)."""
    query = select(Procedure).where(Procedure.code == code, Procedure.active)
    found: Procedure | None = _cached("procedure_code", code, lambda: db.scalars(query).one_or_none())
    return found


def venue_for(db: Session, procedure_id: int, code: str) -> Venue | None:
    """An active venue offering the procedure, by the venue's code (cached)."""
    query = (
        select(Venue)
        .join(VenueProcedure, VenueProcedure.venue_id == Venue.id)
        .where(Venue.code == code, Venue.active, VenueProcedure.procedure_id == procedure_id)
    )
    found: Venue | None = _cached("venue_code", (procedure_id, code), lambda: db.scalars(query).one_or_none())
    return found


def save_hold(ticket: HoldTicket) -> None:
    """Remember the hold in the (signed) session cookie."""
    session["hold"] = {
        "slot_id": ticket.slot_id,
        "token": ticket.token,
        "party_size": ticket.party_size,
        "expires_at": ticket.expires_at.isoformat(),
    }


def current_hold() -> HoldTicket | None:
    """The hold the person has, if any."""
    data: dict[str, Any] | None = session.get("hold")
    if not data:
        return None
    try:
        return HoldTicket(
            int(data["slot_id"]),
            str(data["token"]),
            int(data["party_size"]),
            datetime.fromisoformat(data["expires_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
