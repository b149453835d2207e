"""Staging a register extract in PostgreSQL: COPY its rows as text, check every row rule set-based, and
build the typed table the merge reads. The tables' names and DDL are core.services.register_staging's.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db.engine import psycopg_connection
from core.domain.errors import DomainError
from core.domain.register import COLUMNS
from core.services import register_staging as staging
from core.services.register_staging import DATES, LINES, RAW
from etl.extract import RawExtract, record_lines
from etl.validate import (
    DATE_COLUMNS,
    FULL_DATE_COLUMNS,
    GAIJI_CLASS,
    LoadError,
    RowCheck,
    parse_dates,
    row_checks,
    value,
)

_COPY_CHUNK = 1 << 24  # characters per COPY write
MAX_ERRORS = 100_000  # beyond this the file is plainly not an extract; the count is still reported


def _raw_name(column: str, position: int) -> str:
    return column if column in COLUMNS else f"extra_{position}"


def copy_raw(session: Session, raw: RawExtract) -> int:
    """COPY the rows as text into RAW (PostgreSQL parses the CSV); return the row count."""
    names = [_raw_name(column, i) for i, column in enumerate(raw.header)]
    staging.create_raw(session, names)
    driver = psycopg_connection(session)
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
    staging.create_lines(session)
    newlines = text_.count("\n") + (0 if text_.endswith("\n") else 1)
    if newlines == rows + 1:
        return
    driver = psycopg_connection(session)
    with driver.cursor() as cursor, cursor.copy(f"COPY {LINES} (row_no, line) FROM STDIN") as copy:
        for row_no, line in enumerate(record_lines(text_), start=1):
            copy.write_row((row_no, line))


_LINE = f"coalesce((SELECT l.line FROM {LINES} l WHERE l.row_no = r.row_no), r.row_no + 1)"


def _stage_dates(session: Session, header: list[str]) -> None:
    """Parse each distinct date text once (domain rules, incl. 和暦 and 不詳) into DATES."""
    texts = [value(c, header) for c in DATE_COLUMNS] + [f"left({value('updated_at', header)}, 10)"]
    distinct = " UNION ".join(f"SELECT DISTINCT {t} FROM {RAW} r" for t in texts)
    found = [t for (t,) in session.execute(text(f"SELECT * FROM ({distinct}) d(t) WHERE t IS NOT NULL"))]
    staging.create_dates(session)
    driver = psycopg_connection(session)
    with driver.cursor() as cursor, cursor.copy(f"COPY {DATES} FROM STDIN") as copy:
        for row in parse_dates(found):
            copy.write_row(row)
    session.execute(text(f"ANALYZE {DATES}"))


def _all_checks(header: list[str]) -> list[RowCheck]:
    """The spec's row rules plus the date rules (a date check's reason comes from DATES)."""
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
    joins = [f"LEFT JOIN {DATES} d_{c} ON d_{c}.t = {value(c, header)}" for c in DATE_COLUMNS]
    updated = value("updated_at", header)
    joins.append(f"LEFT JOIN {DATES} d_updated_at ON d_updated_at.t = left({updated}, 10)")
    return " ".join(joins)


def row_errors(session: Session, header: list[str]) -> list[LoadError]:
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
                text(f"SELECT t, error_ja, error_en FROM {DATES} WHERE error_ja IS NOT NULL")
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


def build_stage(session: Session, raw: RawExtract) -> None:
    """The typed staging table the merge reads (STAGE), from the validated raw rows (RAW then goes)."""
    h = raw.header
    v = {column: value(column, h) for column in COLUMNS}
    gaiji = " || ".join(
        f"coalesce({v[c]}, '')" for c in ("name", "name_kana", "common_name", "address", "address_extra")
    )
    gaiji = f"({gaiji}) ~ '{GAIJI_CLASS}'"
    date_joins = " ".join(f"LEFT JOIN {DATES} d_{c} ON d_{c}.t = {v[c]}" for c in DATE_COLUMNS)
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
    staging.create_stage(session, select)
