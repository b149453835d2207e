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

import re
import struct

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.domain.register import (
    COLUMNS,
    NO_EXPIRY_RESIDENCE_STATUSES,
    REQUIRED_COLUMNS,
    MoveReason,
)
from etl.register_dates import Lookup, date_lookups, dates_valid, parse_date, whole_dates
from etl.validate import (
    CODES,
    FOREIGN_ONLY,
    FOREIGN_REQUIRED,
    GAIJI_CLASS,
    LIMITS,
    PATTERNS,
)

GAIJI_COLUMNS = ("name", "name_kana", "common_name", "address", "address_extra")


# One CSV line as RFC 4180 writes it: fields unquoted (no quote inside) or wholly quoted ("" for a quote).
_FIELD = '(?:[^",\r\n]*|"(?:[^"\r\n]|"")*")'
_RFC_LINE = f"^{_FIELD}(?:,{_FIELD})*\r?$"
_LONE_CR = re.compile("\r(?!\n)")


def _lines_ok(text: str, data: bytes) -> bool:
    """TEXT (DATA: its UTF-8) has no lone CR (it ends a record in COPY), no NUL (PostgreSQL refuses it) and
    every quote where RFC 4180 puts it: then Arrow's reader and PostgreSQL's COPY split fields alike (COPY
    opens a quoted part at any quote, even inside a field; Arrow only at a field's start)."""
    if ("\r" in text and _LONE_CR.search(text)) or b"\x00" in data:
        return False
    if b'"' not in data:
        return True
    offsets = pa.py_buffer(struct.pack("<2q", 0, len(data)))
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    lines = pc.split_pattern(whole, "\n")[0].values
    return _all(pc.match_substring_regex(lines, _RFC_LINE))


def rows_start(text: str) -> int | None:
    """Where the rows begin (after the header line); None when the header line is not plain RFC 4180."""
    end = text.find("\n") + 1 or len(text)
    return end if _lines_ok(text[:end], text[:end].encode("utf-8")) else None


def parse_rows(rows: str, header: list[str]) -> pa.Table | None:
    """Every extract column of ROWS (whole lines after the header) as strings (an absent optional one all
    empty); None unless one record a line and quoted as RFC 4180 says (anything else takes the SQL path,
    where COPY parses and reports it)."""
    data = rows.encode("utf-8")
    if not _lines_ok(rows, data):
        return None
    rows_by_lines = rows.count("\n") + (0 if rows.endswith("\n") or not rows else 1)
    if rows_by_lines == 0:
        return pa.table({c: pa.array([], pa.string()) for c in COLUMNS})
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=header, use_threads=False),
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


def parse_columns(text: str, header: list[str]) -> pa.Table | None:
    """parse_rows over a whole extract (its header line included)."""
    start = rows_start(text)
    return None if start is None else parse_rows(text[start:], header)


def _unusual(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """The distinct non-empty texts of COLUMN that are not whole ISO / compact dates."""
    distinct = pc.unique(column)
    mask, _ = whole_dates(distinct)
    return [v for v in pc.filter(distinct, pc.invert(mask)).to_pylist() if v]


def _dates_ok(table: pa.Table, lookups: dict[str, Lookup]) -> bool:
    days = pc.utf8_slice_codeunits(table["updated_at"], 0, 10)
    return dates_valid(lookups) and all(parse_date(day) is not None for day in _unusual(days))


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


def rows_clean(table: pa.Table, lookups: dict[str, Lookup] | None = None) -> bool:
    """True when every row rule of the spec holds (each row on its own: a block of the file may be
    checked apart from the others). LOOKUPS: TABLE's date_lookups, when already made."""
    dates_ok = _dates_ok(table, lookups or date_lookups(table))
    return dates_ok and _formats_ok(table) and _foreign_ok(table) and _status_ok(table)


def unique_in_file(table: pa.Table) -> bool:
    """True when 宛名番号 and 住民票コード are unique in TABLE (the whole file)."""
    return _unique(table["atena_no"]) and _unique(table["juminhyo_code"])


def is_clean(table: pa.Table) -> bool:
    """True when every row rule of the spec holds and 宛名番号 / 住民票コード are unique in the file."""
    return rows_clean(table) and unique_in_file(table)


def has_gaiji(table: pa.Table) -> pa.ChunkedArray:
    """Per row: does a name or address column hold a 外字 (private-use character)?"""
    found = pc.match_substring_regex(table[GAIJI_COLUMNS[0]], GAIJI_CLASS)
    for column in GAIJI_COLUMNS[1:]:
        found = pc.or_(found, pc.match_substring_regex(table[column], GAIJI_CLASS))
    return found
