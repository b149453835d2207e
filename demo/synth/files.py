"""The two files' columns, as text, in file order: the resident extract and the card ledger export."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.domain.register import COLUMNS, ERAS
from demo.synth import dates
from demo.synth import foreign_data as fd
from demo.synth import templates as tp
from demo.synth.certificates import CERT_STATES, Certificates
from demo.synth.dates import DateText
from demo.synth.foreign import Foreigners
from demo.synth.geography import Addresses
from demo.synth.ledger import HOLD_REASONS, KINDS, OFFICES, REASONS, SOURCES, STATES, CardBatch, Finish
from demo.synth.moves import CODES, Moves
from demo.synth.names import Names
from demo.synth.population import Population
from demo.synth.sampling import Ints, uniform_int

LEDGER_COLUMNS: tuple[str, ...] = (
    "card_id", "atena_no", "juminhyo_code", "application_kind", "source", "state", "revoke_reason",
    "applied_on", "issued_on", "expires_on", "arrived_on", "preset_on", "notice_no", "notified_on",
    "notice_returned_on", "reminded_on", "reserved_for", "handed_over_on", "suspended_on", "revoked_on",
    "destroyed_on", "office", "storage_box", "storage_slot", "hold", "hold_reason",
    "user_cert_state", "user_cert_issued_on", "user_cert_expires_on",
    "sign_cert_state", "sign_cert_issued_on", "sign_cert_expires_on", "updated_at",
)  # fmt: skip
HEISEI_FIRST_DAY = ERAS[3].first_day.toordinal()


@dataclass
class Register:
    """Everything the resident extract shows, per person."""

    pop: Population
    foreigners: Foreigners
    moves: Moves
    names: Names
    addresses: Addresses
    juminhyo: list[str]
    unknown_birth: Ints
    card_status: Ints
    card_changed_on: Ints


def register_columns(rng: np.random.Generator, reg: Register, text: DateText) -> tuple[Ints, list[list[str]]]:
    """(file order of people, the extract's columns as text in COLUMNS order)."""
    pop, mv, ad, fo = reg.pop, reg.moves, reg.addresses, reg.foreigners
    order = np.lexsort((pop.order, mv.household_no[pop.hh]))
    hh = pop.hh[order]
    birth_style = dates.mixed_styles(rng, pop.birth, 0.06, 0.18, HEISEI_FIRST_DAY)
    births = text.column(pop.birth, birth_style)
    partial = np.flatnonzero(reg.unknown_birth > 0)
    for i, value in zip(
        partial.tolist(),
        dates.partial(pop.birth[partial], reg.unknown_birth[partial], birth_style[partial]),
        strict=True,
    ):
        births[i] = value
    foreign = pop.foreign
    stay = text.column(fo.expires_on, dates.mixed_styles(rng, fo.expires_on, 0.10, 0.0))
    changed = np.maximum(mv.processed_on, reg.card_changed_on)
    second = np.where(
        reg.card_changed_on > mv.processed_on,
        uniform_int(rng, 8 * 3600 + 1800, 17 * 3600, size=pop.size),
        mv.processed_second,
    )
    by_person: dict[str, list[str]] = {
        "atena_no": [str(x) for x in mv.atena_no.tolist()],
        "juminhyo_code": reg.juminhyo,
        "relation": [tp.RELATIONS[r] for r in pop.role.tolist()],
        "resident_kind": ["2" if f else "1" for f in foreign.tolist()],
        "resident_status": [str(s) for s in pop.status.tolist()],
        "name": reg.names.name,
        "name_kana": reg.names.kana,
        "name_alpha": reg.names.alpha,
        "common_name": reg.names.common,
        "birth_date": births,
        "sex": [str(s) for s in pop.sex.tolist()],
        "move_reason": [CODES[r].value for r in mv.reason.tolist()],
        "move_date": text.column(mv.on, dates.mixed_styles(rng, mv.on, 0.12, 0.03)),
        "notified_date": text.column(mv.notified, dates.mixed_styles(rng, mv.notified, 0.08, 0.02)),
        "card_status": [str(s) for s in reg.card_status.tolist()],
        "nationality": [fd.NATIONS[n].name if n >= 0 else "" for n in fo.nation.tolist()],
        "residence_status": [fd.STATUSES[s] if s >= 0 else "" for s in fo.status.tolist()],
        "residence_expiry": stay,
        "updated_at": timestamps(text, changed, second),
    }
    by_household: dict[str, list[str]] = {
        "household_no": [str(x) for x in mv.household_no.tolist()],
        "postal_code": ad.postal,
        "address": ad.address,
        "address_extra": ad.extra,
        "area_code": ad.area_code,
    }
    people, households = order.tolist(), hh.tolist()
    columns = []
    for name in COLUMNS:
        if name in by_person:
            source = by_person[name]
            columns.append([source[i] for i in people])
        else:
            source = by_household[name]
            columns.append([source[h] for h in households])
    return order, columns


def timestamps(text: DateText, days: Ints, seconds: Ints) -> list[str]:
    """`YYYY-MM-DD HH:MM:SS` (JST)."""
    day_text = text.column(days)
    return [
        f"{d} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        for d, s in zip(day_text, seconds.tolist(), strict=True)
    ]


def ledger_columns(
    rng: np.random.Generator,
    cards: CardBatch,
    certificates: Certificates,
    finish: Finish,
    reg: Register,
    text: DateText,
) -> list[list[str]]:
    """The card ledger's columns as text, in LEDGER_COLUMNS order, one row per card sorted by card_id."""
    order = np.argsort(np.array(finish.card_id), kind="stable")
    person = cards.person
    transferred = cards.source == SOURCES.index("転入継続")
    hold_reason = rng.integers(0, len(HOLD_REASONS), size=len(cards))
    steps = (
        "applied",
        "issued",
        "arrived",
        "preset",
        "notified",
        "returned",
        "reminded",
        "handed",
        "suspended",
    )
    last = np.maximum.reduce([getattr(cards, step) for step in (*steps, "revoked", "destroyed")])
    seconds = uniform_int(rng, 8 * 3600 + 1800, 17 * 3600 + 900, size=len(cards))

    def day_column(values: Ints) -> list[str]:
        return text.column(values)

    atena = reg.moves.atena_no
    columns: dict[str, list[str]] = {
        "card_id": finish.card_id,
        "atena_no": [str(a) for a in atena[person].tolist()],
        "juminhyo_code": [reg.juminhyo[p] for p in person.tolist()],
        "application_kind": [KINDS[k] for k in cards.kind.tolist()],
        "source": [SOURCES[s] for s in cards.source.tolist()],
        "state": [STATES[s].value for s in cards.state.tolist()],
        "revoke_reason": [REASONS[r].value if r >= 0 else "" for r in cards.reason.tolist()],
        "applied_on": day_column(cards.applied),
        "issued_on": day_column(cards.issued),
        "expires_on": day_column(cards.expires),
        "arrived_on": day_column(cards.arrived),
        "preset_on": day_column(cards.preset),
        "notice_no": finish.notice_no,
        "notified_on": day_column(cards.notified),
        "notice_returned_on": day_column(cards.returned),
        "reminded_on": day_column(cards.reminded),
        "reserved_for": day_column(cards.reserved_for),
        "handed_over_on": day_column(cards.handed),
        "suspended_on": day_column(cards.suspended),
        "revoked_on": day_column(cards.revoked),
        "destroyed_on": day_column(cards.destroyed),
        "office": [
            "" if t else OFFICES[o] for t, o in zip(transferred.tolist(), finish.office.tolist(), strict=True)
        ],
        "storage_box": finish.box,
        "storage_slot": [str(s) if s else "" for s in finish.slot.tolist()],
        "hold": [str(h) for h in cards.hold.tolist()],
        "hold_reason": [
            HOLD_REASONS[r] if h else ""
            for h, r in zip(cards.hold.tolist(), hold_reason.tolist(), strict=True)
        ],
        "user_cert_state": [CERT_STATES[s].value for s in certificates.user_state.tolist()],
        "user_cert_issued_on": day_column(certificates.user_issued),
        "user_cert_expires_on": day_column(certificates.user_expires),
        "sign_cert_state": [CERT_STATES[s].value for s in certificates.sign_state.tolist()],
        "sign_cert_issued_on": day_column(certificates.sign_issued),
        "sign_cert_expires_on": day_column(certificates.sign_expires),
        "updated_at": timestamps(text, np.maximum(last, certificates.sign_issued), seconds),
    }
    rows = order.tolist()
    return [[columns[name][i] for i in rows] for name in LEDGER_COLUMNS]
