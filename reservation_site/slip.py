"""The booking slip: the done page right after booking and the printable page behind the manage page — what,
where (with a map link), when, who, what to bring, the deadline, and a QR code of the booking number."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import render_template
from sqlalchemy.orm import Session

from core.db.models.booking import Reservation, Slot
from core.domain.booking import TOKYO, change_deadline
from core.services.places import VenueRow
from reports.qr import qr_data_uri
from reservation_site import web

OSM_SEARCH = "https://www.openstreetmap.org/search"


def map_url(venue: VenueRow) -> str | None:
    """A plain link to the venue on OpenStreetMap, searched by its Japanese address (the map's own language);
    the resident opens it, the page embeds nothing."""
    if not venue.address_ja:
        return None
    return f"{OSM_SEARCH}?{urlencode({'query': venue.address_ja})}"


def render_slip(db: Session, reservation: Reservation, **extra: Any) -> str:
    """done.html for RESERVATION; EXTRA: what only the page right after booking shows (the secret link)."""
    slot = db.get(Slot, reservation.slot_id)
    assert slot is not None
    venue = web.venue(db, slot.venue_id)
    visit = slot.starts_at.astimezone(TOKYO).date()
    return render_template(
        "done.html",
        reservation=reservation,
        slot=slot,
        procedure=web.procedure(db, reservation.procedure_id),
        venue=venue,
        visit=visit,
        map_url=map_url(venue),
        deadline=change_deadline(visit, web.rules(db)),
        qr=qr_data_uri(reservation.booking_no, scale=5),
        **extra,
    )
