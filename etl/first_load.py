"""The first full load: an empty register filled straight from a clean file, in the caller's transaction.

Merging through staging tables maintains every index row by row, which costs many times a raw COPY when
every row is new. When the register (residents, their history, households) is empty and the session's role
owns its tables, the loader instead, inside a savepoint:
- locks the register tables (ACCESS EXCLUSIVE until commit: nobody reads a register that is being born),
- sets the indexes, primary and foreign keys of residents aside (transactional DDL: a rollback or a kill
  brings them back with everything else),
- COPYs the converted rows (Arrow -> csv, sent by a background thread) frozen into register.residents: each
  row is version 1 of its person (the current version lives in residents; resident_versions gets a row only
  when a later load replaces it), while etl.fast_check checks the file on the other core,
- restores the indexes and keys and COPYs the households.
Any doubt (etl.fast_check says no, or PostgreSQL refuses a value) rolls the savepoint back and the loader
takes the SQL path, which reports every error. CHECK constraints hold on every row as ever. Card effects
see the people who left the register (B codes) through the usual register_diff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.domain.register import STORED_COLUMNS
from core.services.register import LoadSummary
from etl.extract import RawExtract
from etl.fast_check import has_gaiji, is_clean, parse_columns, parse_date

REGISTER_TABLES = ("register.residents", "register.resident_versions", "register.households")
CHUNK_ROWS = 32_768
# version (1) and recorded_at (now()) are the columns' defaults
RESIDENT_COLUMNS = (
    *STORED_COLUMNS,
    "source_file_id",
    "source_line",
    "valid_from",
    "change_kind",
    "recorded_by",
)
HOUSEHOLD_COLUMNS = ("household_no", "head_atena_no")


def _driver(session: Session) -> psycopg.Connection:
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


def register_is_empty(session: Session) -> bool:
    """True when the register holds nobody yet: the next load is a first load."""
    empty = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table})" for table in REGISTER_TABLES)
    return bool(session.execute(text(f"SELECT {empty}")).scalar())


def register_is_ours_and_empty(session: Session) -> bool:
    """True when this role owns the register tables and they hold nobody (then locked until commit)."""
    owned = session.execute(
        text(
            "SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class"
            " WHERE oid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": list(REGISTER_TABLES)},
    ).scalar()
    if not owned or not register_is_empty(session):
        return False  # checked before locking: an ordinary load must not shut readers out
    session.execute(text(f"LOCK TABLE {', '.join(REGISTER_TABLES)} IN ACCESS EXCLUSIVE MODE"))
    return register_is_empty(session)


def summarise(table: pa.Table, summary: LoadSummary) -> bool:
    """Everyone is new to an empty register; those no longer 住民 count as removed (as the merge does)."""
    pairs = table.group_by(["resident_status", "move_reason"]).aggregate([("atena_no", "count")])
    for pair in pairs.to_pylist():
        outcome = "new" if pair["resident_status"] == "1" else "removed"
        people = pair["atena_no_count"]
        setattr(summary, outcome, getattr(summary, outcome) + people)
        key = (outcome, pair["move_reason"])
        summary.by_reason[key] = summary.by_reason.get(key, 0) + people
    return True


Lookup = tuple[pa.Array, list[pa.Array]]  # distinct texts of a column, and what each converts to


def _spread(column: pa.ChunkedArray, lookup: Lookup) -> list[pa.Array]:
    """The converted values of LOOKUP spread over the rows of COLUMN."""
    distinct, values = lookup
    where = pc.index_in(column, value_set=distinct)
    return [pc.take(kind, where) for kind in values]


def _nullable(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """An empty text is NULL, as the SQL path's nullif() makes it (COPY csv reads "" as an empty text)."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _iso(text: str) -> tuple[date | None]:
    parsed = parse_date(text) if text else None
    return (parsed.as_date() if parsed else None,)


def _birth(text: str) -> tuple[int | None, int | None, int | None, date | None]:
    birth = parse_date(text)
    if birth is None:  # the check refuses the file; until it says so the value is NULL
        return (None, None, None, None)
    return (birth.year, birth.month, birth.day, birth.as_date())


# A whole date written YYYY-MM-DD or YYYYMMDD (ASCII digits, no 不詳 part): Arrow converts it.
_MONTH, _DAY = "(?:0[1-9]|1[0-2])", "(?:0[1-9]|[12][0-9]|3[01])"
_WHOLE_DATE = f"^[0-9]{{4}}(?:-{_MONTH}-{_DAY}|{_MONTH}{_DAY})$"


def _whole_dates(distinct: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(mask, dates) of the distinct texts Arrow converts exactly as parse_register_date does: whole
    ISO / compact dates that read back as written (no 2023-02-30 rolled over to March)."""
    compact = pc.replace_substring(distinct, "-", "")
    dates = pc.cast(pc.strptime(compact, format="%Y%m%d", unit="s", error_is_null=True), pa.date32())
    same = pc.equal(pc.strftime(dates, format="%Y%m%d"), compact)
    mask = pc.fill_null(pc.and_(pc.match_substring_regex(distinct, _WHOLE_DATE), same), False)
    return mask, dates


def _date_lookup(column: pa.ChunkedArray, *, birth: bool) -> Lookup:
    """Whole ISO / compact dates converted by Arrow, the rest (和暦, 不詳, empty) by the domain's parser."""
    distinct = pc.unique(column)
    mask, dates = _whole_dates(distinct)
    convert, kinds = (_birth, [pa.int16()] * 3 + [pa.date32()]) if birth else (_iso, [pa.date32()])
    none = (None,) * len(kinds)
    texts, wholes = distinct.to_pylist(), mask.to_pylist()
    rest = [none if whole else convert(text) for text, whole in zip(texts, wholes, strict=True)]
    by_python = [pa.array([values[k] for values in rest], kind) for k, kind in enumerate(kinds)]
    by_arrow = [pc.cast(pc.year(dates), pa.int16()), pc.cast(pc.month(dates), pa.int16())] if birth else []
    by_arrow += [pc.cast(pc.day(dates), pa.int16()), dates] if birth else [dates]
    return distinct, [pc.if_else(mask, a, p) for a, p in zip(by_arrow, by_python, strict=True)]


def date_lookups(table: pa.Table) -> dict[str, Lookup]:
    """The date columns' distinct texts and their stored values (birth: year, month, day, date)."""
    lookups = {"birth_date": _date_lookup(table["birth_date"], birth=True)}
    for name in ("move_date", "notified_date", "residence_expiry"):
        lookups[name] = _date_lookup(table[name], birth=False)
    return lookups


def stored_rows(
    table: pa.Table,
    file_id: int,
    first_line: int = 2,
    lookups: dict[str, Lookup] | None = None,
    *,
    recorded_by: str,
) -> pa.Table:
    """The rows as register.residents stores them (RESIDENT_COLUMNS: each person's version 1, recorded by
    RECORDED_BY); FIRST_LINE is the line of TABLE's first row (one record per line: fast_check)."""
    rows = table.num_rows
    lookups = lookups or date_lookups(table)
    out = {name: _nullable(table[name]) for name in STORED_COLUMNS if name in table.column_names}
    births = _spread(table["birth_date"], lookups["birth_date"])
    out |= dict(zip(("birth_year", "birth_month", "birth_day", "birth_date"), births, strict=True))
    for name in ("move_date", "notified_date", "residence_expiry"):
        out[name] = _spread(table[name], lookups[name])[0]
    out["postal_code"] = pc.replace_substring(table["postal_code"], "-", "")
    out["updated_at"] = pc.binary_join_element_wise(table["updated_at"], "+09", "")
    out["has_gaiji"] = has_gaiji(table)
    columns = {name: out[name] for name in STORED_COLUMNS}
    columns["source_file_id"] = pa.array([file_id] * rows, pa.int32())
    columns["source_line"] = pa.array(range(first_line, first_line + rows), pa.int32())
    columns["valid_from"] = out["updated_at"]
    is_resident = pc.equal(table["resident_status"], "1")
    columns["change_kind"] = pc.if_else(is_resident, pa.scalar("new"), pa.scalar("removed"))
    columns["recorded_by"] = pa.array([recorded_by] * rows, pa.string())
    return pa.table(columns)


def stored_parts(table: pa.Table, file_id: int, recorded_by: str) -> Iterator[pa.Table]:
    """stored_rows part by part (CHUNK_ROWS rows), converted as the COPY asks for them: Python converts
    the next part while PostgreSQL writes the last one."""
    lookups = date_lookups(table)
    for start in range(0, table.num_rows, CHUNK_ROWS):
        part = table.slice(start, CHUNK_ROWS)
        yield stored_rows(part, file_id, first_line=start + 2, lookups=lookups, recorded_by=recorded_by)


def _deferrable_ddl(session: Session) -> list[tuple[str, str]]:
    """(drop, re-create) DDL of what costs most row by row and least built at once: the indexes, primary
    keys (none is referenced) and foreign keys (a lookup a row) of residents.

    CHECK constraints stay: they are checked row by row as ever."""
    tables = "'register.residents'::regclass"
    indexes = session.execute(
        text(
            f"""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid IN ({tables})
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1"""
        )
    )
    ddl = [(f"DROP INDEX {name}", definition) for name, definition in indexes]
    keys = session.execute(
        text(
            f"""SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
            FROM pg_constraint c WHERE c.conrelid IN ({tables}) AND (c.contype = 'f' OR (c.contype = 'p'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.confrelid = c.conrelid)))
            ORDER BY c.contype DESC, 1, 2"""
        )
    )
    for table, name, definition in keys:
        ddl.append(
            (
                f"ALTER TABLE {table} DROP CONSTRAINT {name}",
                f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}",
            )
        )
    return ddl


def try_first_load(
    session: Session,
    raw: RawExtract,
    expected: tuple[int, str],
    summary: LoadSummary,
    actor: str,
    record_file: Callable[[], int] | None,
) -> bool:
    """Load RAW by the first-load path when it applies (empty register, clean file) and fill SUMMARY.

    False: it did not apply and nothing changed; the SQL path then finds and reports every error.
    RECORD_FILE records the file and returns its id (None for a dry run, which writes nothing); ACTOR is
    who the history rows say recorded them."""
    if raw.sha256 != expected[1] or not register_is_ours_and_empty(session):
        return False
    table = parse_columns(raw.text, raw.header)
    if table is None or table.num_rows != expected[0]:
        return False
    if record_file is None:
        return is_clean(table) and summarise(table, summary)
    summarise(table, summary)
    savepoint = session.begin_nested()
    file_id = record_file()
    with ThreadPoolExecutor(1) as pool:  # the check runs beside the writes (Arrow frees the GIL)
        clean = pool.submit(is_clean, table)
        homes = pool.submit(households, table)
        try:
            deferred = _write_residents(session, stored_parts(table, file_id, actor))
        except (DBAPIError, psycopg.Error):
            savepoint.rollback()  # PostgreSQL refused a value: the SQL path reports it, line and column
            return False
        if not clean.result():
            savepoint.rollback()
            return False
        _complete_register(session, deferred, homes.result())
    savepoint.commit()
    return True


def _write_residents(session: Session, parts: Iterable[pa.Table]) -> list[tuple[str, str]]:
    """Set indexes and keys aside and COPY the residents; return the DDL that restores them."""
    # Memory and workers to rebuild the indexes at once: a btree index is sorted by up to two workers
    # beside this backend (the server's max_parallel_workers, 8 by default, allows them).
    session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    session.execute(text("SET LOCAL max_parallel_maintenance_workers = 2"))
    deferred = _deferrable_ddl(session)
    for drop, _ in deferred:
        session.execute(text(drop))
    referenced = session.execute(
        text("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = 'register.residents'::regclass)")
    ).scalar()
    if not referenced:  # empty already: the TRUNCATE lets the COPY write the rows frozen
        session.execute(text("TRUNCATE register.residents"))
    _copy(_driver(session), "register.residents", RESIDENT_COLUMNS, parts, freeze=not referenced)
    return deferred


def _complete_register(session: Session, deferred: list[tuple[str, str]], homes: pa.Table) -> None:
    """Indexes and foreign keys back, the households, and register_diff for the card effects."""
    for _, create in deferred:
        session.execute(text(create))
    _copy(_driver(session), "register.households", HOUSEHOLD_COLUMNS, homes.to_batches())
    _diff_of_leavers(session)


def _copy(
    driver: psycopg.Connection,
    target: str,
    columns: Iterable[str],
    parts: Iterable[pa.RecordBatch | pa.Table],
    *,
    freeze: bool = False,
) -> None:
    """COPY the parts (csv) into TARGET, sent by a background thread while the next part is written.

    FREEZE writes the rows frozen, legal when TARGET was truncated in this (sub)transaction."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    sql = f"COPY {target} ({', '.join(columns)}) FROM STDIN (FORMAT csv{', FREEZE' if freeze else ''})"
    with driver.cursor() as cursor, cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for part in parts:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(part, sink, options)
            copy.write(sink.getvalue())


def households(table: pa.Table) -> pa.Table:
    """Each 世帯 once, headed by a 世帯主 who is still 住民 (if any), as the merge would record it."""
    is_head = pc.and_(pc.equal(table["relation"], "世帯主"), pc.equal(table["resident_status"], "1"))
    heads = table.filter(is_head).group_by("household_no").aggregate([("atena_no", "min")])
    every = pa.table({"household_no": pc.unique(table["household_no"])})
    joined = every.join(heads, "household_no", join_type="left outer")
    return joined.rename_columns(["household_no", "head_atena_no"])


def _diff_of_leavers(session: Session) -> None:
    """register_diff as the card effects read it: people new to the register who left it and hold a card."""
    session.execute(text("DROP TABLE IF EXISTS register_diff"))
    session.execute(
        text(
            """CREATE TEMP TABLE register_diff ON COMMIT DROP AS
            SELECT r.*, true AS is_new FROM register.residents r
            WHERE r.move_reason LIKE 'B%'
              AND EXISTS (SELECT 1 FROM cards.cards c WHERE c.holder_atena_no = r.atena_no)"""
        )
    )
