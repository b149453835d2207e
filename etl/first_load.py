"""The first full load: an empty register filled straight from a clean file, in the caller's transaction.

Merging through staging tables maintains every index row by row, which costs many times a raw COPY when
every row is new. When the register (residents, their history, households) is empty and the session's role
owns its tables, the loader instead, inside a savepoint:
- locks the register tables (ACCESS EXCLUSIVE until commit: nobody reads a register that is being born),
- sets the indexes, primary and foreign keys of residents aside (transactional DDL: a rollback or a kill
  brings them back with everything else),
- COPYs the rows frozen into register.residents as they are read block by block (etl.first_load_stream:
  each block parsed by Arrow, checked by etl.fast_check on a worker thread, converted and sent in COPY's
  binary format (etl.arrow_copy) by a background thread while PostgreSQL writes the previous one). Each row
  is version 1 of its person: the current version lives in residents, resident_versions gets a row only
  when a later load replaces it,
- restores the indexes and keys while the keys' uniqueness and the households are worked out from the
  whole file on the other core, then COPYs the households.
Any doubt (etl.fast_check says no, or PostgreSQL refuses a value) rolls the savepoint back and the loader
takes the SQL path, which reports every error. CHECK constraints hold on every row as ever. Card effects
see the people who left the register (B codes) through the usual diff table (register_staging.DIFF).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.db.engine import psycopg_connection
from core.domain.register import STORED_COLUMNS
from core.services.register import LoadSummary
from core.services.register_staging import create_diff
from etl.arrow_copy import copy_parts
from etl.extract import RawExtract
from etl.fast_check import has_gaiji, is_clean, parse_columns
from etl.first_load_stream import BlockReader, NotFast
from etl.register_dates import Lookup, spread

REGISTER_TABLES = ("register.residents", "register.resident_versions", "register.households")
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


def _nullable(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """An empty text is NULL, as the SQL path's nullif() makes it (a column without one is left as is)."""
    if pc.min(pc.binary_length(column)).as_py() != 0:
        return column
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def stored_rows(
    table: pa.Table, first_line: int, lookups: dict[str, Lookup], *, file_id: int, recorded_by: str
) -> pa.Table:
    """The rows of a block as register.residents stores them (RESIDENT_COLUMNS: each person's version 1,
    recorded by RECORDED_BY; a code stays a text, the COPY casts it to its column's type); FIRST_LINE is the
    line of TABLE's first row (one record per line: fast_check), LOOKUPS its date_lookups."""
    rows = table.num_rows
    out = {name: _nullable(table[name]) for name in STORED_COLUMNS if name in table.column_names}
    births = spread(table["birth_date"], lookups["birth_date"])
    out |= dict(zip(("birth_year", "birth_month", "birth_day", "birth_date"), births, strict=True))
    for name in ("move_date", "notified_date", "residence_expiry"):
        out[name] = spread(table[name], lookups[name])[0]
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
    if record_file is None:
        table = parse_columns(raw.text, raw.header)
        fits = table is not None and table.num_rows == expected[0]
        return fits and is_clean(table) and summarise(table, summary)
    savepoint = session.begin_nested()
    file_id = record_file()
    with ThreadPoolExecutor(1) as pool:  # the checks run beside the conversion (Arrow frees the GIL)
        reader = BlockReader(raw.text, raw.header, expected[0], pool)
        try:
            deferred = _write_residents(
                session, reader.parts(partial(stored_rows, file_id=file_id, recorded_by=actor))
            )
            # what needs the whole file runs on the other core while PostgreSQL rebuilds the indexes
            whole = reader.whole()
            clean, homes = pool.submit(reader.clean), pool.submit(households, whole)
            _restore(session, deferred)
        except (DBAPIError, psycopg.Error, pa.ArrowInvalid, NotFast):
            savepoint.rollback()  # unfit, or a value PostgreSQL refuses: the SQL path reports it
            return False
        if not clean.result():
            savepoint.rollback()
            return False
        summarise(whole, summary)
        _complete_register(session, homes.result())
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
    copy_parts(
        psycopg_connection(session), "register.residents", RESIDENT_COLUMNS, parts, freeze=not referenced
    )
    return deferred


def _restore(session: Session, deferred: list[tuple[str, str]]) -> None:
    """Indexes, primary and foreign keys back (each built at once over every row)."""
    for _, create in deferred:
        session.execute(text(create))


def _complete_register(session: Session, homes: pa.Table) -> None:
    """The households, and the diff table for the card effects."""
    copy_parts(psycopg_connection(session), "register.households", HOUSEHOLD_COLUMNS, homes.to_batches())
    _diff_of_leavers(session)


def households(table: pa.Table) -> pa.Table:
    """Each 世帯 once, headed by a 世帯主 who is still 住民 (if any), as the merge would record it."""
    is_head = pc.and_(pc.equal(table["relation"], "世帯主"), pc.equal(table["resident_status"], "1"))
    heads = table.filter(is_head).group_by("household_no").aggregate([("atena_no", "min")])
    every = pa.table({"household_no": pc.unique(table["household_no"])})
    joined = every.join(heads, "household_no", join_type="left outer")
    # in key order: the COPY then adds each key at the end of the primary key's index
    return joined.sort_by("household_no").rename_columns(["household_no", "head_atena_no"])


def _diff_of_leavers(session: Session) -> None:
    """The diff table as the card effects read it: people new to the register who left it and hold a card."""
    create_diff(
        session,
        """SELECT r.*, true AS is_new FROM register.residents r
        WHERE r.move_reason LIKE 'B%'
          AND EXISTS (SELECT 1 FROM cards.cards c WHERE c.holder_atena_no = r.atena_no)""",
    )
