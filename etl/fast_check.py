"""Proving a register extract clean in one fast pass over whole columns (the first full load's path).

etl.validate's SQL rules find and explain every error; they need the rows staged in PostgreSQL first, which
costs more than the whole first load may. This module checks the same rules (the patterns, codes and limits
are etl.validate's own tables) over Arrow columns: Arrow's CSV reader, RE2 over a whole column, set
membership for codes, and the domain's date parser once per distinct date text. It only answers "clean or
not": on any doubt (a rule broken, a record spanning lines, a row of the wrong width) it says no, and the
loader takes the SQL path, which reports each error with line, column, value and reason. It is never more
lenient than the SQL rules (RE2's \\d is ASCII digits only, for instance), so a file it passes is one the SQL
rules pass.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.domain.register import (
    COLUMNS,
    NO_EXPIRY_RESIDENCE_STATUSES,
    REQUIRED_COLUMNS,
    InvalidRegisterDate,
    MoveReason,
    RegisterDate,
    parse_register_date,
)
from etl.validate import (
    CODES,
    DATE_COLUMNS,
    FOREIGN_ONLY,
    FOREIGN_REQUIRED,
    FULL_DATE_COLUMNS,
    GAIJI_CLASS,
    LIMITS,
    PATTERNS,
)

GAIJI_COLUMNS = ("name", "name_kana", "common_name", "address", "address_extra")


# One CSV line as RFC 4180 writes it: fields unquoted (no quote inside) or wholly quoted ("" for a quote).
_FIELD = '(?:[^",\r\n]*|"(?:[^"\r\n]|"")*")'
_RFC_LINE = f"^{_FIELD}(?:,{_FIELD})*\r?$"


def _quotes_as_rfc4180(text: str) -> bool:
    """Every quote where RFC 4180 puts it: then Arrow's reader and PostgreSQL's COPY split fields alike
    (COPY opens a quoted part at any quote, even inside a field; Arrow only at a field's start)."""
    if '"' not in text:
        return True
    lines = pc.split_pattern(pa.array([text]), "\n")[0].values
    return _all(pc.match_substring_regex(lines, _RFC_LINE))


def parse_columns(text: str, header: list[str]) -> pa.Table | None:
    """Every extract column as strings (an absent optional one all empty); None unless one record a line
    and quoted as RFC 4180 says (anything else takes the SQL path, where COPY parses and reports it)."""
    rows_by_lines = text.count("\n") - (1 if text.endswith("\n") else 0)
    if text.count("\r") != text.count("\r\n") or "\x00" in text:
        return None  # a lone CR ends a record in COPY; a NUL is refused by PostgreSQL
    if not _quotes_as_rfc4180(text):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None  # a row of the wrong width, an empty line: the SQL path says where
    if table.num_rows != rows_by_lines:
        return None  # a record spanning lines: line numbers need the SQL path's mapping
    empty = pa.array([""] * table.num_rows, pa.string())
    return pa.table({c: table[c] if c in header else empty for c in COLUMNS})


@cache
def parse_date(text: str) -> RegisterDate | None:
    """The domain's date rules, once per distinct text; None when invalid."""
    try:
        return parse_register_date(text)
    except InvalidRegisterDate:
        return None


def _distinct(column: pa.ChunkedArray) -> list[str]:
    return [v for v in pc.unique(column).to_pylist() if v]


def _dates_ok(table: pa.Table) -> bool:
    for column in DATE_COLUMNS:
        for text in _distinct(table[column]):
            parsed = parse_date(text)
            if parsed is None or (column in FULL_DATE_COLUMNS and parsed.as_date() is None):
                return False
    days = pc.utf8_slice_codeunits(table["updated_at"], 0, 10)
    return all(parse_date(day) is not None for day in _distinct(days))


def _all(mask: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.all(mask).as_py() is not False)


def _formats_ok(table: pa.Table) -> bool:
    for column in REQUIRED_COLUMNS:
        if not _all(pc.not_equal(table[column], "")):
            return False
    for column, (pattern, _, _) in PATTERNS.items():
        optional = "?" if column not in REQUIRED_COLUMNS else ""
        if not _all(pc.match_substring_regex(table[column], f"^(?:(?:{pattern})){optional}$")):
            return False
    for column, codes in CODES.items():
        if not _all(pc.is_in(table[column], value_set=pa.array(list(codes)))):
            return False
    lengths = ((pc.max(pc.utf8_length(table[c])).as_py() or 0, limit) for c, limit in LIMITS.items())
    return all(length <= limit for length, limit in lengths)


def _foreign_ok(table: pa.Table) -> bool:
    """外国人住民 need name_alpha, nationality, residence status (and an expiry unless permanent)."""
    japanese, foreign = pc.equal(table["resident_kind"], "1"), pc.equal(table["resident_kind"], "2")
    filled = {c: pc.not_equal(table[c], "") for c in FOREIGN_ONLY}
    for column in FOREIGN_ONLY:
        if pc.any(pc.and_(japanese, filled[column])).as_py():
            return False
    for column in FOREIGN_REQUIRED:
        if pc.any(pc.and_(foreign, pc.invert(filled[column]))).as_py():
            return False
    permanent = pc.is_in(table["residence_status"], value_set=pa.array(sorted(NO_EXPIRY_RESIDENCE_STATUSES)))
    no_expiry = pc.and_(pc.invert(filled["residence_expiry"]), pc.invert(permanent))
    return not pc.any(pc.and_(foreign, no_expiry)).as_py()


def _status_ok(table: pa.Table) -> bool:
    """A codes leave the person 住民 (1); B codes the status of their removal; C codes any."""
    pairs = table.select(["move_reason", "resident_status"]).group_by(["move_reason", "resident_status"])
    for pair in pairs.aggregate([]).to_pylist():
        move, status = MoveReason(pair["move_reason"]), pair["resident_status"]
        expected = move.removal_status
        if expected is not None and status != str(int(expected)):
            return False
        if move.adds_resident and status != "1":
            return False
    return True


def _unique(column: pa.ChunkedArray) -> bool:
    return bool(pc.count_distinct(column).as_py() == len(column))


def is_clean(table: pa.Table) -> bool:
    """True when every row rule of the spec holds and 宛名番号 / 住民票コード are unique in the file."""
    return (
        _formats_ok(table)
        and _dates_ok(table)
        and _foreign_ok(table)
        and _status_ok(table)
        and _unique(table["atena_no"])
        and _unique(table["juminhyo_code"])
    )


def has_gaiji(table: pa.Table) -> pa.ChunkedArray:
    """Per row: does a name or address column hold a 外字 (private-use character)?"""
    found = pc.match_substring_regex(table[GAIJI_COLUMNS[0]], GAIJI_CLASS)
    for column in GAIJI_COLUMNS[1:]:
        found = pc.or_(found, pc.match_substring_regex(table[column], GAIJI_CLASS))
    return found
