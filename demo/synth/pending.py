"""Cards not yet handed over: a timeline from 申請 to the state a card is in on a given day.

The state is chosen first (so every pre-issue state shows up even in a small sample), then the timeline is
laid backwards from that day. A card whose application could not be that old (a newborn, a recent renewal
window) falls back to an earlier state.
"""

from __future__ import annotations

import numpy as np

from core.domain.cards import CardState
from demo.synth.ledger import CardBatch, S
from demo.synth.sampling import Ints, exact_counts, uniform_int

PENDING: tuple[CardState, ...] = (
    CardState.PRODUCED,
    CardState.ARRIVED,
    CardState.PRESET,
    CardState.NOTIFIED,
    CardState.MAIL_RETURNED,
    CardState.RESERVED,
    CardState.REMINDED,
)
SHARES = (0.10, 0.08, 0.06, 0.42, 0.04, 0.18, 0.12)
LONGEST_WAIT = 600  # days from application to today that every state fits in (notice + 520 days)
_NOTICE_STATES = frozenset(S[s] for s in PENDING[3:])


def intended_states(rng: np.random.Generator, n: int, *, exact: bool) -> Ints:
    """States for `n` waiting cards: exact shares with at least one of each, or drawn at random."""
    codes = np.array([S[s] for s in PENDING])
    if exact:
        return rng.permutation(np.repeat(codes, exact_counts(n, SHARES, minimum=1)))
    return rng.choice(codes, size=n, p=np.array(SHARES))


def days_since_notice(rng: np.random.Generator, state: Ints) -> Ints:
    """How long ago the first 交付通知書 went out, by state (some notices are old, past the reminder day)."""
    n = len(state)
    late = rng.random(n)
    notified = np.where(late < 0.8, uniform_int(rng, 1, 89, size=n), uniform_int(rng, 90, 420, size=n))
    reserved = np.where(late < 0.75, uniform_int(rng, 3, 89, size=n), uniform_int(rng, 100, 300, size=n))
    return np.select(
        [state == S[CardState.MAIL_RETURNED], state == S[CardState.RESERVED], state == S[CardState.REMINDED]],
        [uniform_int(rng, 14, 200, size=n), reserved, uniform_int(rng, 95, 520, size=n)],
        notified,
    )


def timeline(
    rng: np.random.Generator, cards: CardBatch, state: Ints, reference: Ints, earliest_application: Ints
) -> CardBatch:
    """Fill the dates of waiting cards so that on `reference` each is in `state` (or an earlier one).

    Returns the cards that could be placed; a card whose application would fall before
    `earliest_application` even as a fresh J-LIS product is dropped.
    """
    n = len(cards)
    lag_p, lag_a = uniform_int(rng, 20, 40, size=n), uniform_int(rng, 5, 9, size=n)
    lag_s, lag_n = uniform_int(rng, 1, 4, size=n), uniform_int(rng, 1, 4, size=n)
    to_notice = lag_p + lag_a + lag_s + lag_n
    since_notice = days_since_notice(rng, state)
    before_notice = np.select(
        [state == S[CardState.PRODUCED], state == S[CardState.ARRIVED], state == S[CardState.PRESET]],
        [
            uniform_int(rng, lag_p + 1, lag_p + lag_a),
            uniform_int(rng, lag_p + lag_a + 1, lag_p + lag_a + lag_s),
            uniform_int(rng, lag_p + lag_a + lag_s + 1, to_notice),
        ],
        to_notice + since_notice,
    )
    cap = reference - earliest_application
    too_old = before_notice > cap
    # Fall back: a notice as old as allowed, else a card J-LIS has just made.
    notice_fits = too_old & (cap - to_notice >= 1)
    state = np.where(notice_fits, S[CardState.NOTIFIED], state)
    since_notice = np.where(notice_fits, cap - to_notice, since_notice)
    before_notice = np.where(notice_fits, cap, before_notice)
    fresh = too_old & ~notice_fits
    lag_p = np.where(fresh, np.minimum(lag_p, cap - 1), lag_p)
    state = np.where(fresh, S[CardState.PRODUCED], state)
    before_notice = np.where(fresh, np.minimum(lag_p + 1, cap), before_notice)
    placeable = ~fresh | (lag_p >= 14)

    applied = reference - before_notice
    cards.state = state
    cards.applied = applied
    cards.issued = applied + lag_p
    step = np.array([S[s] for s in PENDING])
    rank = np.searchsorted(step, state)  # PENDING is in CardState order
    cards.arrived = np.where(rank >= 1, cards.issued + lag_a, 0)
    cards.preset = np.where(rank >= 2, cards.arrived + lag_s, 0)
    noticed = np.isin(state, list(_NOTICE_STATES))
    cards.notified = np.where(noticed, cards.preset + lag_n, 0)
    _after_notice(rng, cards, state, since_notice, reference)
    return cards.take(np.flatnonzero(placeable))


def _after_notice(
    rng: np.random.Generator, cards: CardBatch, state: Ints, since_notice: Ints, reference: Ints
) -> None:
    n = len(cards)
    returned = state == S[CardState.MAIL_RETURNED]
    cards.returned = np.where(returned, cards.notified + uniform_int(rng, 5, 12, size=n), 0)
    reminder_room = np.maximum(since_notice - 91, 0)
    reminder = cards.notified + 90 + uniform_int(rng, 0, np.minimum(14, reminder_room), size=n)
    reminded = (state == S[CardState.REMINDED]) | ((state == S[CardState.RESERVED]) & (since_notice > 95))
    cards.reminded = np.where(reminded, reminder, 0)
    booked = state == S[CardState.RESERVED]
    cards.reserved_for = np.where(booked, reference + uniform_int(rng, 1, 45, size=n), 0)
    old_notice = (state == S[CardState.NOTIFIED]) & (since_notice >= 60)
    cards.hold = (
        ((state == S[CardState.REMINDED]) & (rng.random(n) < 0.15)) | (old_notice & (rng.random(n) < 0.05))
    ).astype(np.int64)
