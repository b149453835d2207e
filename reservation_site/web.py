"""Request helpers: the database, the clock, the client address and the booking state kept in the session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

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
