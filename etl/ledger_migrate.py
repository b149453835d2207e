"""`mynadesk migrate cards`: read, check and validate a ledger export, then migrate it in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from core.services.audit import Actor
from core.services.ledger_migration import MigrationReport, NoticeNumberTaken, Progress, migrate_ledger
from etl.ledger import LedgerError, LedgerFile, LedgerRejected, read_ledger
from etl.ledger_validate import ledger_warnings, parse_all_dates, validate_ledger

CHUNK_BYTES = 1 << 20
CHECKING = "ファイルの検査 / checking the file"


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])


def checked_ledger(path: Path, encoding: str | None = None) -> LedgerFile:
    """The file, read and validated (warnings attached); raises LedgerRejected listing every error."""
    ledger = read_ledger(path, encoding)
    dates = parse_all_dates(ledger.table)
    errors = validate_ledger(ledger, dates)
    if errors:
        raise LedgerRejected(path.name, errors)
    ledger.warnings.extend(ledger_warnings(ledger, dates))
    return ledger


def migrate_cards(
    session: Session,
    path: Path,
    actor: Actor,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Validate PATH and migrate it in the caller's transaction (roll back for a dry run)."""
    step = progress or (lambda _name, _done, _total: None)
    step(CHECKING, 0, 2)
    ledger = checked_ledger(path, encoding)
    step(CHECKING, 2, 2)
    try:
        report = migrate_ledger(
            session,
            header=ledger.header,
            chunks=_chunks(ledger.utf8),
            file_name=path.name,
            sha256=ledger.sha256,
            actor=actor,
            progress=progress,
        )
    except NoticeNumberTaken as taken:
        errors = [
            LedgerError(
                line,
                "notice_no",
                notice_no,
                f"この番号はデータベースのカード {other} のものです",
                f"the number belongs to card {other} in the database",
            )
            for line, _card_id, notice_no, other in taken.clashes
        ]
        raise LedgerRejected(path.name, errors) from taken
    report.warnings = [warning.describe() for warning in ledger.warnings]
    return report
