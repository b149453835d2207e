"""Request helpers: the database, the clock, the client address and the booking state kept in the session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app, request, session
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.domain.booking import BookingRules
from core.services.booking import HoldTicket
from core.services.slots import load_rules


@contextmanager
def transaction() -> Iterator[Session]:
    """A session in one transaction, committed at the end (rolled back on error)."""
    engine: Engine = current_app.extensions["mynadesk_engine"]
    with Session(engine, expire_on_commit=False) as db, db.begin():
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
    """The city's booking rules."""
    return load_rules(db)


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
