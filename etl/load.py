"""Loading a register extract into PostgreSQL: read, COPY raw rows, validate set-based, merge; all or nothing.

`load_extract` is the one entry point (the CLI's `etl load` and etl.pull call it): it loads one file in its
own transaction, as the register tables' owner while the register is empty (so that a first full load can
take etl.first_load's path), and commits only a `loaded` outcome. `load_file` is its step inside a
transaction the caller owns (tests run it in a savepoint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import psycopg_connection
from core.db.models.register import LoadAlert
from core.domain.errors import DomainError
from core.domain.register import parse_extract_file_name
from core.services import register as register_service
from core.services import register_staging
from core.services.audit import Actor
from core.services.register_effects import apply_card_effects, load_alerts
from etl import first_load
from etl.extract import RawExtract, read_end, read_extract, sort_by_extract_date
from etl.stage import build_stage, copy_raw, row_errors
from etl.validate import LoadError, check_end, check_header

Progress = Callable[[str, int, int], None]
__all__ = ["LoadOutcome", "Progress", "load_extract", "load_file", "sort_by_extract_date"]
Status = Literal["loaded", "rejected", "already_loaded", "dry_run"]


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


def load_extract(
    path: Path,
    actor: Actor,
    factory: sessionmaker[Session],
    *,
    owner_factory: sessionmaker[Session] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> LoadOutcome:
    """Load PATH in its own transaction, committed only when the outcome is `loaded`.

    While the register is empty, OWNER_FACTORY's sessions (the register tables' owner), when given, load
    it: a first full load rebuilds the register's indexes after its COPY, which only the owner may do.
    Every other load runs in FACTORY's (the ETL role's limits)."""
    loader = owner_factory if owner_factory is not None and _register_empty(factory) else factory
    with loader() as session, session.begin():
        outcome = load_file(session, path, actor, dry_run=dry_run, progress=progress or _noop)
        if outcome.status != "loaded":
            session.rollback()
    return outcome


def _register_empty(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return first_load.register_is_empty(session)


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
        build_stage(session, raw)
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
        register_staging.drop_all(session)
        outcome.status = "dry_run"
        return outcome
    assert summary.file_id is not None
    apply_card_effects(session, summary.file_id, path.name, actor, first_load=fast)
    register_staging.drop_all(session)
    session.flush()
    outcome.alerts = load_alerts(session, summary.file_id)
    progress("反映 / merge", 1, 1)
    outcome.status = "loaded"
    return outcome


def _tune(session: Session) -> None:
    """Memory for this transaction's sorts, hashes and temporary tables (a whole register is ~100 MB)."""
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    driver = psycopg_connection(session)
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
        rows = copy_raw(session, raw)
    except DomainError as error:
        errors.append(_file_error(error))
        return False
    progress("取込 / stage", rows, rows)
    errors.extend(check_end(rows, raw.sha256, expected))
    progress("検査 / validate", 0, rows)
    errors.extend(row_errors(session, raw.header))
    progress("検査 / validate", rows, rows)
    return not errors
