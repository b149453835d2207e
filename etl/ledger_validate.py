"""Checking every value of the card ledger export at once (vectorised): codes, formats, dates, uniqueness.

Each rule yields the row positions that break it; `validate_ledger` turns them into LedgerErrors with the
line (header = line 1), column, value and reason in Japanese and English.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.domain import ledger as spec
from etl.ledger import LedgerError, LedgerFile

Mask = np.ndarray
FIRST_DATA_LINE = 2


def _text(table: pa.Table, column: str) -> pa.ChunkedArray:
    return table.column(column)


def _mask(array: pa.ChunkedArray | pa.Array) -> Mask:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _present(table: pa.Table, column: str) -> Mask:
    return _mask(pc.not_equal(_text(table, column), ""))


def _matches(table: pa.Table, column: str, pattern: str) -> Mask:
    return _mask(pc.match_substring_regex(_text(table, column), f"^(?:{pattern})$"))


def _required(table: pa.Table) -> Iterator[tuple[str, Mask, str, str]]:
    for column in spec.REQUIRED_COLUMNS:
        yield column, ~_present(table, column), "値が空です(必須項目)", "the value is empty (required)"


def _patterns(table: pa.Table) -> Iterator[tuple[str, Mask, str, str]]:
    for column, pattern in spec.PATTERNS.items():
        hint_ja, hint_en = spec.PATTERN_HINTS[column]
        bad = _present(table, column) & ~_matches(table, column, pattern)
        yield column, bad, f"形式が違います({hint_ja})", f"wrong format (expected {hint_en})"


def _codes(table: pa.Table) -> Iterator[tuple[str, Mask, str, str]]:
    for column, codes in spec.CODE_SETS.items():
        known = _mask(pc.is_in(_text(table, column), value_set=pa.array(sorted(codes))))
        listed = "、".join(sorted(codes))
        yield (
            column,
            _present(table, column) & ~known,
            f"使えないコードです(使える値: {listed})",
            f"unknown code (allowed: {', '.join(sorted(codes))})",
        )


def parse_dates(table: pa.Table, column: str) -> np.ndarray:
    """The column as numpy datetime64[D]; NaT where empty or not a real calendar date."""
    text = _text(table, column)
    empty_as_null = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    try:  # fast path: Arrow's strict ISO parser accepts the whole column
        strict = pc.cast(empty_as_null, pa.date32()).to_numpy(zero_copy_only=False)
        return np.asarray(strict.astype("datetime64[D]"))
    except pa.ArrowInvalid:
        return _parse_dates_one_by_one(table, column)


def _parse_dates_one_by_one(table: pa.Table, column: str) -> np.ndarray:
    text = _text(table, column)
    shaped = _matches(table, column, spec.DATE_PATTERN)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over to 03-02: a date is real only if it prints back the same.
    same = _mask(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text))
    days = parsed.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    days[~(shaped & same)] = np.datetime64("NaT")
    return np.asarray(days)


def _dates(table: pa.Table, dates: dict[str, np.ndarray]) -> Iterator[tuple[str, Mask, str, str]]:
    for column, days in dates.items():
        yield (
            column,
            _present(table, column) & np.isnat(days),
            "日付ではありません(YYYY-MM-DD の実在する日付)",
            "not a date (a real calendar day as YYYY-MM-DD)",
        )
    stamp = pc.strptime(_text(table, "updated_at"), format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    same = _mask(pc.equal(pc.strftime(stamp, format="%Y-%m-%d %H:%M:%S"), _text(table, "updated_at")))
    yield (
        "updated_at",
        _present(table, "updated_at") & ~same,
        "日時ではありません(YYYY-MM-DD HH:MM:SS)",
        "not a date and time (YYYY-MM-DD HH:MM:SS)",
    )


def _date_order(dates: dict[str, np.ndarray]) -> Iterator[tuple[str, Mask, str, str]]:
    latest = np.full(len(dates["issued_on"]), np.datetime64("NaT"), dtype="datetime64[D]")
    latest_name = np.full(len(latest), "", dtype=object)
    for column in spec.DATE_ORDER:
        days = dates[column]
        bad = ~np.isnat(days) & ~np.isnat(latest) & (days < latest)
        for earlier in sorted(set(latest_name[bad])):
            which = bad & (latest_name == earlier)
            yield (
                column,
                which,
                f"{spec.COLUMN_LABELS_JA[earlier]}より前の日付です",
                f"the date is before {earlier}",
            )
        later = ~np.isnat(days) & (np.isnat(latest) | (days >= latest))
        latest = np.where(later, days, latest)
        latest_name = np.where(later, column, latest_name)
    bad = ~np.isnat(dates["expires_on"]) & (dates["expires_on"] < dates["issued_on"])
    yield "expires_on", bad, "発行日より前の日付です", "the date is before issued_on"


# Certificates reissued after the card's 利用者証明用 had lapsed carry an expiry before their issue date
# (capped by the 利用者証明用). That is history, not a reason to refuse the whole ledger: a warning.
def _certificate_order(dates: dict[str, np.ndarray]) -> Iterator[tuple[str, Mask, str, str]]:
    pairs = (("user_cert_expires_on", "user_cert_issued_on"), ("sign_cert_expires_on", "sign_cert_issued_on"))
    for column, start in pairs:
        bad = ~np.isnat(dates[column]) & ~np.isnat(dates[start]) & (dates[column] < dates[start])
        yield column, bad, f"{spec.COLUMN_LABELS_JA[start]}より前の日付です", f"the date is before {start}"


def _consistency(table: pa.Table) -> Iterator[tuple[str, Mask, str, str]]:
    state = _text(table, "state")
    needs_reason = _mask(pc.is_in(state, value_set=pa.array(sorted(spec.STATES_WITH_REASON))))
    has_reason = _present(table, "revoke_reason")
    yield (
        "revoke_reason",
        needs_reason & ~has_reason,
        "廃止・廃棄済のカードには廃止理由が必要です",
        "a revoked or destroyed card needs a revoke reason",
    )
    yield (
        "revoke_reason",
        ~needs_reason & has_reason,
        "廃止理由は廃止・廃棄済のカードにだけ入ります",
        "only revoked or destroyed cards have a revoke reason",
    )
    for prefix in ("user_cert", "sign_cert"):
        valid_state = _present(table, f"{prefix}_state") & _mask(
            pc.not_equal(_text(table, f"{prefix}_state"), "none")
        )
        yield (
            f"{prefix}_expires_on",
            valid_state & ~_present(table, f"{prefix}_expires_on"),
            "電子証明書の有効期限がありません",
            "the certificate has no expiry date",
        )


def _duplicates(table: pa.Table) -> Iterator[tuple[str, Mask, str, str]]:
    for column in ("card_id", "notice_no"):
        counts = pc.value_counts(_text(table, column))
        values_seen = counts.field("values")
        repeated = pc.filter(
            values_seen, pc.and_(pc.greater(counts.field("counts"), 1), pc.not_equal(values_seen, ""))
        )
        dup = np.zeros(table.num_rows, dtype=bool)
        if len(repeated):  # only then find the later occurrences (rare, so the slower pandas path is fine)
            candidates = _mask(pc.is_in(_text(table, column), value_set=repeated))
            values = pd.Series(_text(table, column).to_numpy(zero_copy_only=False))
            dup = candidates & values.duplicated(keep="first").to_numpy() & _present(table, column)
        yield column, dup, "ほかの行と重複しています", "the same value appears on an earlier line"


def _as_errors(table: pa.Table, rules: list[tuple[str, Mask, str, str]]) -> list[LedgerError]:
    errors: list[LedgerError] = []
    for column, bad, reason_ja, reason_en in rules:
        values = _text(table, column)
        for position in np.flatnonzero(bad).tolist():
            value = values[position].as_py()
            errors.append(LedgerError(position + FIRST_DATA_LINE, column, value, reason_ja, reason_en))
    errors.sort(key=lambda e: (e.line or 0, spec.COLUMNS.index(e.column) if e.column in spec.COLUMNS else -1))
    return errors


def ledger_warnings(ledger: LedgerFile, dates: dict[str, np.ndarray] | None = None) -> list[LedgerError]:
    """Oddities that are reported but do not stop the migration."""
    dates = dates or parse_all_dates(ledger.table)
    return _as_errors(ledger.table, list(_certificate_order(dates)))


def parse_all_dates(table: pa.Table) -> dict[str, np.ndarray]:
    """Every date column as datetime64[D] (NaT when empty or invalid)."""
    return {column: parse_dates(table, column) for column in spec.DATE_COLUMNS}


def validate_ledger(ledger: LedgerFile, dates: dict[str, np.ndarray] | None = None) -> list[LedgerError]:
    """Every problem in the file's values (empty when the file may be loaded)."""
    table = ledger.table
    dates = dates or parse_all_dates(table)
    rules = [
        *_required(table),
        *_patterns(table),
        *_codes(table),
        *_dates(table, dates),
        *_date_order(dates),
        *_consistency(table),
        *_duplicates(table),
    ]
    return _as_errors(table, rules)
