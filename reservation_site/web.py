"""Request helpers: the database, the clock, the client address and the booking state kept in the session."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app, g, request, session
from markupsafe import Markup
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core.clock import day_of
from core.db.models.booking import Slot
from core.domain.booking import BookingRules
from core.services import places
from core.services import slots as slot_service
from core.services.booking import HoldTicket
from core.services.places import ProcedureRow, VenueRow
from core.services.slots import load_rules

T = TypeVar("T")
CACHE_LIMIT = 20_000  # entries per process; the cache starts afresh beyond it


def connection() -> Connection:
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
    with Session(bind=connection(), expire_on_commit=False) as db, db.begin():
        yield db


def now() -> datetime:
    """The site's clock (tests may set it)."""
    clock = current_app.extensions["mynadesk_clock"]
    value: datetime = clock()
    return value


def today() -> date:
    """Today in Japan by the site's clock."""
    return day_of(now())


def client() -> str | None:
    """The client's address (behind PROXIES trusted proxies when configured)."""
    return request.remote_addr


def _read(db: Session | None, query: Callable[[Session], T]) -> T:
    """QUERY in the caller's session, or in a transaction of its own when the caller has none."""
    if db is not None:
        return query(db)
    with transaction() as own:
        return query(own)


Cache = dict[tuple[str, object], tuple[float, Any]]  # (kind, key) -> (when loaded, value)


def _cache() -> Cache:
    found: Cache = current_app.extensions.setdefault("mynadesk_rows", {})
    return found


def _remember(kind: str, key: object, value: Any) -> None:
    cache = _cache()
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[(kind, key)] = (time.monotonic(), value)


def _cached(kind: str, key: object, load: Callable[[], Any], ttl_name: str = "RULES_CACHE_SECONDS") -> Any:
    """Rows that change rarely (procedures, venues, rules), kept per process for RULES_CACHE_SECONDS."""
    hit = _cache().get((kind, key))
    if hit is not None and time.monotonic() - hit[0] < float(current_app.config[ttl_name]):
        return hit[1]
    value = load()
    _remember(kind, key, value)
    return value


def cached(kind: str, key: object, load: Callable[[], T]) -> T:
    """LOAD's value, kept per process for RULES_CACHE_SECONDS under (KIND, KEY)."""
    found: T = _cached(kind, key, load)
    return found


def rules(db: Session | None = None) -> BookingRules:
    """The city's booking rules, re-read at most every RULES_CACHE_SECONDS per process (console edits show
    up within that time)."""
    found: BookingRules = _cached("rules", 1, lambda: _read(db, load_rules))
    return found


def procedure(db: Session | None, procedure_id: int) -> ProcedureRow:
    """A procedure by id (cached)."""
    found: ProcedureRow | None = _cached(
        "procedure", procedure_id, lambda: _read(db, lambda s: places.procedure(s, procedure_id))
    )
    assert found is not None
    return found


def venue(db: Session | None, venue_id: int) -> VenueRow:
    """A venue by id (cached)."""
    found: VenueRow | None = _cached(
        "venue", venue_id, lambda: _read(db, lambda s: places.venue(s, venue_id))
    )
    assert found is not None
    return found


@dataclass(frozen=True)
class SlotTime:
    """When and where a slot is: what the details and confirmation pages show (never changes for a slot)."""

    id: int
    procedure_id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime


def _slot_time(db: Session, slot_id: int) -> SlotTime | None:
    slot = db.get(Slot, slot_id)
    if slot is None:
        return None
    return SlotTime(slot.id, slot.procedure_id, slot.venue_id, slot.starts_at, slot.ends_at)


def slot_time(slot_id: int) -> SlotTime | None:
    """The slot's time and place (cached: the pages after the hold need no database round trip for it)."""
    found: SlotTime | None = _cached("slot", slot_id, lambda: _read(None, lambda s: _slot_time(s, slot_id)))
    return found


def day_slots(
    db: Session, venue_id: int, procedure_id: int, day: date, rules: BookingRules
) -> list[slot_service.SlotView]:
    """The day's slots with their free seats, shared by the requests of AVAILABILITY_CACHE_SECONDS (a second
    by default: the hold itself re-checks every seat under the slot's lock)."""

    def load() -> list[slot_service.SlotView]:
        views = slot_service.day_view(db, venue_id, procedure_id, day, now(), rules)
        for v in views:  # the pages after a hold show the slot's time without asking the database again
            _remember("slot", v.id, SlotTime(v.id, procedure_id, venue_id, v.starts_at, v.ends_at))
        return views

    found: list[slot_service.SlotView] = _cached(
        "day", (venue_id, procedure_id, day), load, "AVAILABILITY_CACHE_SECONDS"
    )
    return found


def procedure_by_code(db: Session, code: str) -> ProcedureRow | None:
    """An active procedure by its code (cached)."""
    found: ProcedureRow | None = _cached("procedure_code", code, lambda: places.procedure_by_code(db, code))
    return found


def venue_for(db: Session, procedure_id: int, code: str) -> VenueRow | None:
    """An active venue offering the procedure, by the venue's code (cached)."""
    found: VenueRow | None = _cached(
        "venue_code", (procedure_id, code), lambda: places.venue_for(db, procedure_id, code)
    )
    return found


def venues_offering(db: Session, procedure_id: int) -> list[VenueRow]:
    """The active venues offering the procedure (cached)."""
    found: list[VenueRow] = _cached("venues", procedure_id, lambda: places.venues_offering(db, procedure_id))
    return found


def secret_link(secret: str) -> str:
    """The booking's secret link on the configured public address (MYNADESK_SITE_BASE_URL), as in the mails:
    never built from the request's Host header, which the client chooses."""
    base = str(current_app.config["SITE_BASE_URL"]).rstrip("/")
    return f"{base}/m/{secret}"


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


def shared_html(kind: str, key: object, render: Callable[[], str]) -> Markup:
    """A piece of page that is the same for everyone (no token, no personal data), rendered at most once per
    AVAILABILITY_CACHE_SECONDS and key."""
    # RENDER's output comes from an autoescaping template: it is markup already, not text to escape.
    html: Markup = _cached(f"html:{kind}", key, lambda: Markup(render()), "AVAILABILITY_CACHE_SECONDS")  # noqa: S704
    return html
