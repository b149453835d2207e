"""The two electronic certificates on each card: when issued, when they expire, what state they are in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.domain.cards import CardState, CertificateState
from demo.synth.chains import Context
from demo.synth.ledger import SOURCES, CardBatch, S
from demo.synth.sampling import Bools, Ints, uniform_int

CERT_STATES: tuple[CertificateState, ...] = tuple(CertificateState)
C = {state: i for i, state in enumerate(CERT_STATES)}
RENEWED_SHARE = 0.85  # certificates renewed after their 5 years while the card runs on (assumption)
SIGNATURE_OPT_OUT = 0.04
RESIGNED_SHARE = 0.45  # after a 転居 / 氏名変更, share who had a new 署名用 issued at the counter
_IN_USE = (
    S[CardState.ISSUED],
    S[CardState.SUSPENDED],
    S[CardState.EXPIRED],
    S[CardState.REVOKED],
    S[CardState.DESTROYED],
)


@dataclass
class Certificates:
    """Per card: state (index into CERT_STATES), issue day and expiry day of each certificate (0 = none)."""

    user_state: Ints
    user_issued: Ints
    user_expires: Ints
    sign_state: Ints
    sign_issued: Ints
    sign_expires: Ints


def build(
    rng: np.random.Generator, ctx: Context, cards: CardBatch, identity_change_on: Ints, resident_since: Ints
) -> Certificates:
    """Certificates of every card that was ever in someone's hands (none for cards still waiting).

    A 転居 or 氏名変更 after issue revokes the 署名用 unless a new one was issued at the counter; so does
    moving into the city with a card made elsewhere (a new address).
    """
    n = len(cards)
    used = np.isin(cards.state, _IN_USE) & ((cards.handed > 0) | (cards.source == SOURCES.index("転入継続")))
    rows = np.flatnonzero(used)
    person, issued, expires = cards.person[rows], cards.issued[rows], cards.expires[rows]
    end = _end_of_use(cards, rows, ctx.today)
    user_issued, user_expires, renewal = _user(rng, ctx, person, issued, expires, end)
    signs = ctx.rules.signature_by_default(person, issued) & (rng.random(len(rows)) > SIGNATURE_OPT_OUT)
    sign_issued = np.where(signs, user_issued, 0)
    sign_expires = np.zeros(len(rows), dtype=np.int64)
    s_rows = np.flatnonzero(signs)
    sign_expires[s_rows] = ctx.rules.signature_expiry(
        person[s_rows], sign_issued[s_rows], expires[s_rows], user_expires[s_rows], renewal[s_rows]
    )
    moved_in = cards.source[rows] == SOURCES.index("転入継続")
    changed = np.maximum(identity_change_on[person], np.where(moved_in, resident_since[person], 0))
    struck = signs & (changed > sign_issued) & (changed < end) & (changed < sign_expires)
    resigned = struck & (rng.random(len(rows)) < RESIGNED_SHARE)
    again = np.minimum(changed + uniform_int(rng, 0, 14, size=len(rows)), np.minimum(end, expires) - 1)
    resigned &= (again > changed) & (again < user_expires)  # a new 署名用 needs a valid 利用者証明用
    r_rows = np.flatnonzero(resigned)
    sign_issued[r_rows] = again[r_rows]
    sign_expires[r_rows] = ctx.rules.signature_expiry(
        person[r_rows],
        again[r_rows],
        expires[r_rows],
        user_expires[r_rows],
        np.zeros(len(r_rows), dtype=np.bool_),
    )
    state = cards.state[rows]
    out = Certificates(*(np.zeros(n, dtype=np.int64) for _ in range(6)))
    out.user_state[rows] = _state(state, user_expires, end, ctx.today)
    out.user_issued[rows], out.user_expires[rows] = user_issued, user_expires
    sign_state = np.where(signs, _state(state, sign_expires, end, ctx.today), C[CertificateState.NONE])
    out.sign_state[rows] = np.where(struck & ~resigned, C[CertificateState.REVOKED], sign_state)
    out.sign_issued[rows], out.sign_expires[rows] = sign_issued, sign_expires
    return out


def _end_of_use(cards: CardBatch, rows: Ints, today: int) -> Ints:
    """Last day the card was in use: revocation, suspension, expiry, or today."""
    end = np.full(len(rows), today, dtype=np.int64)
    end = np.where(cards.suspended[rows] > 0, cards.suspended[rows], end)
    end = np.where(cards.revoked[rows] > 0, np.minimum(end, cards.revoked[rows]), end)
    return np.minimum(end, cards.expires[rows] + 1)


def _user(
    rng: np.random.Generator, ctx: Context, person: Ints, issued: Ints, expires: Ints, end: Ints
) -> tuple[Ints, Ints, Bools]:
    """利用者証明用: 5th birthday after issue; most renew it when it runs out while the card goes on."""
    first = ctx.rules.user_expiry(person, issued, expires, np.zeros(len(person), dtype=np.bool_))
    lapsed = (first < expires) & (first < end - 1) & (rng.random(len(person)) < RENEWED_SHARE)
    renewed_on = np.minimum(
        first + uniform_int(rng, -85, 150, size=len(person)), np.minimum(end, expires) - 1
    )
    renewed_on = np.maximum(renewed_on, issued + 30)
    lapsed &= renewed_on < np.minimum(end, expires)
    in_window = (renewed_on <= first) & (renewed_on >= first - 89)
    rows = np.flatnonzero(lapsed)
    user_issued, user_expires = issued.copy(), first.copy()
    user_issued[rows] = renewed_on[rows]
    user_expires[rows] = ctx.rules.user_expiry(person[rows], renewed_on[rows], expires[rows], in_window[rows])
    return user_issued, user_expires, lapsed & in_window


def _state(card_state: Ints, cert_expires: Ints, end: Ints, today: int) -> Ints:
    """Valid / expired while the card is in use; suspended with it; revoked with it unless already run out."""
    ran_out = cert_expires < np.minimum(end, today)
    return np.select(
        [
            ran_out,
            card_state == S[CardState.ISSUED],
            card_state == S[CardState.SUSPENDED],
            card_state == S[CardState.EXPIRED],
        ],
        [
            C[CertificateState.EXPIRED],
            C[CertificateState.VALID],
            C[CertificateState.SUSPENDED],
            C[CertificateState.EXPIRED],
        ],
        C[CertificateState.REVOKED],
    )
