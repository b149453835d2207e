"""Loading one register extract into PostgreSQL: read, validate, COPY into staging, merge — all or nothing.

The caller owns the transaction: commit when the outcome is `loaded`, roll back otherwise (a dry run too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.db.models.register import LoadAlert
from core.domain.errors import DomainError
from core.domain.register import ExtractKind, parse_extract_file_name
from core.services import register as register_service
from core.services.audit import Actor
from core.services.register_effects import apply_card_effects, load_alerts
from etl.extract import parse, read_end
from etl.validate import LoadError, validate

Progress = Callable[[str, int, int], None]
Status = Literal["loaded", "rejected", "already_loaded", "dry_run"]
_COPY_CHUNK = 20_000


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
    """Load PATH in the caller's transaction; every problem found is in `errors` (then nothing was applied)."""
    outcome = LoadOutcome(path, "rejected")
    errors = outcome.errors
    try:
        extract_date, kind = parse_extract_file_name(path.name)
    except DomainError as error:
        errors.append(_file_error(error))
        return outcome
    try:
        expected = read_end(path)
        progress("読込 / read", 0, 1)
        raw = parse(path.name, path.read_bytes())
        progress("読込 / read", 1, 1)
    except DomainError as error:
        errors.append(_file_error(error))
        return outcome
    outcome.encoding, outcome.sha256 = raw.encoding, raw.sha256
    previous = register_service.find_loaded(session, raw.sha256)
    if previous is not None:
        outcome.status = "already_loaded"
        outcome.summary = register_service.LoadSummary(path.name, kind.value, len(raw.rows))
        outcome.summary.already_loaded_as = previous.file_name
        outcome.summary.file_id = previous.id
        return outcome
    try:
        register_service.check_order(session, path.name, extract_date)
    except DomainError as error:
        errors.append(_file_error(error))
    progress("検査 / validate", 0, len(raw.rows))
    checked = validate(raw, expected)
    progress("検査 / validate", len(raw.rows), len(raw.rows))
    outcome.ignored_columns = checked.ignored_columns
    errors.extend(checked.errors)
    if errors:
        return outcome
    _stage(session, checked.rows, checked.lines, progress)
    outcome.summary = _apply(session, path.name, kind, extract_date, raw.sha256, len(raw.rows), actor, dry_run)
    if dry_run:
        register_service.drop_staging(session)
        outcome.status = "dry_run"
        return outcome
    progress("カードへの反映 / card effects", 0, 1)
    assert outcome.summary.file_id is not None
    apply_card_effects(session, outcome.summary.file_id, path.name, actor)
    register_service.drop_staging(session)
    session.flush()
    outcome.alerts = load_alerts(session, outcome.summary.file_id)
    progress("カードへの反映 / card effects", 1, 1)
    outcome.status = "loaded"
    return outcome


def _apply(
    session: Session,
    name: str,
    kind: ExtractKind,
    extract_date: Any,
    sha256: str,
    rows: int,
    actor: Actor,
    dry_run: bool,
) -> register_service.LoadSummary:
    return register_service.apply_staged(
        session,
        file_name=name,
        kind=kind,
        extract_date=extract_date,
        sha256=sha256,
        rows=rows,
        actor=actor,
        dry_run=dry_run,
    )


def _stage(
    session: Session, rows: list[tuple[str | None, ...]], lines: list[int], progress: Progress
) -> None:
    """COPY the validated rows into the staging table (one round trip per chunk, inside the transaction)."""
    register_service.create_staging(session)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    columns = ", ".join(register_service.STAGE_COLUMNS)
    total = len(rows)
    with driver.cursor() as cursor, cursor.copy(
        f"COPY {register_service.STAGING_TABLE} ({columns}) FROM STDIN"
    ) as copy:
        for start in range(0, total, _COPY_CHUNK):
            for row, line in zip(rows[start : start + _COPY_CHUNK], lines[start : start + _COPY_CHUNK], strict=True):
                copy.write_row((*row, line))
            progress("取込 / stage", min(start + _COPY_CHUNK, total), total)
