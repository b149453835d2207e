"""Card histories: a first card made on the national curve, renewed at each expiry until a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.domain.cards import CardState, RevokeReason
from demo.synth.issuance import Rules, application_lag, pickup_lag, sample_issue_days
from demo.synth.ledger import NEW, RENEWAL, SOURCES, CardBatch, S, revoke
from demo.synth.sampling import Ints, day, uniform_int

APPLICATIONS_OPENED = day(date(2015, 10, 5))
MAX_RENEWALS = 4
MOVE_BACK_DAYS = 365
RENEWAL_WINDOW_DAYS = 90  # a renewal can be applied for from three months before expiry


@dataclass
class Context:
    """What the card stages need to know about people."""

    rules: Rules
    birth: Ints
    stay_until: Ints  # 在留期間満了日 that caps a card, 0 when the stay does not
    today: int


def collectable(rng: np.random.Generator, issued: Ints, latest: Ints, earliest: Ints) -> tuple[Ints, Ints]:
    """(made, handed over) for cards first drawn as made on `issued` that must have been collected before
    `latest`: one whose pickup delay would run past `latest` was made earlier, on a day spread over up to
    MOVE_BACK_DAYS (not before `earliest`), keeping its delay; one that cannot move was collected on any day
    before `latest`. (Clipping them all to the last day piled thousands of handovers on the day before the
    extract, the day the ledger is migrated.)"""
    pickup = issued + pickup_lag(rng, issued)
    overflow = np.maximum(pickup - (latest - 1), 0)
    room = np.minimum(issued - overflow - earliest, MOVE_BACK_DAYS)
    movable = (overflow > 0) & (room >= 0)
    shift = np.where(movable, overflow + uniform_int(rng, 0, np.maximum(room, 0)), 0)
    stuck = (overflow > 0) & ~movable  # collected some day between its arrival and `latest`
    pickup = np.where(stuck, uniform_int(rng, issued + 3, latest - 1), pickup - shift)
    return issued - shift, np.minimum(pickup, latest - 1)


def handed_over(
    rng: np.random.Generator,
    ctx: Context,
    people: Ints,
    issued: Ints,
    latest: Ints,
    kind: int,
    earliest: Ints | None = None,
) -> CardBatch:
    """Cards made on `issued` (or earlier, not before `earliest`, when there was no time to collect them) and
    handed over before `latest`, with every step's date and the expiry."""
    cards = CardBatch.empty(people)
    n = len(people)
    cards.kind[:] = kind
    issued, pickup = collectable(rng, issued, latest, issued if earliest is None else earliest)
    cards.issued = issued
    lag = application_lag(rng, issued) if kind == NEW else uniform_int(rng, 18, 30, size=n)
    cards.applied = np.maximum(np.maximum(issued - lag, ctx.birth[people] + 3), APPLICATIONS_OPENED)
    cards.applied = np.minimum(cards.applied, issued)
    cards.handed = np.maximum(pickup, issued + 3)
    cards.arrived = np.minimum(issued + uniform_int(rng, 5, 9, size=n), cards.handed)
    cards.preset = np.minimum(cards.arrived + uniform_int(rng, 1, 4, size=n), cards.handed)
    cards.notified = np.minimum(cards.preset + uniform_int(rng, 1, 4, size=n), cards.handed)
    slow = cards.handed - cards.notified > 95
    cards.reminded = np.where(slow, cards.notified + 90 + uniform_int(rng, 0, 5, size=n), 0)
    cards.state[:] = S[CardState.ISSUED]
    cards.expires = ctx.rules.card_expiry(people, issued, cards.applied)
    return cards


def histories(
    rng: np.random.Generator,
    ctx: Context,
    people: Ints,
    low: Ints,
    high: Ints,
    end: Ints,
    renew_share: float = 1.0,
) -> tuple[CardBatch, CardBatch]:
    """(cards replaced by renewal, each person's latest card, in the order of `people`) for people whose
    first card came between `low` and `high`; cards that expire before `end` are renewed (by `renew_share`
    of people each time)."""
    issued = sample_issue_days(rng, low, high)
    current = handed_over(rng, ctx, people, issued, end, NEW, earliest=low)
    replaced: list[CardBatch] = []
    for _ in range(MAX_RENEWALS):
        due = (current.expires < end) & (rng.random(len(current)) < renew_share)
        next_day = current.expires + uniform_int(rng, -55, 60, size=len(current))
        # too late to have been collected by `end`: renewed on any day of its window instead of all on one day
        window = np.maximum(current.handed + 30, current.expires - RENEWAL_WINDOW_DAYS)
        late = next_day > end - 20
        next_day = np.where(late, uniform_int(rng, window, end - 20), next_day)
        next_day = np.minimum(np.maximum(next_day, current.handed + 30), end - 20)
        due &= next_day >= current.handed + 30
        stay = ctx.stay_until[current.person]
        due &= (stay == 0) | (next_day < stay)  # a card cannot be made after the stay ran out
        rows = np.flatnonzero(due)
        if not len(rows):
            break
        old = current.take(rows)
        new = handed_over(rng, ctx, old.person, next_day[rows], end[rows], RENEWAL, earliest=window[rows])
        revoke(old, np.arange(len(old)), RevokeReason.RENEWED, new.handed, 1)
        replaced.append(old)
        current.replace_card(rows, new)
    return (CardBatch.concat(replaced) if replaced else CardBatch.empty(people[:0])), current


def expired_on_end(cards: CardBatch, end: Ints) -> None:
    """Cards whose expiry passed before `end` are in state expired."""
    past = (cards.state == S[CardState.ISSUED]) & (cards.expires < end)
    cards.state[past] = S[CardState.EXPIRED]


def moved_in_cards(cards: CardBatch, resident_since: Ints) -> CardBatch:
    """Cards made before their holder moved here: kept as 転入継続 (city steps unknown) if still in use on
    arrival, dropped if they ended before (another city's history)."""
    before = cards.issued < resident_since[cards.person]
    ended = np.where(cards.revoked > 0, cards.revoked, np.iinfo(np.int64).max)
    gone = before & (ended < resident_since[cards.person])
    kept = cards.take(np.flatnonzero(~gone))
    moved = kept.issued < resident_since[kept.person]
    kept.source = np.where(moved, SOURCES.index("転入継続"), kept.source)
    for name in ("arrived", "preset", "notified", "reminded", "handed", "returned"):
        setattr(kept, name, np.where(moved, 0, getattr(kept, name)))
    return kept
