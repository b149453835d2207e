"""How busy a day is at each venue offering a procedure: the day page's comparison of venues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.booking import Mark, day_mark
from core.services.places import VenueRow
from core.services.slots import SlotView


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


def venue_day(venue: VenueRow, slots: Sequence[SlotView], ratio: float) -> VenueDay:
    """VENUE's day from its SLOTS as the day page lists them (`day_view`), marked by `day_mark`."""
    return VenueDay(
        venue.id,
        venue.code,
        venue.name_ja,
        venue.name_en,
        sum(1 for s in slots if s.free > 0),
        sum(s.free for s in slots),
        day_mark(((s.free, s.capacity) for s in slots), ratio),
    )
