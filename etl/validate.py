"""The spec's checks of a register extract (resident-extract.md), all of them, never only the first error.

Pure: the header rules and the end-flag rule are Python; the row rules are SQL predicates over the raw rows as
staged by etl.load (text columns named after the header), so they run set-based in PostgreSQL; dates are
parsed once per distinct text by the domain's `parse_register_date`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.domain.register import (
    COLUMN_LABELS_JA,
    COLUMNS,
    FORBIDDEN_COLUMNS,
    NO_EXPIRY_RESIDENCE_STATUSES,
    REQUIRED_COLUMNS,
    InvalidRegisterDate,
    MoveReason,
    parse_register_date,
)

DATE_COLUMNS = ("birth_date", "move_date", "notified_date", "residence_expiry")
FULL_DATE_COLUMNS = ("move_date", "notified_date", "residence_expiry")  # 不詳 allowed in birth_date only
KANA = "[ァ-ヺー・]+"
GAIJI_CLASS = "[\ue000-\uf8ff]"


@dataclass(frozen=True)
class LoadError:
    """One reason a file is refused: where (line, column), what was received, and why."""

    line: int | None
    column: str | None
    value: str | None
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        ja = [f"{self.line}行目"] if self.line else []
        en = [f"line {self.line}"] if self.line else []
        if self.column:
            ja.append(f"{COLUMN_LABELS_JA.get(self.column, self.column)}({self.column})")
            en.append(self.column)
        where_ja = " ".join(ja) + (f"「{self.value}」" if self.value is not None else "")
        where_en = ", ".join(en) + (f" '{self.value}'" if self.value is not None else "")
        head_ja = f"{where_ja}: " if where_ja else ""
        head_en = f"{where_en}: " if where_en else ""
        return f"{head_ja}{self.reason_ja} / {head_en}{self.reason_en}"


@dataclass(frozen=True)
class RowCheck:
    """A row rule: the rows where `bad` (SQL over the raw staged row) holds break it."""

    column: str
    bad: str
    reason_ja: str
    reason_en: str


def check_header(header: list[str]) -> tuple[list[LoadError], list[str]]:
    """Errors of the header line (forbidden, missing, repeated columns) and the unknown columns ignored."""
    errors: list[LoadError] = []
    for column in header:
        if column in FORBIDDEN_COLUMNS:
            errors.append(
                LoadError(
                    1,
                    column,
                    None,
                    "個人番号の列があるファイルは受け付けません(ファイル全体を拒否しました。値は読んでいません)",
                    "a file with an individual-number column is refused as a whole"
                    " (its values were not read)",
                )
            )
    for column in sorted(REQUIRED_COLUMNS - set(header), key=COLUMNS.index):
        errors.append(LoadError(1, column, None, "必須の列がありません", "a required column is missing"))
    for column in sorted({c for c in header if header.count(c) > 1}):
        errors.append(LoadError(1, column, None, "列名が重複しています", "the column appears more than once"))
    ignored = [c for c in header if c not in COLUMN_LABELS_JA and c not in FORBIDDEN_COLUMNS]
    return errors, ignored


def check_end(rows: int, sha256: str, expected: tuple[int, str]) -> list[LoadError]:
    """The record count and SHA-256 must be what the `.end` flag promised (a truncated transfer fails)."""
    count, digest = expected
    errors = []
    if count != rows:
        errors.append(
            LoadError(
                None,
                None,
                None,
                f"件数が完了ファイルと合いません(完了ファイル {count:,} 件、データ {rows:,} 件。"
                "転送が途中で切れた可能性があります)",
                f"the record count does not match the completion flag ({count:,} promised, {rows:,} found;"
                " the transfer may have been cut short)",
            )
        )
    if digest != sha256:
        errors.append(
            LoadError(
                None,
                None,
                None,
                f"SHA-256 が完了ファイルと合いません(完了ファイル {digest}、データ {sha256})",
                f"the SHA-256 does not match the completion flag ({digest} promised, {sha256} found)",
            )
        )
    return errors


DateRow = tuple[str, int | None, int | None, int | None, str | None, str | None, str | None]


def parse_dates(texts: Iterable[str]) -> list[DateRow]:
    """(text, year, month, day, ISO date if complete, error ja, error en) for each distinct date text."""
    parsed: list[DateRow] = []
    for text in texts:
        try:
            value = parse_register_date(text)
        except InvalidRegisterDate as error:
            parsed.append((text, None, None, None, None, error.message_ja, error.message_en))
            continue
        day = value.as_date()
        parsed.append(
            (text, value.year, value.month, value.day, day.isoformat() if day else None, None, None)
        )
    return parsed


def value(column: str, header: list[str], alias: str = "r") -> str:
    """SQL for a cell exactly as received; NULL when empty or when the column is not in the file."""
    return f"nullif({alias}.{column}, '')" if column in header else "NULL::text"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _codes(column: str, codes: dict[str, str], v: str) -> RowCheck:
    listing = "、".join(f"{code} {label}" for code, label in codes.items())
    return RowCheck(
        column,
        f"{v} NOT IN ({', '.join(_quote(c) for c in codes)})",
        f"コードは {listing} のいずれかです",
        f"the code must be one of {', '.join(codes)}",
    )


def _pattern(column: str, regex: str, ja: str, en: str, v: str) -> RowCheck:
    return RowCheck(column, f"{v} !~ {_quote('^(' + regex + ')$')}", ja, en)


def _length(column: str, limit: int, v: str) -> RowCheck:
    return RowCheck(
        column, f"length({v}) > {limit}", f"{limit}文字を超えています", f"longer than {limit} characters"
    )


# The spec's formats and codes, shared by the SQL row rules below and the first-load check (etl.fast_check).
PATTERNS: dict[str, tuple[str, str, str]] = {  # column -> (regex, reason ja, reason en)
    "atena_no": (r"\d{1,15}", "1〜15桁の数字です", "1-15 digits"),
    "juminhyo_code": (r"\d{11}", "11桁の数字です", "exactly 11 digits"),
    "household_no": (r"\d{1,15}", "1〜15桁の数字です", "1-15 digits"),
    "postal_code": (r"\d{3}-?\d{4}", "7桁の数字(ハイフン可)です", "7 digits, hyphen allowed"),
    "area_code": (r"\d{6}", "6桁の数字です", "exactly 6 digits"),
    "name_kana": (
        f"{KANA}(\u3000{KANA})*",
        "全角カタカナ(姓と名の間は全角スペース)で入力してください",
        "use full-width katakana with an ideographic space between the parts",
    ),
    "name_alpha": (r"[A-Za-z][A-Za-z .,'\-]*", "英字で入力してください", "Latin letters only"),
    "updated_at": (
        r"\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d",
        "YYYY-MM-DD HH:MM:SS の形式です",
        "use YYYY-MM-DD HH:MM:SS",
    ),
}
CODES: dict[str, dict[str, str]] = {
    "resident_kind": {"1": "日本人", "2": "外国人住民"},
    "resident_status": {"1": "住民", "2": "転出", "3": "死亡", "9": "その他消除"},
    "sex": {"1": "男", "2": "女"},
    "card_status": {"0": "なし", "1": "保有", "2": "廃止"},
    "move_reason": {r.value: r.label_ja for r in MoveReason},
}
LIMITS: dict[str, int] = {
    "relation": 40,
    "name": 200,
    "name_alpha": 200,
    "common_name": 200,
    "address": 300,
    "address_extra": 200,
    "nationality": 100,
    "residence_status": 100,
}
FOREIGN_REQUIRED = ("name_alpha", "nationality", "residence_status")
FOREIGN_ONLY = ("name_alpha", "nationality", "residence_status", "residence_expiry")


def row_checks(header: list[str]) -> list[RowCheck]:
    """Every row rule of the spec for a file with this header."""
    v = {column: value(column, header) for column in COLUMNS}
    checks = [
        RowCheck(c, f"{v[c]} IS NULL", "必須項目が空です", "a required value is empty")
        for c in COLUMNS
        if c in REQUIRED_COLUMNS
    ]
    checks += [_pattern(c, regex, ja, en, v[c]) for c, (regex, ja, en) in PATTERNS.items()]
    checks += [_codes(column, codes, v[column]) for column, codes in CODES.items()]
    checks += [_length(column, limit, v[column]) for column, limit in LIMITS.items()]
    return checks + _row_rules(v)


def _row_rules(v: dict[str, str]) -> list[RowCheck]:
    foreign = f"{v['resident_kind']} = '2'"
    japanese = f"{v['resident_kind']} = '1'"
    checks = [
        RowCheck(
            c, f"{foreign} AND {v[c]} IS NULL", "外国人住民は必須です", "required for a foreign resident"
        )
        for c in FOREIGN_REQUIRED
    ]
    checks += [
        RowCheck(
            c,
            f"{japanese} AND {v[c]} IS NOT NULL",
            "日本人住民には入れられません",
            "only for foreign residents",
        )
        for c in FOREIGN_ONLY
    ]
    no_expiry = ", ".join(_quote(s) for s in sorted(NO_EXPIRY_RESIDENCE_STATUSES))
    checks.append(
        RowCheck(
            "residence_expiry",
            f"{foreign} AND {v['residence_expiry']} IS NULL AND {v['residence_status']} NOT IN ({no_expiry})",
            "この在留資格では在留期間満了日が必須です(永住者・特別永住者を除く)",
            "required for this residence status (all but permanent and special permanent residents)",
        )
    )
    removal = " ".join(
        f"WHEN '{r.value}' THEN '{int(r.removal_status)}'" for r in MoveReason if r.removal_status is not None
    )
    checks.append(
        RowCheck(
            "resident_status",
            f"{v['resident_status']} <> (CASE {v['move_reason']} {removal} ELSE '1' END)"
            f" AND ({v['move_reason']} LIKE 'B%' OR {v['move_reason']} LIKE 'A%')",
            "異動事由と住民状態が矛盾しています(A は 1 住民、B01/B02 は 2 転出、B03 は 3 死亡、B04 は 9)",
            "contradicts the move reason (A: 1 resident, B01/B02: 2, B03: 3, B04: 9)",
        )
    )
    return checks
