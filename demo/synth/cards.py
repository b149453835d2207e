"""The card ledger of the city's current system: who holds a card, who is waiting, and every past card.

Counts at scale 1.0 (assumptions where the facts page is silent): 359,679 cards in use, held more by the
middle-aged than by toddlers and the very old; a few thousand cards waiting at the city in every pre-issue
state; the cards of people removed in the last 400 days ended the way the spec says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.domain.cards import CardState, RevokeReason
from core.domain.undelivered import disposal_due_on
from demo.synth import pending
from demo.synth.chains import (
    APPLICATIONS_OPENED,
    Context,
    expired_on_end,
    handed_over,
    histories,
    moved_in_cards,
)
from demo.synth.foreign import Foreigners, long_term
from demo.synth.issuance import issue_window, sample_issue_days
from demo.synth.ledger import NEW, REISSUE, RENEWAL, CardBatch, S, destroy_old, revoke
from demo.synth.moves import Moves
from demo.synth.population import Population
from demo.synth.removed import Removed
from demo.synth.sampling import Bools, Ints, day, pick_weighted, uniform_int

HELD_CARDS = 359_679  # cards in use, city figure for 443,283 residents
# Relative chance of holding a card by age (national, mid-2023: 0-4 about 54%, 75-79 about 82%, 80+ 65%).
_HOLDING = (
    (0, 0.30), (1, 0.50), (2, 0.58), (3, 0.62), (4, 0.65), (5, 0.72), (10, 0.76), (15, 0.78), (20, 0.76),
    (25, 0.78), (30, 0.82), (40, 0.85), (60, 0.87), (65, 0.88), (70, 0.87), (75, 0.82), (80, 0.74),
    (85, 0.63), (90, 0.52), (95, 0.40), (110, 0.35),
)  # fmt: skip
_FOREIGN_FACTOR = 0.65
# Residents per category, as shares of residents (assumptions).
_SUSPENDED, _EXPIRED, _SURRENDERED, _LOST, _UNCOLLECTED, _WITHDRAWN = (
    0.0008,
    0.006,
    0.003,
    0.0004,
    0.0015,
    0.0002,
)
_WAITING_FIRST = 2_600  # first cards waiting at scale 1.0
_PAST_LOSS = 0.01  # holders whose earlier card was lost or damaged and reissued


@dataclass
class People:
    """Per-person facts for the card stages."""

    ctx: Context
    weight: np.ndarray
    low: Ints
    high: Ints
    end: Ints
    earliest_application: Ints
    resident_since: Ints


def build(
    rng: np.random.Generator,
    pop: Population,
    removed: Removed,
    foreigners: Foreigners,
    moves: Moves,
    ctx: Context,
    unknown_birth: Ints,
    scale: float,
) -> tuple[CardBatch, Bools]:
    """All cards of the ledger, and per person whether they hold a card that left with them (moved out)."""
    people = _people(pop, foreigners, moves, ctx, unknown_birth)
    batches: list[CardBatch] = []
    taken = np.zeros(pop.size, dtype=np.bool_)
    resident = pop.status == 1
    n_res = int(resident.sum())

    def pick(k: int, extra: Bools | None = None) -> Ints:
        w = np.where(resident & ~taken & (extra if extra is not None else True), people.weight, 0.0)
        chosen = pick_weighted(rng, w, k)
        taken[chosen] = True
        return chosen

    held = pick(round(HELD_CARDS * scale) + _at_least(_SUSPENDED * n_res))
    batches += _holders(rng, people, held, _at_least(_SUSPENDED * n_res))
    batches += _surrendered(rng, people, pick(_at_least(_SURRENDERED * n_res), people.low <= ctx.today - 120))
    batches += _lost(rng, people, pick(_at_least(_LOST * n_res), people.low <= ctx.today - 200))
    batches += _expired(rng, people, pick(3 * round(_EXPIRED * n_res)), round(_EXPIRED * n_res))
    # First cards get exact state counts: only people who could have applied long enough ago for any state.
    settled = people.earliest_application <= ctx.today - pending.LONGEST_WAIT
    first = pick(max(len(pending.PENDING), round(_WAITING_FIRST * scale)), settled)
    batches.append(_waiting(rng, people, first, people.earliest_application[first], NEW, exact=True))
    batches.append(
        _uncollected(rng, people, pick(_at_least(_UNCOLLECTED * n_res), pop.age_on(ctx.today) >= 3))
    )
    batches.append(_withdrawn(rng, people, pick(_at_least(_WITHDRAWN * n_res))))
    removed_batches, left_with_card = _removed(rng, people, pop, removed)
    batches += removed_batches
    cards = moved_in_cards(CardBatch.concat([b for b in batches if len(b)]), people.resident_since)
    destroy_old(rng, cards, ctx.today)
    return cards, left_with_card


def _at_least(value: float) -> int:
    return max(1, round(value))


def _people(
    pop: Population, foreigners: Foreigners, moves: Moves, ctx: Context, unknown_birth: Ints
) -> People:
    end = np.where(pop.status == 1, ctx.today, pop.removed_on)
    low, high = issue_window(pop, foreigners, moves.resident_since, moves.came_from_abroad, end)
    age = pop.age_on(ctx.today)
    weight = np.interp(age, [a for a, _ in _HOLDING], [r for _, r in _HOLDING])
    weight = np.where(pop.foreign, weight * _FOREIGN_FACTOR, weight)
    weight = np.where((unknown_birth == 0) & (low <= high), weight, 0.0)
    bounded = pop.foreign & ~long_term(foreigners.status)
    earliest = np.maximum.reduce(
        [
            pop.birth + 7,
            np.full(pop.size, APPLICATIONS_OPENED),
            moves.resident_since,
            np.where(bounded, foreigners.granted_on, 0),
        ]
    )
    return People(ctx, weight, low, high, end, earliest, moves.resident_since)


def _holders(rng: np.random.Generator, people: People, held: Ints, suspended: int) -> list[CardBatch]:
    """Cards in use: renewed as they expired, some replaced after a loss, a few suspended right now."""
    ctx = people.ctx
    replaced, current = histories(rng, ctx, held, people.low[held], people.high[held], people.end[held])
    out = [replaced]
    lost_before = np.flatnonzero((rng.random(len(current)) < _PAST_LOSS) & (current.handed < ctx.today - 150))
    if len(lost_before):
        old = current.take(lost_before)
        loss = uniform_int(rng, old.handed + 60, ctx.today - 90)
        new = handed_over(
            rng,
            ctx,
            old.person,
            loss + uniform_int(rng, 15, 40, size=len(old)),
            people.end[old.person],
            REISSUE,
            earliest=loss + 1,
        )
        new.applied = np.minimum(np.maximum(new.applied, loss), new.issued)
        damaged = rng.random(len(old)) < 0.3
        _lose(rng, old, np.flatnonzero(~damaged), loss)
        revoke(old, np.flatnonzero(damaged), RevokeReason.REISSUED, new.handed[damaged], 1)
        out.append(old)
        current.replace_card(lost_before, new)
    in_use_a_while = np.flatnonzero(current.handed < ctx.today - 21)
    lost_now = rng.choice(in_use_a_while, size=min(suspended, len(in_use_a_while)), replace=False)
    current.state[lost_now] = S[CardState.SUSPENDED]
    current.suspended[lost_now] = ctx.today - uniform_int(rng, 1, 20, size=len(lost_now))
    out.append(current)
    renewing = (current.expires <= ctx.today + 60) & (rng.random(len(current)) < 0.35)
    who = current.person[renewing]
    window = np.maximum(current.expires[renewing] - 89, people.earliest_application[who])
    out.append(_waiting(rng, people, who, window, RENEWAL, exact=False))
    return out


def _lose(rng: np.random.Generator, cards: CardBatch, rows: Ints, loss: Ints) -> None:
    cards.state[rows] = S[CardState.SUSPENDED]
    cards.suspended[rows] = loss[rows]
    revoke(cards, rows, RevokeReason.LOST, loss[rows] + uniform_int(rng, 0, 7, size=len(rows)), 0)


def _surrendered(rng: np.random.Generator, people: People, who: Ints) -> list[CardBatch]:
    """Cards given back (返納): the city keeps them until destruction."""
    ctx = people.ctx
    replaced, current = histories(rng, ctx, who, people.low[who], people.high[who], people.end[who])
    returned = np.minimum(uniform_int(rng, current.handed + 30, ctx.today - 1), ctx.today - 1)
    revoke(current, np.arange(len(current)), RevokeReason.SURRENDERED, returned, 1)
    return [replaced, current]


def _lost(rng: np.random.Generator, people: People, who: Ints) -> list[CardBatch]:
    """Cards lost lately: suspended, revoked, and a new card on its way."""
    ctx = people.ctx
    replaced, current = histories(
        rng, ctx, who, people.low[who], np.minimum(people.high[who], ctx.today - 150), people.end[who] - 60
    )  # in use for two months at least, and still valid when lost
    latest = np.minimum(current.expires, ctx.today - 2)
    loss = np.clip(ctx.today - uniform_int(rng, 25, 120, size=len(current)), current.handed + 1, latest)
    _lose(rng, current, np.arange(len(current)), loss)
    after = np.maximum(current.revoked, people.earliest_application[current.person])
    return [replaced, current, _waiting(rng, people, current.person, after, REISSUE, exact=False)]


def _expired(rng: np.random.Generator, people: People, candidates: Ints, wanted: int) -> list[CardBatch]:
    """Cards that ran out and were not renewed (yet); some renewals are on their way."""
    ctx = people.ctx
    high = np.minimum(people.high[candidates], ctx.today - 4 * 365)
    fits = people.low[candidates] <= high
    who, high = candidates[fits], high[fits]
    cards = handed_over(rng, ctx, who, sample_issue_days(rng, people.low[who], high), people.end[who], NEW)
    ran_out = np.flatnonzero(cards.expires < ctx.today - 1)[:wanted]
    cards = cards.take(ran_out)
    expired_on_end(cards, np.full(len(cards), ctx.today))
    renewing = rng.random(len(cards)) < 0.3
    window = np.maximum(cards.expires[renewing] - 89, people.earliest_application[cards.person[renewing]])
    return [cards, _waiting(rng, people, cards.person[renewing], window, RENEWAL, exact=False)]


def _waiting(
    rng: np.random.Generator, people: People, who: Ints, earliest: Ints, kind: int, *, exact: bool
) -> CardBatch:
    """Cards waiting at the city (or just made) today."""
    cards = CardBatch.empty(who)
    cards.kind[:] = kind
    state = pending.intended_states(rng, len(who), exact=exact)
    reference = np.full(len(who), people.ctx.today)
    cards = pending.timeline(rng, cards, state, reference, earliest)
    cards.expires = people.ctx.rules.card_expiry(cards.person, cards.issued, cards.applied)
    return cards


def _uncollected(rng: np.random.Generator, people: People, who: Ints) -> CardBatch:
    """Cards never collected: reminded, then disposed of (未交付廃棄) once the MynaDesk rule said so."""
    ctx = people.ctx
    earliest_notice = np.maximum(people.earliest_application[who] + 60, day(date(2016, 3, 1)))
    fits = earliest_notice <= ctx.today - 420
    who = who[fits]
    cards = CardBatch.empty(who)
    n = len(who)
    cards.notified = uniform_int(rng, earliest_notice[fits], ctx.today - 420)
    cards.preset = cards.notified - uniform_int(rng, 1, 4, size=n)
    cards.arrived = cards.preset - uniform_int(rng, 1, 4, size=n)
    cards.issued = cards.arrived - uniform_int(rng, 5, 9, size=n)
    cards.applied = np.maximum(
        cards.issued - uniform_int(rng, 20, 45, size=n), people.earliest_application[who]
    )
    cards.reminded = cards.notified + 90 + uniform_int(rng, 0, 14, size=n)
    due = np.array(
        [_disposal_day(a, b) for a, b in zip(cards.notified.tolist(), cards.reminded.tolist(), strict=True)]
    )
    cards.expires = ctx.rules.card_expiry(who, cards.issued, cards.applied)
    revoke(
        cards,
        np.arange(n),
        RevokeReason.UNCOLLECTED,
        np.minimum(due + uniform_int(rng, 0, 45, size=n), ctx.today - 1),
        1,
    )
    return cards


def _disposal_day(notified: int, reminded: int) -> int:
    due = disposal_due_on(date.fromordinal(notified), date.fromordinal(reminded), on_hold=False)
    assert due is not None  # not on hold and reminded: the rule gives a day
    return due.toordinal()


def _withdrawn(rng: np.random.Generator, people: People, who: Ints) -> CardBatch:
    """Applications withdrawn before pickup (申請取下げ)."""
    ctx = people.ctx
    cards = CardBatch.empty(who)
    back = ctx.today - uniform_int(rng, 30, 900, size=len(who))
    state = pending.intended_states(rng, len(who), exact=False)
    cards = pending.timeline(rng, cards, state, back, people.earliest_application[who])
    cards.expires = ctx.rules.card_expiry(cards.person, cards.issued, cards.applied)
    on = back[np.searchsorted(who, cards.person)]
    revoke(cards, np.arange(len(cards)), RevokeReason.APPLICATION_WITHDRAWN, on, 1)
    _clear_after_revocation(cards)
    return cards


def _clear_after_revocation(cards: CardBatch) -> None:
    cards.reserved_for[:] = 0  # the booking went with the card
    cards.hold[:] = 0


def _removed(
    rng: np.random.Generator, people: People, pop: Population, removed: Removed
) -> tuple[list[CardBatch], Bools]:
    """Cards of people who left: ended for death, abroad, ex officio; a card in use went along on a move."""
    ctx = people.ctx
    out: list[CardBatch] = []
    left_with_card = np.zeros(pop.size, dtype=np.bool_)
    coin = rng.random(pop.size)
    for code, reason, held_share in (
        (3, RevokeReason.DEATH, 0.5),
        (2, RevokeReason.MOVED_ABROAD, 0.8),
        (4, RevokeReason.REMOVED_EX_OFFICIO, 0.0),
        (1, None, 0.0),
    ):
        group = removed.reason == code
        holds = group & (coin < people.weight)
        if reason is None:  # 国内転出: the card in use leaves the city's ledger with its holder
            left_with_card |= holds
        else:
            who = np.flatnonzero(holds)
            replaced, current = histories(
                rng, ctx, who, people.low[who], people.high[who], people.end[who], 0.85
            )
            lag = uniform_int(rng, 3, 20, size=len(who)) if code == 3 else 0
            on = np.minimum(people.end[who] + lag, ctx.today - 1)
            revoke(
                current, np.arange(len(who)), reason, on, (rng.random(len(who)) < held_share).astype(np.int64)
            )
            out += [replaced, current]
        waiting = group & ~holds & (people.weight > 0) & (coin > 0.96)
        if code == 4:  # only a foreign resident's card can end this way before pickup: the stay ran out
            waiting &= pop.foreign
        out.append(_waiting_when_removed(rng, people, np.flatnonzero(waiting), _PRE_ISSUE_REASON[code]))
    return out, left_with_card


_PRE_ISSUE_REASON = {
    1: RevokeReason.MOVED_OUT_BEFORE_PICKUP,
    2: RevokeReason.MOVED_OUT_BEFORE_PICKUP,
    3: RevokeReason.DEATH,
    4: RevokeReason.STAY_ENDED,
}


def _waiting_when_removed(
    rng: np.random.Generator, people: People, who: Ints, reason: RevokeReason
) -> CardBatch:
    """A card still waiting when its applicant left, revoked the way the spec says."""
    ctx = people.ctx
    cards = CardBatch.empty(who)
    state = pending.intended_states(rng, len(who), exact=False)
    stay = ctx.stay_until[who]
    reference = np.where(
        stay > 0, np.minimum(people.end[who], stay - 1), people.end[who]
    )  # waiting as the stay ran out
    cards = pending.timeline(rng, cards, state, reference, people.earliest_application[who])
    cards.expires = ctx.rules.card_expiry(cards.person, cards.issued, cards.applied)
    on = np.minimum(people.end[cards.person] + uniform_int(rng, 0, 10, size=len(cards)), ctx.today - 1)
    revoke(cards, np.arange(len(cards)), reason, on, 1)
    _clear_after_revocation(cards)
    return cards
