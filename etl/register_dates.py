"""The register's date texts as Arrow columns: converted (and judged) once per distinct text.

Whole ISO / compact dates (YYYY-MM-DD, YYYYMMDD: nearly every date of an extract) are converted by Arrow;
every other text (和暦 GYYMMDD, 不詳 parts, anything odd) by the domain's parser, core.domain.register,
once per distinct text per process (parse_date). The first load's checks and its conversion share them.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from core.domain.register import InvalidRegisterDate, RegisterDate, parse_register_date
from etl.validate import DATE_COLUMNS

Lookup = tuple[pa.Array, list[pa.Array]]  # distinct texts of a column, and what each converts to

# A whole date written YYYY-MM-DD or YYYYMMDD (ASCII digits, year 0001-9999, no 不詳 part): Arrow
# converts it exactly as parse_register_date would; every other text goes to parse_date.
_MONTH, _DAY = "(?:0[1-9]|1[0-2])", "(?:0[1-9]|[12][0-9]|3[01])"
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_WHOLE_DATE = f"^{_YEAR}(?:-{_MONTH}-{_DAY}|{_MONTH}{_DAY})$"


@cache
def parse_date(text: str) -> RegisterDate | None:
    """The domain's date rules, once per distinct text; None when invalid."""
    try:
        return parse_register_date(text)
    except InvalidRegisterDate:
        return None


def whole_dates(distinct: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(mask, dates) of the distinct texts Arrow converts exactly as parse_register_date does: whole
    ISO / compact dates whose day Arrow keeps (no 2023-02-30 rolled over to 2 March)."""
    syntax = pc.fill_null(pc.match_substring_regex(distinct, _WHOLE_DATE), False)
    compact = pc.if_else(syntax, pc.replace_substring(distinct, "-", ""), "00000000")
    dates = pc.cast(pc.strptime(compact, format="%Y%m%d", unit="s", error_is_null=True), pa.date32())
    day = pc.cast(pc.utf8_slice_codeunits(compact, 6, 8), pa.int64())
    return pc.fill_null(pc.and_(syntax, pc.equal(pc.day(dates), day)), False), dates


@cache  # a text repeats in later blocks: its values are made once
def _iso(text: str) -> tuple[date | None]:
    parsed = parse_date(text) if text else None
    return (parsed.as_date() if parsed else None,)


@cache
def _birth(text: str) -> tuple[int | None, int | None, int | None, date | None]:
    birth = parse_date(text)
    if birth is None:  # the check refuses the file; until it says so the value is NULL
        return (None, None, None, None)
    return (birth.year, birth.month, birth.day, birth.as_date())


def _date_lookup(column: pa.ChunkedArray, *, birth: bool) -> Lookup:
    """Whole ISO / compact dates converted by Arrow, the rest (和暦, 不詳, empty) by the domain's parser."""
    distinct = pc.unique(column)
    mask, dates = whole_dates(distinct)
    unusual = pc.invert(mask)
    convert, kinds = (_birth, [pa.int16()] * 3 + [pa.date32()]) if birth else (_iso, [pa.date32()])
    rest = [convert(text) for text in pc.filter(distinct, unusual).to_pylist()]
    by_python = [pa.array([values[k] for values in rest], kind) for k, kind in enumerate(kinds)]
    by_arrow = [pc.cast(pc.year(dates), pa.int16()), pc.cast(pc.month(dates), pa.int16())] if birth else []
    by_arrow += [pc.cast(pc.day(dates), pa.int16()), dates] if birth else [dates]
    return distinct, [pc.replace_with_mask(a, unusual, p) for a, p in zip(by_arrow, by_python, strict=True)]


def date_lookups(table: pa.Table) -> dict[str, Lookup]:
    """The date columns' distinct texts and their stored values (birth: year, month, day, date)."""
    lookups = {"birth_date": _date_lookup(table["birth_date"], birth=True)}
    for name in DATE_COLUMNS[1:]:
        lookups[name] = _date_lookup(table[name], birth=False)
    return lookups


def spread(column: pa.ChunkedArray, lookup: Lookup) -> list[pa.Array]:
    """The converted values of LOOKUP spread over the rows of COLUMN."""
    distinct, values = lookup
    where = pc.index_in(column, value_set=distinct)
    return [pc.take(kind, where) for kind in values]


def dates_valid(lookups: dict[str, Lookup]) -> bool:
    """True when every date text is empty or a date the domain accepts (the birth date alone may have
    不詳 parts: the others must convert to a whole date)."""
    for distinct, values in lookups.values():
        valid = pc.or_(pc.equal(distinct, ""), pc.is_valid(values[0]))  # birth year, or the whole date
        if pc.all(valid).as_py() is False:
            return False
    return True
