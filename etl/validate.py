"""Checking a register extract against the spec: every error found, with line, column, value and reason.

Pure: rows in, clean rows (in STORED_COLUMNS order, as text for COPY) and errors out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.domain.register import (
    COLUMN_LABELS_JA,
    COLUMNS,
    FORBIDDEN_COLUMNS,
    NO_EXPIRY_RESIDENCE_STATUSES,
    REQUIRED_COLUMNS,
    InvalidRegisterDate,
    MoveReason,
    RegisterDate,
    has_gaiji,
    is_kana_name,
    parse_register_date,
)
from etl.extract import RawExtract

Cell = str | None


@dataclass(frozen=True)
class LoadError:
    """One reason a file is refused: where (line, column), what was received, and why."""

    line: int | None
    column: str | None
    value: str | None
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        where_ja = f"{self.line}行目 " if self.line else ""
        where_en = f"line {self.line} " if self.line else ""
        if self.column:
            where_ja += f"{COLUMN_LABELS_JA.get(self.column, self.column)}({self.column}) "
            where_en += f"{self.column} "
        value = f"「{self.value}」" if self.value is not None else ""
        value_en = f"'{self.value}' " if self.value is not None else ""
        return f"{where_ja}{value}: {self.reason_ja} / {where_en}{value_en}: {self.reason_en}".strip()


@dataclass
class Validated:
    """The outcome of validation: clean rows with their line numbers, or errors."""

    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class _Bad(Exception):  # noqa: N818 - internal signal, never leaves this module
    def __init__(self, reason_ja: str, reason_en: str) -> None:
        super().__init__(reason_ja)
        self.reason_ja, self.reason_en = reason_ja, reason_en


def _pattern(regex: str, ja: str, en: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise _Bad(ja, en)
        return value

    return check


def _codes(allowed: dict[str, str]) -> Callable[[str], str]:
    listing = "、".join(f"{code} {label}" for code, label in allowed.items())

    def check(value: str) -> str:
        if value not in allowed:
            raise _Bad(f"コードは {listing} のいずれかです", f"the code must be one of {', '.join(allowed)}")
        return value

    return check


def _text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit:
            raise _Bad(f"{limit}文字を超えています", f"longer than {limit} characters")
        return value

    return check


def _kana(value: str) -> str:
    if not is_kana_name(value):
        raise _Bad(
            "全角カタカナ(姓と名の間は全角スペース)で入力してください",
            "use full-width katakana with an ideographic space between the parts",
        )
    return value


_CHECKS: dict[str, Callable[[str], str]] = {
    "atena_no": _pattern(r"\d{1,15}", "1〜15桁の数字です", "1-15 digits"),
    "juminhyo_code": _pattern(r"\d{11}", "11桁の数字です", "exactly 11 digits"),
    "household_no": _pattern(r"\d{1,15}", "1〜15桁の数字です", "1-15 digits"),
    "relation": _text(40),
    "resident_kind": _codes({"1": "日本人", "2": "外国人住民"}),
    "resident_status": _codes({"1": "住民", "2": "転出", "3": "死亡", "9": "その他消除"}),
    "name": _text(200),
    "name_kana": _kana,
    "name_alpha": _pattern(r"[A-Za-z][A-Za-z .,'\-]{0,199}", "英字で入力してください", "Latin letters only"),
    "common_name": _text(200),
    "sex": _codes({"1": "男", "2": "女"}),
    "postal_code": _pattern(r"\d{3}-?\d{4}", "7桁の数字(ハイフン可)です", "7 digits, hyphen allowed"),
    "address": _text(300),
    "address_extra": _text(200),
    "area_code": _pattern(r"\d{6}", "6桁の数字です", "exactly 6 digits"),
    "move_reason": _codes({reason.value: reason.label_ja for reason in MoveReason}),
    "card_status": _codes({"0": "なし", "1": "保有", "2": "廃止"}),
    "nationality": _text(100),
    "residence_status": _text(100),
    "updated_at": _pattern(
        r"\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d",
        "YYYY-MM-DD HH:MM:SS の形式です",
        "use YYYY-MM-DD HH:MM:SS",
    ),
}
_FOREIGN_REQUIRED = ("name_alpha", "nationality", "residence_status")
_FOREIGN_ONLY = ("name_alpha", "nationality", "residence_status", "residence_expiry")
_GAIJI_COLUMNS = ("name", "name_kana", "common_name", "address", "address_extra")
_REMOVAL_STATUS = {reason.value: str(int(reason.removal_status or 0)) for reason in MoveReason}


def check_header(header: list[str]) -> tuple[list[LoadError], list[str]]:
    """Errors of the header line (forbidden, missing, repeated columns) and the unknown columns ignored."""
    errors: list[LoadError] = []
    forbidden = [column for column in header if column in FORBIDDEN_COLUMNS]
    for column in forbidden:
        errors.append(
            LoadError(
                1,
                column,
                None,
                "個人番号の列があるファイルは受け付けません(ファイル全体を拒否しました。値は読んでいません)",
                "a file with an individual-number column is refused as a whole (its values were not read)",
            )
        )
    for column in sorted(REQUIRED_COLUMNS - set(header), key=COLUMNS.index):
        errors.append(LoadError(1, column, None, "必須の列がありません", "a required column is missing"))
    for column in sorted({c for c in header if header.count(c) > 1}):
        errors.append(LoadError(1, column, None, "列名が重複しています", "the column appears more than once"))
    ignored = [c for c in header if c not in COLUMN_LABELS_JA and c not in FORBIDDEN_COLUMNS]
    return errors, ignored


class _Dates:
    """Parses dates once per distinct text (a register repeats the same dates a great deal)."""

    def __init__(self) -> None:
        self._seen: dict[str, RegisterDate | InvalidRegisterDate] = {}

    def parse(self, text: str) -> RegisterDate:
        found = self._seen.get(text)
        if found is None:
            try:
                found = parse_register_date(text)
            except InvalidRegisterDate as error:
                found = error
            self._seen[text] = found
        if isinstance(found, InvalidRegisterDate):
            raise _Bad(found.message_ja, found.message_en)
        return found

    def full(self, text: str, what_ja: str) -> str:
        parsed = self.parse(text)
        day = parsed.as_date()
        if day is None:
            raise _Bad(f"{what_ja}は不詳(00)にできません", "this date cannot have unknown (00) parts")
        return day.isoformat()


def validate(raw: RawExtract, expected: tuple[int, str] | None = None) -> Validated:
    """Check the whole file; never stops at the first error."""
    result = Validated()
    header_errors, result.ignored_columns = check_header(raw.header)
    result.errors.extend(header_errors)
    if expected is not None:
        result.errors.extend(_check_end(raw, expected))
    if header_errors:
        return result  # rows are not read when the header is wrong (and never when a 個人番号 column exists)
    index = {column: raw.header.index(column) for column in COLUMNS if column in raw.header}
    dates = _Dates()
    seen_atena: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    for record, line in zip(raw.rows, raw.lines, strict=True):
        row = _validate_row(record, line, index, len(raw.header), dates, result.errors)
        if row is None:
            continue
        _check_unique(row[0], "atena_no", line, seen_atena, result.errors)
        _check_unique(row[1], "juminhyo_code", line, seen_code, result.errors)
        result.rows.append(row)
        result.lines.append(line)
    return result


def _check_end(raw: RawExtract, expected: tuple[int, str]) -> list[LoadError]:
    count, digest = expected
    errors = []
    if count != len(raw.rows):
        errors.append(
            LoadError(
                None,
                None,
                None,
                f"件数が完了ファイルと合いません(完了ファイル {count:,} 件、データ {len(raw.rows):,} 件。"
                "転送が途中で切れた可能性があります)",
                f"the record count does not match the completion flag ({count:,} promised,"
                f" {len(raw.rows):,} found; the transfer may have been cut short)",
            )
        )
    if digest != raw.sha256:
        errors.append(
            LoadError(
                None,
                None,
                None,
                f"SHA-256 が完了ファイルと合いません(完了ファイル {digest}、データ {raw.sha256})",
                f"the SHA-256 does not match the completion flag ({digest} promised, {raw.sha256} found)",
            )
        )
    return errors


def _check_unique(value: Cell, column: str, line: int, seen: dict[str, int], errors: list[LoadError]) -> None:
    assert value is not None
    first = seen.setdefault(value, line)
    if first != line:
        errors.append(
            LoadError(
                line,
                column,
                value,
                f"{first}行目と重複しています(ファイル内で一意でなければなりません)",
                f"duplicates line {first} (must be unique within a file)",
            )
        )


def _validate_row(
    record: list[str],
    line: int,
    index: dict[str, int],
    width: int,
    dates: _Dates,
    errors: list[LoadError],
) -> tuple[Cell, ...] | None:
    if len(record) != width:
        errors.append(
            LoadError(
                line,
                None,
                None,
                f"列の数が見出しと違います(見出し {width} 列、この行 {len(record)} 列)",
                f"the row has {len(record)} fields, the header {width}",
            )
        )
        return None
    values = {column: record[position].strip() for column, position in index.items()}
    before = len(errors)
    clean: dict[str, Cell] = {}
    for column, value in values.items():
        if not value:
            clean[column] = None
            if column in REQUIRED_COLUMNS:
                errors.append(LoadError(line, column, value, "必須項目が空です", "a required value is empty"))
            continue
        try:
            clean[column] = _clean(column, value, dates)
        except _Bad as bad:
            errors.append(LoadError(line, column, value, bad.reason_ja, bad.reason_en))
    if len(errors) > before:
        return None
    _check_row_rules(clean, line, errors)
    if len(errors) > before:
        return None
    return _stored(clean, dates)


def _clean(column: str, value: str, dates: _Dates) -> str:
    check = _CHECKS.get(column)
    if check is not None:
        checked = check(value)
        if column == "updated_at":
            dates.full(value[:10], COLUMN_LABELS_JA[column])
        return checked
    if column == "birth_date":
        dates.parse(value)
        return value
    return dates.full(value, COLUMN_LABELS_JA[column])


def _check_row_rules(clean: dict[str, Cell], line: int, errors: list[LoadError]) -> None:
    foreign = clean["resident_kind"] == "2"
    for column in _FOREIGN_REQUIRED if foreign else ():
        if not clean.get(column):
            errors.append(LoadError(line, column, "", "外国人住民は必須です", "required for a foreign resident"))
    for column in () if foreign else _FOREIGN_ONLY:
        if clean.get(column):
            errors.append(
                LoadError(
                    line, column, clean[column], "日本人住民には入れられません", "only for foreign residents"
                )
            )
    if foreign and clean.get("residence_status") not in NO_EXPIRY_RESIDENCE_STATUSES:
        if not clean.get("residence_expiry"):
            errors.append(
                LoadError(
                    line,
                    "residence_expiry",
                    "",
                    f"在留資格「{clean.get('residence_status')}」では在留期間満了日が必須です",
                    "required for this residence status",
                )
            )
    reason, status = clean["move_reason"] or "", clean["resident_status"]
    removal = _REMOVAL_STATUS.get(reason, "0")
    if (removal != "0" and status != removal) or (removal == "0" and status != "1" and reason[0] == "A"):
        errors.append(
            LoadError(
                line,
                "resident_status",
                status,
                f"異動事由 {reason}({MoveReason(reason).label_ja})と住民状態が矛盾しています",
                f"contradicts the move reason {reason}",
            )
        )


def _stored(clean: dict[str, Cell], dates: _Dates) -> tuple[Cell, ...]:
    birth = dates.parse(clean["birth_date"] or "")
    full_birth = birth.as_date()
    postal = clean["postal_code"] or ""
    gaiji = any(has_gaiji(clean.get(column) or "") for column in _GAIJI_COLUMNS)
    return (
        clean["atena_no"],
        clean["juminhyo_code"],
        clean["household_no"],
        clean["relation"],
        clean["resident_kind"],
        clean["resident_status"],
        clean["name"],
        clean["name_kana"],
        clean.get("name_alpha"),
        clean.get("common_name"),
        str(birth.year),
        None if birth.month is None else str(birth.month),
        None if birth.day is None else str(birth.day),
        None if full_birth is None else full_birth.isoformat(),
        clean["sex"],
        postal.replace("-", ""),
        clean["address"],
        clean.get("address_extra"),
        clean["area_code"],
        clean["move_reason"],
        clean["move_date"],
        clean.get("notified_date"),
        clean["card_status"],
        clean.get("nationality"),
        clean.get("residence_status"),
        clean.get("residence_expiry"),
        f"{clean['updated_at']}+09",
        "t" if gaiji else "f",
    )
