"""Card ledger rows as arrays, and the finishing touches: ids, 交付通知書 numbers, storage boxes, offices."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from core.domain.cards import CardState, RevokeReason
from demo.synth.sampling import Bools, Ints, to_ymd

STATES: tuple[CardState, ...] = tuple(CardState)
REASONS: tuple[RevokeReason, ...] = tuple(RevokeReason)
KINDS = ("新規", "更新", "再交付")  # 申請区分
SOURCES = ("交付", "転入継続")  # made and handed over here / brought along by a person who moved in
OFFICES = ("本庁", "湘南台")  # 交付窓口
HOLD_REASONS = ("入院", "施設入所", "海外渡航", "本人申出")
S = {state: i for i, state in enumerate(STATES)}
R = {reason: i for i, reason in enumerate(REASONS)}
NEW, RENEWAL, REISSUE = range(3)
_WAITING_HERE = ("arrived", "preset", "notified", "mail_returned", "reserved", "reminded")
CITY_HOLDS = frozenset(S[CardState(s)] for s in _WAITING_HERE)  # cards in the city's boxes


REPLACED_FIELDS = (
    "kind",
    "applied",
    "issued",
    "expires",
    "arrived",
    "preset",
    "notified",
    "reminded",
    "handed",
)


@dataclass
class CardBatch:
    """Cards as parallel arrays: dates are day ordinals (0 = none), codes index the tuples above (-1 none)."""

    person: Ints
    kind: Ints
    source: Ints
    applied: Ints
    issued: Ints
    expires: Ints
    arrived: Ints
    preset: Ints
    notified: Ints
    returned: Ints
    reminded: Ints
    reserved_for: Ints
    handed: Ints
    suspended: Ints
    revoked: Ints
    destroyed: Ints
    state: Ints
    reason: Ints
    hold: Ints
    held_by_city: Ints  # 1 when the city has the physical card after it was revoked

    @classmethod
    def empty(cls, person: Ints) -> CardBatch:
        """Cards of these people with every other field unset."""
        n = len(person)
        values = {f.name: np.zeros(n, dtype=np.int64) for f in fields(cls)}
        values["person"] = np.asarray(person, dtype=np.int64)
        values["reason"] = np.full(n, -1, dtype=np.int64)
        return cls(**values)

    @classmethod
    def concat(cls, batches: list[CardBatch]) -> CardBatch:
        """One batch holding all rows, in the order given."""
        return cls(**{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)})

    def take(self, index: Ints) -> CardBatch:
        """The rows at `index`."""
        return CardBatch(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def replace_card(self, rows: Ints | Bools, new: CardBatch) -> None:
        """Put the card life of NEW (kind, dates up to the handover) in place of these rows' current card."""
        for name in REPLACED_FIELDS:
            getattr(self, name)[rows] = getattr(new, name)

    def __len__(self) -> int:
        return len(self.person)


def revoke(cards: CardBatch, rows: Ints, reason: RevokeReason, on: Ints, held: Ints | int) -> None:
    """Mark rows revoked for `reason` on `on`; `held` says whether the city has the card."""
    cards.state[rows] = S[CardState.REVOKED]
    cards.reason[rows] = R[reason]
    cards.revoked[rows] = on
    cards.held_by_city[rows] = held


def destroy_old(rng: np.random.Generator, cards: CardBatch, today: int) -> None:
    """Revoked cards the city holds are destroyed one to four months later (those not yet stay revoked)."""
    held = np.flatnonzero((cards.state == S[CardState.REVOKED]) & (cards.held_by_city == 1))
    when = cards.revoked[held] + rng.integers(30, 121, size=len(held))
    done = held[when < today]
    cards.destroyed[done] = when[when < today]
    cards.state[done] = S[CardState.DESTROYED]


@dataclass
class Finish:
    """Per card: id, notice number, office, storage box and slot."""

    card_id: list[str]
    notice_no: list[str]
    office: Ints
    box: list[str]
    slot: Ints


def finish(rng: np.random.Generator, cards: CardBatch, north: Ints) -> Finish:
    """Sort-stable numbering: ids by production day, notices by notice day, boxes by arrival."""
    n = len(cards)
    order = np.lexsort((cards.person, cards.issued))
    card_id = np.empty(n, dtype=np.int64)
    card_id[order] = 1 + np.cumsum(rng.integers(1, 4, size=n))
    office = north[cards.person]
    notice = _notice_numbers(cards, office)
    box, slot = _storage(cards)
    return Finish([f"{c:010d}" for c in card_id.tolist()], notice, office, box, slot)


_MONTH_CODE = "123456789XYZ"


def _notice_numbers(cards: CardBatch, office: Ints) -> list[str]:
    """`<year letter><month><office>-<serial>`: A = 2016; serial counts notices of that month and office."""
    out = [""] * len(cards)
    rows = np.flatnonzero(cards.notified > 0)
    years, months, _ = to_ymd(cards.notified[rows])
    group = (years * 12 + months) * 2 + office[rows]
    order = rows[np.lexsort((cards.person[rows], cards.notified[rows], group))]
    sorted_group = np.sort(group)
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    serial = np.arange(len(rows)) - starts + 1
    y, m, _ = to_ymd(cards.notified[order])
    for i, yy, mm, s in zip(order.tolist(), y.tolist(), m.tolist(), serial.tolist(), strict=True):
        letter = chr(ord("A") + (yy - 2016) % 26)
        out[i] = f"{letter}{_MONTH_CODE[mm - 1]}{'HS'[office[i]]}-{s:06d}"
    return out


def _storage(cards: CardBatch) -> tuple[list[str], Ints]:
    """Box and slot: "B-<year>-<box>" by order of arrival for cards waiting at the city, "H-<year>-<box>" by
    order of revocation for revoked cards held until destruction; 100 slots a box."""
    n = len(cards)
    box = [""] * n
    slot = np.zeros(n, dtype=np.int64)
    waiting = np.isin(cards.state, list(CITY_HOLDS))
    revoked_held = (cards.state == S[CardState.REVOKED]) & (cards.held_by_city == 1)
    for prefix, counted, shown, key in (
        ("B", cards.arrived > 0, waiting, cards.arrived),
        ("H", (cards.held_by_city == 1) & (cards.revoked > 0), revoked_held, cards.revoked),
    ):
        rows = np.flatnonzero(counted)
        years = to_ymd(key[rows])[0]
        order = np.lexsort((cards.person[rows], key[rows], years))
        sorted_years = years[order]
        rank = np.arange(len(rows)) - np.searchsorted(sorted_years, sorted_years, side="left")
        for r, y, k in zip(rows[order].tolist(), sorted_years.tolist(), rank.tolist(), strict=True):
            if shown[r]:
                box[r] = f"{prefix}-{y}-{k // 100 + 1:04d}"
                slot[r] = k % 100 + 1
    return box, slot


def holding(cards: CardBatch, n_people: int, left_with_card: Bools, today: int) -> tuple[Ints, Ints]:
    """Per person: the register's 個人番号カード (0 なし, 1 保有, 2 廃止) and the day it last changed."""
    in_use = np.isin(cards.state, [S[CardState.ISSUED], S[CardState.SUSPENDED]])
    had = (cards.handed > 0) | (cards.source == SOURCES.index("転入継続"))
    status = np.zeros(n_people, dtype=np.int64)
    np.maximum.at(status, cards.person[had], 2)
    status[cards.person[in_use]] = 1
    status[left_with_card] = 1
    expired = cards.state == S[CardState.EXPIRED]
    lapsed = np.where(expired, np.minimum(cards.expires + 1, today - 1), 0)  # the night batch marks it
    changed = np.maximum.reduce([cards.handed, cards.revoked, lapsed])
    changed = np.where(had, changed, 0)
    last = np.zeros(n_people, dtype=np.int64)
    np.maximum.at(last, cards.person, changed)
    return status, last
