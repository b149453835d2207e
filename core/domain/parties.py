"""Who fits where on the reservation site: the party-size rule and the pickup-venue rule.

Party size. A party (a person and the family members booked with them) is served together, at once, in one
time slot of one venue: it needs its size in free seats of that one slot. A slot's seats are the counters
that serve the procedure at that time (the city gives a slot as many seats as it staffs counters for it; a
party is never split over slots, counters listed apart, or adjacent times, so one booking has one time and the
family sits side by side). What the site does with it:

* the party-size choice stops at the smaller of the procedure's largest party and the venue's largest slot
  (`party_sizes`): 1 at the one-seat civic centres (湘南台, 辻堂, 片瀬), where a family books one person at a
  time or goes to a venue with more counters;
* the party size is asked before the times, and only times with that many free seats are offered (the
  calendar marks a day full for the party when none of its times can seat it);
* a hold for a slot that can never seat the party is refused as `PartyTooLarge`, which says so; the "just
  taken" answer (SlotTaken) is kept for a real race lost to another booking.

Pickup venue. A card is picked up where the city keeps it: the card ledger's 交付窓口 (cards.office),
which a venue names in booking.venues.ledger_office. The site learns it only through booking.notice_ask and
notice_answer (migrations 0010, 0013). rules.pickup_transfer_days is the city's transfer rule: 0 (the
default) means only the holding venue; N > 0 means every venue offering pickups, the others for visits N days
ahead or later (the time the city needs to carry the card over).
"""

from __future__ import annotations

from dataclasses import replace

from core.domain.booking import BookingError, BookingRules


class PartyTooLarge(BookingError):  # noqa: N818 - named for what happened
    """The time can never seat that many people (nothing was taken)."""


def party_sizes(procedure_max: int, venue_seats: int) -> list[int]:
    """The party sizes a venue can serve for a procedure: 1 … min(procedure's largest party, largest slot)."""
    return list(range(1, max(0, min(procedure_max, venue_seats)) + 1))


def too_large(party: int, seats: int) -> PartyTooLarge:
    """The refusal for a party of PARTY at a time of SEATS seats."""
    return PartyTooLarge(
        f"この時間は1回{seats}人までのため、{party}人では予約できません。人数を減らすか、別の場所を選んでください",
        f"This time seats at most {seats}, so it cannot hold {party} people. "
        "Book fewer people or choose another place.",
    )


def pickup_rules(rules: BookingRules, holding: bool) -> BookingRules | None:
    """The rules for booking a pickup at a venue: the card's holding venue as usual; another venue only under
    the city's transfer rule, from rules.pickup_transfer_days ahead (None: not there)."""
    if holding:
        return rules
    if rules.pickup_transfer_days <= 0:
        return None
    first = max(rules.min_days_ahead, rules.pickup_transfer_days)
    if first > rules.max_days_ahead:
        return None
    return replace(rules, min_days_ahead=first)
