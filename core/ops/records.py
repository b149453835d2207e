"""The database record of backups and drills (ops.backups, ops.drills); the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.ops import BackupRun, DrillRun
from core.ops.layout import BackupInfo


def backup_started(session: Session, name: str, started_at: datetime, fmt: str, wal_method: str) -> None:
    """Record that backup NAME is being taken (it is 'running' until it is verified and named)."""
    session.add(
        BackupRun(name=name, status="running", started_at=started_at, format=fmt, wal_method=wal_method)
    )
    session.flush()


def backup_finished(session: Session, info: BackupInfo, verified_at: datetime) -> None:
    """Record that backup INFO is complete and passed pg_verifybackup."""
    run = session.execute(select(BackupRun).where(BackupRun.name == info.name)).scalar_one()
    run.status, run.finished_at, run.size_bytes = "good", info.finished_at, info.size_bytes
    run.start_wal, run.stop_wal = info.start_wal, info.stop_wal
    run.verified_at, run.verify_ok, run.message = verified_at, True, None
    session.flush()


def backup_failed(session: Session, name: str, finished_at: datetime, message: str) -> None:
    """Record that backup NAME failed (its folder was never named; nothing to restore from)."""
    session.execute(
        update(BackupRun)
        .where(BackupRun.name == name)
        .values(status="failed", finished_at=finished_at, verify_ok=False, message=message[:2000])
    )


def backups_interrupted(session: Session, names: list[str], found_at: datetime) -> None:
    """Record that the runs NAMES were stopped midway (their unfinished folders were found and deleted)."""
    for name in names:
        backup_failed(
            session,
            name,
            found_at,
            "中断されました(未完成のフォルダーを削除) / interrupted (left unfinished)",
        )


def backups_pruned(session: Session, names: list[str]) -> None:
    """Record that retention deleted the backups NAMES."""
    if names:
        session.execute(update(BackupRun).where(BackupRun.name.in_(names)).values(status="pruned"))


def verified(session: Session, name: str, at: datetime, ok: bool, message: str | None) -> None:
    """Record the result of `backup verify` on backup NAME."""
    session.execute(
        update(BackupRun).where(BackupRun.name == name).values(verified_at=at, verify_ok=ok, message=message)
    )


def drill_done(
    session: Session,
    backup_name: str,
    started_at: datetime,
    finished_at: datetime,
    ok: bool,
    target: str,
    rto: float | None,
    rpo: float | None,
    message: str | None,
    detail: dict[str, Any],
) -> None:
    """Record one restore drill."""
    session.add(
        DrillRun(
            backup_name=backup_name,
            started_at=started_at,
            finished_at=finished_at,
            ok=ok,
            target=target,
            rto_seconds=rto,
            rpo_seconds=rpo,
            message=message,
            detail=detail,
        )
    )
    session.flush()


def runs_by_name(session: Session) -> dict[str, BackupRun]:
    """Every recorded backup run by its name."""
    return {run.name: run for run in session.execute(select(BackupRun)).scalars()}


def last_drills(session: Session) -> dict[str, DrillRun]:
    """The newest drill of each backup, by backup name."""
    drills = session.execute(select(DrillRun).order_by(DrillRun.started_at)).scalars()
    return {drill.backup_name: drill for drill in drills}


@dataclass(frozen=True)
class OpsSummary:
    """The last good backup and the last drill, for the console's overview (管理者・管理職)."""

    last_backup: BackupRun | None
    last_drill: DrillRun | None
    last_failed_backup: BackupRun | None
    failed_copy: FailedCopy | None = None

    @property
    def failed_since_good(self) -> BackupRun | None:
        """The failed backup run newer than the last good one, if any."""
        failed, good = self.last_failed_backup, self.last_backup
        if failed is not None and (good is None or failed.started_at > good.started_at):
            return failed
        return None

    @property
    def alert(self) -> bool:
        """A failed drill, a backup that failed after the last good one, or its off-machine copy failed."""
        failed_drill = self.last_drill is not None and not self.last_drill.ok
        return failed_drill or self.failed_since_good is not None or self.failed_copy is not None


@dataclass(frozen=True)
class FailedCopy:
    """The nightly job could not copy the last good backup off the machine (audited as copy_failed)."""

    at: datetime
    message: str


def _failed_copy_since(session: Session, since: datetime) -> FailedCopy | None:
    """The newest copy_failed after SINCE (the last good backup's start: a later good copy leaves no row,
    but the next night's good backup is newer than an older failure). The window keeps it an index range."""
    row = session.execute(
        select(AuditEntry.at, AuditEntry.summary)
        .where(AuditEntry.at > since, AuditEntry.action == "copy_failed")
        .order_by(AuditEntry.at.desc())
        .limit(1)
    ).first()
    return None if row is None else FailedCopy(row.at, row.summary or "")


def summary(session: Session) -> OpsSummary:
    """The newest good backup, the newest drill and the newest failed backup (readable by the app role)."""
    newest = BackupRun.started_at.desc()
    good = session.execute(select(BackupRun).where(BackupRun.status == "good").order_by(newest)).scalars()
    failed = session.execute(select(BackupRun).where(BackupRun.status == "failed").order_by(newest)).scalars()
    drill = session.execute(select(DrillRun).order_by(DrillRun.started_at.desc())).scalars().first()
    last_good = good.first()
    failed_copy = None if last_good is None else _failed_copy_since(session, last_good.started_at)
    return OpsSummary(last_good, drill, failed.first(), failed_copy)
