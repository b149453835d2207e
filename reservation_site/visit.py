"""What this visitor may book (core.domain.parties): the party size — chosen on the pages (?n=), or fixed by a
pickup's notice numbers or by the booking being changed — and, for a pickup, the venues that may hand over
the cards. Kept in the signed session cookie as "visit"; only the notice step and a change start one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, session
from sqlalchemy.orm import Session

from core.domain.booking import BookingRules
from core.domain.parties import party_sizes
from core.services import pickup
from core.services import slots as slot_service
from core.services.places import ProcedureRow
from reservation_site import web

KEY = "visit"


@dataclass(frozen=True)
class Visit:
    """A pickup's checked people (party fixed) or a change's party; HOLDING: the venue keeping the cards."""

    procedure: str
    party: int | None
    holding: int | None = None
    people: list[dict[str, str]] = field(default_factory=list)  # {"notice_no", "birth_date"} per person
    change: bool = False


def start(visit: Visit) -> None:
    """Remember VISIT for the pages that follow."""
    session[KEY] = {
        "procedure": visit.procedure,
        "party": visit.party,
        "holding": visit.holding,
        "people": visit.people,
        "change": visit.change,
    }


def current(procedure: ProcedureRow) -> Visit | None:
    """The visit started for PROCEDURE, if any."""
    data: dict[str, Any] | None = session.get(KEY)
    if not data or data.get("procedure") != procedure.code:
        return None
    return Visit(
        data["procedure"],
        data.get("party"),
        data.get("holding"),
        list(data.get("people") or []),
        data["change"],
    )


def drop(changes_only: bool = False) -> None:
    """Forget the visit (CHANGES_ONLY: only one started by a change)."""
    data = session.get(KEY)
    if data and (data.get("change") or not changes_only):
        session.pop(KEY, None)


def venue_rules(
    db: Session, procedure: ProcedureRow, venue_id: int, visit: Visit | None
) -> BookingRules | None:
    """The rules for booking PROCEDURE at the venue, or None when this visitor may not book there (a pickup
    away from the venue keeping the card, unless the city's transfer rule allows it)."""
    rules = web.rules(db)
    if not procedure.needs_notice_no:
        return rules
    if visit is None or visit.holding is None:
        return None
    allowed = pickup.pickup_venues(db, procedure.id, visit.holding, rules)
    return allowed.get(venue_id)


def seats(db: Session, procedure: ProcedureRow, venue_id: int) -> int:
    """The most seats a coming time of the venue has (cached like the rules)."""
    key = (venue_id, procedure.id)
    load = lambda: slot_service.venue_seats(db, venue_id, procedure.id, web.now())  # noqa: E731
    found: int = web.cached("venue_seats", key, load)
    return found


def party_choices(db: Session, procedure: ProcedureRow, venue_id: int, visit: Visit | None) -> list[int]:
    """The party sizes this visitor may book at the venue (empty: the fixed party does not fit there)."""
    possible = party_sizes(procedure.max_party_size, seats(db, procedure, venue_id))
    if visit is not None and visit.party:
        return [visit.party] if visit.party in possible else []
    return possible


def requested_party(visit: Visit | None, source: Any = None) -> int:
    """The party size asked for: SOURCE's 'party_size' (a posted form, checked by the caller), else the
    visit's fixed one, else ?n=, else 1 (0 when unreadable, which no venue allows)."""
    if source is not None:
        raw = source.get("party_size")
    elif visit is not None and visit.party:
        return int(visit.party)
    else:
        raw = request.args.get("n") or 1
    try:
        return max(0, min(int(raw or 0), 99))
    except ValueError:
        return 0
