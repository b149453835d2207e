"""Card histories: a first card made on the national curve, renewed at each expiry until a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.domain.cards import CardState, RevokeReason
from etl.synth.issuance import Rules, application_lag, pickup_lag, sample_issue_days
from etl.synth.ledger import NEW, RENEWAL, SOURCES, CardBatch, S, revoke
from etl.synth.sampling import Ints, day, uniform_int

APPLICATIONS_OPENED = day(date(2015, 10, 5))
MAX_RENEWALS = 4


@dataclass
class Context:
    """What the card stages need to know about people."""

    rules: Rules
    birth: Ints
    stay_until: Ints  # 在留期間満了日 that caps a card, 0 when the stay does not
    today: int


def handed_over(
    rng: np.random.Generator, ctx: Context, people: Ints, issued: Ints, latest: Ints, kind: int
) -> CardBatch:
    """Cards made on `issued` and handed over before `latest`, with every step's date and the expiry."""
    cards = CardBatch.empty(people)
    n = len(people)
    cards.kind[:] = kind
    cards.issued = issued
    lag = application_lag(rng, issued) if kind == NEW else uniform_int(rng, 18, 30, size=n)
    cards.applied = np.maximum(np.maximum(issued - lag, ctx.birth[people] + 3), APPLICATIONS_OPENED)
    cards.applied = np.minimum(cards.applied, issued)
    pickup = np.minimum(issued + pickup_lag(rng, issued), latest - 1)
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
    current = handed_over(rng, ctx, people, issued, end, NEW)
    replaced: list[CardBatch] = []
    for _ in range(MAX_RENEWALS):
        due = (current.expires < end) & (rng.random(len(current)) < renew_share)
        next_day = current.expires + uniform_int(rng, -55, 60, size=len(current))
        next_day = np.minimum(np.maximum(next_day, current.handed + 30), end - 20)
        due &= next_day >= current.handed + 30
        stay = ctx.stay_until[current.person]
        due &= (stay == 0) | (next_day < stay)  # a card cannot be made after the stay ran out
        rows = np.flatnonzero(due)
        if not len(rows):
            break
        old = current.take(rows)
        new = handed_over(rng, ctx, old.person, next_day[rows], end[rows], RENEWAL)
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
