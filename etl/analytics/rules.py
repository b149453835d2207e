"""Row-wise domain rules for the few rows that need them: waiting cards (core.domain.undelivered) and cards
whose expiry is set by the holder's period of stay (core.domain.expiry), and the computed expiry of cards
whose printed expiry the ledger lacks. Pure: Arrow in, Arrow out."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from core.domain.cards import PRE_ISSUE_STATES
from core.domain.errors import DomainError
from core.domain.expiry import card_expiry, card_expiry_by_age, is_long_term_resident
from core.domain.undelivered import DEFAULT_POLICY, UndeliveredPolicy, disposal_due_on, reminder_due_on

WAITING_SCHEMA = pa.schema(
    [("card_id", pa.int64()), ("legacy_id", pa.string()), ("state", pa.string()), ("office", pa.string()),
     ("storage_box", pa.string()), ("arrived_on", pa.date32()), ("notified_on", pa.date32()),
     ("reminded_on", pa.date32()), ("days_waiting", pa.int32()), ("days_since_notice", pa.int32()),
     ("notice_over_90_days", pa.bool_()), ("reminder_due_on", pa.date32()), ("reminder_due", pa.bool_()),
     ("disposal_due_on", pa.date32()), ("disposal_due", pa.bool_()), ("on_hold", pa.bool_())]
)  # fmt: skip
STAY_SCHEMA = pa.schema([("card_id", pa.int64()), ("stay_bound", pa.bool_())])
_WAITING = pa.array(sorted(s.value for s in PRE_ISSUE_STATES))


def _waiting_row(card: dict[str, object], as_of: date, policy: UndeliveredPolicy) -> dict[str, object]:
    notified = card["notified_on"]
    reminded = card["reminded_on"]
    on_hold = bool(card["on_hold"])
    start = card["arrived_on"] or card["issued_on"]
    row = {k: card[k] for k in ("legacy_id", "state", "office", "storage_box", "arrived_on", "reminded_on")}
    row.update(card_id=card["id"], notified_on=notified, on_hold=on_hold)
    row["days_waiting"] = (as_of - start).days if isinstance(start, date) else None
    if not isinstance(notified, date):
        return row | {"notice_over_90_days": False, "reminder_due": False, "disposal_due": False}
    reminder_on = reminder_due_on(notified, policy)
    disposal_on = disposal_due_on(
        notified, reminded if isinstance(reminded, date) else None, on_hold=on_hold, policy=policy
    )
    return row | {
        "days_since_notice": (as_of - notified).days,
        "notice_over_90_days": (as_of - notified).days >= policy.reminder_after_days,
        "reminder_due_on": reminder_on,
        "reminder_due": reminded is None and as_of >= reminder_on,
        "disposal_due_on": disposal_on,
        "disposal_due": disposal_on is not None and as_of >= disposal_on,
    }


def waiting_cards(cards: pa.Table, as_of: date, policy: UndeliveredPolicy = DEFAULT_POLICY) -> pa.Table:
    """One row per card in a pre-issue state, with its reminder and 未交付廃棄 dates (MynaDesk rule)."""
    waiting = cards.filter(pc.is_in(cards.column("state"), value_set=_WAITING))
    rows = [_waiting_row(card, as_of, policy) for card in waiting.to_pylist()]
    return pa.Table.from_pylist(rows, schema=WAITING_SCHEMA)


def _ends_with_stay(card: dict[str, object]) -> bool:
    birth, issued, applied, expires = (
        card[k] for k in ("birth_date", "issued_on", "applied_on", "expires_on")
    )
    if not (isinstance(birth, date) and isinstance(issued, date) and isinstance(expires, date)):
        return False
    try:
        by_age = card_expiry_by_age(birth, issued, applied if isinstance(applied, date) else None)
    except DomainError:
        return False
    return expires < by_age


def stay_bound_cards(cards: pa.Table) -> pa.Table:
    """Cards of 外国人住民 (not 永住者 etc.) that end with the period of stay: no 有効期限通知書 for them."""
    foreign = cards.filter(pc.equal(cards.column("resident_kind"), 2))
    rows = [
        {"card_id": card["id"], "stay_bound": _ends_with_stay(card)}
        for card in foreign.to_pylist()
        if not is_long_term_resident(card["residence_status"])
    ]
    return pa.Table.from_pylist(rows, schema=STAY_SCHEMA)


def _computed_expiry(card: dict[str, object]) -> date | None:
    birth, issued, applied, stay = (
        card[k] for k in ("birth_date", "issued_on", "applied_on", "residence_expiry")
    )
    if not (isinstance(birth, date) and isinstance(issued, date)):
        return None
    try:
        return card_expiry(
            birth,
            issued,
            applied if isinstance(applied, date) else None,
            foreign_resident=card["resident_kind"] == 2,
            residence_status=card["residence_status"] if isinstance(card["residence_status"], str) else None,
            residence_expiry=stay if isinstance(stay, date) else None,
        )
    except DomainError:
        return None


def with_expiry(cards: pa.Table) -> pa.Table:
    """Cards with `expires_on` filled where the ledger lacks the printed date: the expiry computed by
    core.domain.expiry.card_expiry (left empty when the holder's birth date is unknown or invalid)."""
    expires = cards.column("expires_on").to_pylist()
    missing = [i for i, value in enumerate(expires) if value is None]
    if not missing:
        return cards
    rows = cards.take(pa.array(missing)).to_pylist()
    for i, row in zip(missing, rows, strict=True):
        expires[i] = _computed_expiry(row)
    index = cards.schema.get_field_index("expires_on")
    return cards.set_column(index, "expires_on", pa.array(expires, type=pa.date32()))
