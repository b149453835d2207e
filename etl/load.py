"""Loading a register extract into PostgreSQL: read, COPY raw rows, validate set-based, merge; all or nothing.

The caller owns the transaction: commit when the outcome is `loaded`, roll back otherwise (a dry run too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db.models.register import LoadAlert
from core.domain.errors import DomainError
from core.domain.register import COLUMNS, parse_extract_file_name
from core.services import register as register_service
from core.services.audit import Actor
from core.services.register_effects import apply_card_effects, load_alerts
from etl import first_load
from etl.extract import RawExtract, read_end, read_extract, record_lines, sort_by_extract_date
from etl.validate import (
    DATE_COLUMNS,
    FULL_DATE_COLUMNS,
    GAIJI_CLASS,
    LoadError,
    RowCheck,
    check_end,
    check_header,
    parse_dates,
    row_checks,
    value,
)

Progress = Callable[[str, int, int], None]
__all__ = ["LoadOutcome", "Progress", "load_file", "sort_by_extract_date"]
Status = Literal["loaded", "rejected", "already_loaded", "dry_run"]
RAW = "register_raw"
_COPY_CHUNK = 1 << 24  # characters per COPY write
MAX_ERRORS = 100_000  # beyond this the file is plainly not an extract; the count is still reported


@dataclass
class LoadOutcome:
    """What happened to one file."""

    path: Path
    status: Status
    errors: list[LoadError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    summary: register_service.LoadSummary | None = None
    alerts: list[LoadAlert] = field(default_factory=list)
    sha256: str | None = None


def _file_error(error: DomainError) -> LoadError:
    return LoadError(None, None, None, error.message_ja, error.message_en)


def _noop(_task: str, _done: int, _total: int) -> None:
    return None


def load_file(
    session: Session,
    path: Path,
    actor: Actor,
    *,
    dry_run: bool = False,
    progress: Progress = _noop,
) -> LoadOutcome:
    """Load PATH in the caller's transaction; every problem found is in `errors` (then nothing applies)."""
    outcome = LoadOutcome(path, "rejected")
    try:
        extract_date, kind = parse_extract_file_name(path.name)
        expected = read_end(path)
        progress("読込 / read", 0, 1)
        raw = read_extract(path.name, path.read_bytes())
        progress("読込 / read", 1, 1)
    except DomainError as error:
        outcome.errors.append(_file_error(error))
        return outcome
    outcome.encoding, outcome.sha256 = raw.encoding, raw.sha256
    previous = register_service.find_loaded(session, raw.sha256)
    if previous is not None:
        outcome.status = "already_loaded"
        outcome.summary = register_service.LoadSummary(path.name, kind.value, previous.record_count)
        outcome.summary.already_loaded_as, outcome.summary.file_id = previous.file_name, previous.id
        return outcome
    _tune(session)
    if not _check_file(session, raw, extract_date, outcome):
        return outcome
    summary = register_service.LoadSummary(path.name, kind.value, expected[0])

    def record_file() -> int:
        return register_service.record_file(
            session, summary, extract_date=extract_date, sha256=raw.sha256, actor=actor
        )

    fast = not outcome.errors and first_load.try_first_load(
        session, raw, expected, summary, actor.name, None if dry_run else record_file
    )
    if not fast:
        if not _check_rows(session, raw, expected, outcome, progress):
            return outcome
        _build_stage(session, raw)
    progress("反映 / merge", 0, 1)
    if not fast:
        summary = register_service.apply_staged(
            session,
            file_name=path.name,
            kind=kind,
            extract_date=extract_date,
            sha256=raw.sha256,
            rows=expected[0],
            actor=actor,
            dry_run=dry_run,
        )
    outcome.summary = summary
    if dry_run:
        register_service.drop_staging(session)
        outcome.status = "dry_run"
        return outcome
    assert summary.file_id is not None
    apply_card_effects(session, summary.file_id, path.name, actor, first_load=fast)
    register_service.drop_staging(session)
    session.flush()
    outcome.alerts = load_alerts(session, summary.file_id)
    progress("反映 / merge", 1, 1)
    outcome.status = "loaded"
    return outcome


def _tune(session: Session) -> None:
    """Memory for this transaction's sorts, hashes and temporary tables (a whole register is ~100 MB)."""
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        # refused once the session has used a temporary table: then the default stays
        with driver.transaction():
            driver.execute("SET LOCAL temp_buffers = '512MB'")
    except psycopg.errors.InvalidParameterValue:
        pass


def _check_file(session: Session, raw: RawExtract, extract_date: date, outcome: LoadOutcome) -> bool:
    """The file-level rules, date order and header. True when the rows may be read (the header is sound)."""
    try:
        register_service.check_order(session, raw.name, extract_date)
    except DomainError as error:
        outcome.errors.append(_file_error(error))
    header_errors, outcome.ignored_columns = check_header(raw.header)
    outcome.errors.extend(header_errors)  # a forbidden, missing or repeated column: rows are never read
    return not header_errors


def _check_rows(
    session: Session, raw: RawExtract, expected: tuple[int, str], outcome: LoadOutcome, progress: Progress
) -> bool:
    """Stage the rows and collect every error: COPY, end flag, row rules. True when there is none."""
    errors = outcome.errors
    progress("取込 / stage", 0, expected[0])
    try:
        rows = _copy_raw(session, raw)
    except DomainError as error:
        errors.append(_file_error(error))
        return False
    progress("取込 / stage", rows, rows)
    errors.extend(check_end(rows, raw.sha256, expected))
    progress("検査 / validate", 0, rows)
    errors.extend(_row_errors(session, raw.header))
    progress("検査 / validate", rows, rows)
    return not errors


def _raw_name(column: str, position: int) -> str:
    return column if column in COLUMNS else f"extra_{position}"


def _copy_raw(session: Session, raw: RawExtract) -> int:
    """COPY the rows as text into a temporary table (PostgreSQL parses the CSV); return the row count."""
    names = [_raw_name(column, i) for i, column in enumerate(raw.header)]
    session.execute(text(f"DROP TABLE IF EXISTS {RAW}, register_lines, register_dates"))
    session.execute(
        text(
            f"CREATE TEMP TABLE {RAW} ({', '.join(f'{n} text' for n in names)},"
            " row_no integer GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP"
        )
    )
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.transaction(), driver.cursor() as cursor:
            with cursor.copy(f"COPY {RAW} ({', '.join(names)}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
                for start in range(0, len(raw.text), _COPY_CHUNK):  # bounded memory at scale 10
                    copy.write(raw.text[start : start + _COPY_CHUNK])
            rows = cursor.rowcount
    except psycopg.DataError as error:
        diag = error.diag
        raise DomainError(
            f"CSV として読めません: {diag.message_primary}({diag.context})",
            f"not valid CSV: {diag.message_primary} ({diag.context})",
        ) from error
    _map_lines(session, raw.text, rows)
    return rows


def _map_lines(session: Session, text_: str, rows: int) -> None:
    """Line numbers: row N is on line N + 1 unless quoted fields hold line breaks; then map them."""
    session.execute(
        text("CREATE TEMP TABLE register_lines (row_no integer PRIMARY KEY, line integer) ON COMMIT DROP")
    )
    newlines = text_.count("\n") + (0 if text_.endswith("\n") else 1)
    if newlines == rows + 1:
        return
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with driver.cursor() as cursor, cursor.copy("COPY register_lines (row_no, line) FROM STDIN") as copy:
        for row_no, line in enumerate(record_lines(text_), start=1):
            copy.write_row((row_no, line))


_LINE = "coalesce((SELECT l.line FROM register_lines l WHERE l.row_no = r.row_no), r.row_no + 1)"


def _stage_dates(session: Session, header: list[str]) -> None:
    """Parse each distinct date text once (domain rules, incl. 和暦 and 不詳) into register_dates."""
    texts = [value(c, header) for c in DATE_COLUMNS] + [f"left({value('updated_at', header)}, 10)"]
    distinct = " UNION ".join(f"SELECT DISTINCT {t} FROM {RAW} r" for t in texts)
    found = [t for (t,) in session.execute(text(f"SELECT * FROM ({distinct}) d(t) WHERE t IS NOT NULL"))]
    session.execute(
        text(
            "CREATE TEMP TABLE register_dates (t text PRIMARY KEY, year int, month int, day int, iso date,"
            " error_ja text, error_en text) ON COMMIT DROP"
        )
    )
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with driver.cursor() as cursor, cursor.copy("COPY register_dates FROM STDIN") as copy:
        for row in parse_dates(found):
            copy.write_row(row)
    session.execute(text("ANALYZE register_dates"))


def _all_checks(header: list[str]) -> list[RowCheck]:
    """The spec's row rules plus the date rules (a date check's reason comes from register_dates)."""
    checks = row_checks(header)
    for column in DATE_COLUMNS:
        checks.append(RowCheck(column, f"d_{column}.error_ja IS NOT NULL", "", ""))
        if column in FULL_DATE_COLUMNS:
            checks.append(
                RowCheck(
                    column,
                    f"d_{column}.t IS NOT NULL AND d_{column}.error_ja IS NULL AND d_{column}.iso IS NULL",
                    "この日付は不詳(00)にできません",
                    "this date cannot have unknown (00) parts",
                )
            )
    checks.append(RowCheck("updated_at", "d_updated_at.error_ja IS NOT NULL", "", ""))
    return checks


def _date_joins(header: list[str]) -> str:
    joins = [f"LEFT JOIN register_dates d_{c} ON d_{c}.t = {value(c, header)}" for c in DATE_COLUMNS]
    updated = value("updated_at", header)
    joins.append(f"LEFT JOIN register_dates d_updated_at ON d_updated_at.t = left({updated}, 10)")
    return " ".join(joins)


def _row_errors(session: Session, header: list[str]) -> list[LoadError]:
    """Every broken row rule, in file order: one pass over the rows evaluates all rules."""
    _stage_dates(session, header)
    checks = _all_checks(header)
    cases = ", ".join(f"CASE WHEN {check.bad} THEN {k} END" for k, check in enumerate(checks))
    any_bad = " OR ".join(f"coalesce({check.bad}, false)" for check in checks)
    found = session.execute(
        text(
            f"SELECT {_LINE}, r.row_no, k FROM (SELECT r.row_no, ARRAY[{cases}] AS ks FROM {RAW} r"
            f" {_date_joins(header)} WHERE {any_bad}) r CROSS JOIN LATERAL unnest(r.ks) k"
            f" WHERE k IS NOT NULL ORDER BY r.row_no, k LIMIT {MAX_ERRORS}"
        )
    ).all()
    errors: list[tuple[int, int, LoadError]] = []
    if found:
        values = _values(session, header, sorted({row_no for _, row_no, _ in found}))
        date_errors = {
            t: (ja, en)
            for t, ja, en in session.execute(
                text("SELECT t, error_ja, error_en FROM register_dates WHERE error_ja IS NOT NULL")
            )
        }
        for line, row_no, k in found:
            check = checks[k]
            received = values[row_no].get(check.column)
            ja, en = check.reason_ja, check.reason_en
            if not ja:
                key = (received or "")[:10] if check.column == "updated_at" else received or ""
                ja, en = date_errors.get(key, ("日付が不正です", "invalid date"))
            errors.append(
                (line, COLUMNS.index(check.column), LoadError(line, check.column, received, ja, en))
            )
    errors += [(e.line or 0, -1, e) for e in _duplicates(session, header)]
    return [error for _, _, error in sorted(errors, key=lambda item: (item[0], item[1]))]


def _values(session: Session, header: list[str], row_nos: list[int]) -> dict[int, dict[str, str | None]]:
    columns = [c for c in COLUMNS if c in header]
    rows = session.execute(
        text(
            f"SELECT r.row_no, {', '.join(value(c, header) for c in columns)} FROM {RAW} r"
            " WHERE r.row_no = ANY(:ids)"
        ),
        {"ids": row_nos},
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def _duplicates(session: Session, header: list[str]) -> list[LoadError]:
    """宛名番号 and 住民票コード are unique within the file; a 住民票コード must not be another person's."""
    errors: list[LoadError] = []
    for column in ("atena_no", "juminhyo_code"):
        v = value(column, header)
        rows = session.execute(
            text(
                f"SELECT {_LINE}, {v}, min({_LINE}) OVER (PARTITION BY {v}) FROM {RAW} r"
                f" WHERE {v} IN (SELECT {v} FROM {RAW} r GROUP BY 1 HAVING count(*) > 1)"
            )
        )
        errors += [
            LoadError(
                line,
                column,
                received,
                f"{first}行目と重複しています(ファイル内で一意でなければなりません)",
                f"duplicates line {first} (must be unique within a file)",
            )
            for line, received, first in rows
            if line != first
        ]
    if session.execute(text("SELECT EXISTS (SELECT 1 FROM register.residents)")).scalar():
        errors += _codes_of_others(session, header)
    return errors


def _codes_of_others(session: Session, header: list[str]) -> list[LoadError]:
    code, atena = value("juminhyo_code", header), value("atena_no", header)
    other_code, other_atena = value("juminhyo_code", header, "o"), value("atena_no", header, "o")
    rows = session.execute(
        text(
            f"SELECT {_LINE}, {code}, x.atena_no FROM {RAW} r"
            f" JOIN register.residents x ON x.juminhyo_code = {code} AND x.atena_no <> {atena}"
            f" WHERE NOT EXISTS (SELECT 1 FROM {RAW} o WHERE {other_atena} = x.atena_no"
            f" AND {other_code} IS DISTINCT FROM x.juminhyo_code)"
        )
    )
    return [
        LoadError(
            line,
            "juminhyo_code",
            received,
            f"登録済みの宛名番号 {other} の住民票コードです",
            f"already the code of atena_no {other} in the register",
        )
        for line, received, other in rows
    ]


def _build_stage(session: Session, raw: RawExtract) -> None:
    """The typed staging table the merge reads (register_stage), from the validated raw rows."""
    h = raw.header
    v = {column: value(column, h) for column in COLUMNS}
    gaiji = " || ".join(
        f"coalesce({v[c]}, '')" for c in ("name", "name_kana", "common_name", "address", "address_extra")
    )
    gaiji = f"({gaiji}) ~ '{GAIJI_CLASS}'"
    date_joins = " ".join(f"LEFT JOIN register_dates d_{c} ON d_{c}.t = {v[c]}" for c in DATE_COLUMNS)
    select = f"""
        SELECT {v["atena_no"]} atena_no, {v["juminhyo_code"]} juminhyo_code, {v["household_no"]} household_no,
            {v["relation"]} relation, {v["resident_kind"]}::smallint resident_kind,
            {v["resident_status"]}::smallint resident_status, {v["name"]} "name", {v["name_kana"]} name_kana,
            {v["name_alpha"]} name_alpha, {v["common_name"]} common_name,
            d_birth_date.year::smallint birth_year, d_birth_date.month::smallint birth_month,
            d_birth_date.day::smallint birth_day, d_birth_date.iso birth_date, {v["sex"]}::smallint sex,
            replace({v["postal_code"]}, '-', '') postal_code, {v["address"]} address,
            {v["address_extra"]} address_extra, {v["area_code"]} area_code, {v["move_reason"]} move_reason,
            d_move_date.iso move_date, d_notified_date.iso notified_date,
            {v["card_status"]}::smallint card_status,
            {v["nationality"]} nationality, {v["residence_status"]} residence_status,
            d_residence_expiry.iso residence_expiry, ({v["updated_at"]} || '+09')::timestamptz updated_at,
            ({gaiji}) has_gaiji, {_LINE} source_line
        FROM {RAW} r {date_joins}"""
    session.execute(text(f"DROP TABLE IF EXISTS {register_service.STAGING_TABLE}"))
    session.execute(text(f"CREATE TEMP TABLE {register_service.STAGING_TABLE} ON COMMIT DROP AS {select}"))
    session.execute(text(f"DROP TABLE {RAW}"))
