"""The backup jobs as the CLI and the nightly run them: settings in, records written, results out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.config import DEFAULT_DATABASE, Settings
from core.db.embedded import owner_password, start_embedded, stop_embedded
from core.db.engine import libpq_uri, locate_database, make_engine, make_session_factory
from core.ops import docfiles, pgtools, records
from core.ops.archive import archiving_into, needs_restart, switch_and_wait
from core.ops.backup import (
    BackupError,
    exclusive,
    is_live,
    new_name,
    prune,
    remove_partials,
    take_backup,
    verify_folder,
)
from core.ops.cluster_state import load_state
from core.ops.drill import DrillResult, run_drill
from core.ops.layout import PARTIAL, BackupInfo, BackupRoot
from core.ops.restore import Copy, Target, choose, lay_down, refuse_live, socket_dir, start_and_wait

PGSERVER_HANDLES = ".handle_pids.json"


@dataclass
class Live:
    """The live server: its owner URI (MynaDesk's database), the owner's password and a session factory."""

    owner_uri: str
    password: str
    embedded: bool
    factory: sessionmaker[Session]


def connect(settings: Settings) -> Live:
    """Reach the live server (starting the embedded one if needed)."""
    location = locate_database(settings)
    uri = libpq_uri(location.owner_url)
    password = str(conninfo_to_dict(uri).get("password") or "")
    return Live(uri, password, location.embedded, make_session_factory(make_engine(location.owner_url)))


@dataclass
class BackupOutcome:
    """A finished backup run: the backup, what retention deleted, and anything the operator should know."""

    info: BackupInfo
    pruned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ensure_archiving(settings: Settings, live: Live, root: BackupRoot) -> list[str]:
    """Archive the embedded server's WAL into ROOT/wal (restarting it once when archive_mode was off); on an
    external server, only say what its DBA must set."""
    if live.embedded:
        # pgserver's own bookkeeping file in the data dir is written by this process (maybe root, umask 077):
        # the server must be able to read it, or pg_basebackup stops at it
        handles = settings.layout.pg / PGSERVER_HANDLES
        if handles.exists():
            pgtools.give_to_server(handles)
        if needs_restart(live.owner_uri, root.wal):
            stop_embedded(settings.layout.pg)
            start_embedded(settings.layout.pg)
            return [
                "WAL アーカイブを有効にし、組込みサーバーを再起動しました"
                " / turned WAL archiving on (restarted the embedded server)"
            ]
        return []
    if str(root.wal) in (archiving_into(live.owner_uri) or ""):
        return []
    return [
        f"外部サーバーの WAL は {root.wal} にアーカイブされていません。"
        "時点復元には archive_command の設定が必要です"
        f" / the external server does not archive its WAL into {root.wal}: set its archive_command for PITR"
    ]


def refuse_patroni(settings: Settings) -> None:
    """Refuse a Patroni-managed cluster: turning archiving on restarts the embedded server, which under
    Patroni would be a failover, and archive_mode belongs in Patroni's own configuration."""
    state = load_state(settings.data_dir)
    if settings.embedded and state is not None and state.patroni:
        raise BackupError(
            "Patroni が管理するクラスタでは `mynadesk backup run` はまだ使えません"
            "(再起動がフェイルオーバーになるため)。何も変更していません。`patronictl edit-config` で"
            " postgresql.parameters に archive_mode と archive_command を設定し、"
            "リーダーから pg_basebackup を取ってください(docs/operations.md)",
            "`mynadesk backup run` does not yet work on a Patroni-managed cluster (its restart would be a "
            "failover); nothing was changed. Set archive_mode and archive_command under "
            "postgresql.parameters with `patronictl edit-config` and take pg_basebackup from the leader "
            "(docs/operations.md)",
        )


def run_backup(
    settings: Settings,
    clock: Clock,
    fmt: str = "plain",
    wal_method: str = "stream",
    max_rate: str | None = None,
) -> BackupOutcome:
    """Take, verify and record one base backup, then apply retention."""
    if settings.embedded and is_live(settings.layout.pg, settings.backup_dir):
        raise BackupError(
            f"バックアップ先 {settings.backup_dir} がデータベースのディレクトリと重なっています。"
            "別の場所にしてください",
            f"the backup folder {settings.backup_dir} overlaps the database's data dir; choose another place",
        )
    refuse_patroni(settings)
    root = BackupRoot(settings.backup_dir).prepare()
    live = connect(settings)
    notes = ensure_archiving(settings, live, root)
    with exclusive(root):
        interrupted = [folder.removeprefix(PARTIAL) for folder in remove_partials(root)]
        name = new_name(clock())
        with live.factory.begin() as session:
            records.backups_interrupted(session, interrupted, clock())
        with live.factory.begin() as session:
            records.backup_started(session, name, clock(), fmt, wal_method)
        copied = docfiles.Transfer()

        def documents() -> dict[str, Any]:
            nonlocal copied
            copied = docfiles.back_up(live.factory, settings.documents_dir, root.documents)
            return copied.counts()

        try:
            info = take_backup(root, live.owner_uri, name, clock, fmt, wal_method, max_rate, documents)
        except (pgtools.ToolFailed, BackupError, OSError) as error:
            pgtools.remove_tree(root.partial(name))
            with live.factory.begin() as session:
                records.backup_failed(session, name, clock(), str(error))
            raise
        with live.factory.begin() as session:
            records.backup_finished(session, info, clock())
        pruned, _ = prune(
            root, settings.backup.keep_daily, settings.backup.keep_weekly, settings.backup.keep_monthly
        )
        with live.factory.begin() as session:
            records.backups_pruned(session, pruned)
    note = docfiles.missing_note(copied)
    return BackupOutcome(info, pruned, [*notes, *([note] if note else [])])


def newest(root: BackupRoot) -> BackupInfo:
    """The newest finished backup."""
    backups = root.finished()
    if not backups:
        raise BackupError(
            "バックアップがありません。`mynadesk backup run` で作成してください",
            "there is no backup yet; take one with `mynadesk backup run`",
        )
    return backups[-1]


def verify(settings: Settings, clock: Clock, name: str | None = None) -> BackupInfo:
    """pg_verifybackup over backup NAME (default: the newest); the result is recorded either way."""
    root = BackupRoot(settings.backup_dir)
    info = choose(root, None, name) if name else newest(root)
    live = connect(settings)
    try:
        with exclusive(root):
            verify_folder(root.folder(info.name), info.format)
    except BackupError as error:
        with live.factory.begin() as session:
            records.verified(session, info.name, clock(), False, str(error))
        raise
    with live.factory.begin() as session:
        records.verified(session, info.name, clock(), True, None)
    return info


def drill(settings: Settings, clock: Clock) -> DrillResult:
    """Restore drill of the newest backup against the live server; recorded whatever its outcome."""
    root = BackupRoot(settings.backup_dir)
    info = newest(root)
    live = connect(settings)
    started = clock()
    point = f"mynadesk-drill-{new_name(started)}"
    try:
        with exclusive(root):  # retention must not delete the backup under the drill
            result = run_drill(root, info, live.owner_uri, live.password, point)
    except Exception as error:  # recorded as a failed drill, then raised
        result = DrillResult(info.name, f"restore point {point}", problems=[str(error)])
        _record_drill(live, result, started, clock())
        raise
    _record_drill(live, result, started, clock())
    return result


def _record_drill(live: Live, result: DrillResult, started: datetime, finished: datetime) -> None:
    message = "; ".join(result.problems) if result.problems else None
    with live.factory.begin() as session:
        records.drill_done(
            session,
            result.backup_name,
            started,
            finished,
            result.ok,
            result.target,
            result.rto_seconds,
            result.rpo_seconds,
            message,
            result.detail(),
        )


@dataclass(frozen=True)
class Restored:
    """A finished restore: the backup, the seconds it took, and the document files laid down beside it."""

    info: BackupInfo
    seconds: float
    documents_dir: Path
    documents: docfiles.Transfer


def restore(
    settings: Settings,
    to: Path,
    at: datetime | None,
    name: str | None = None,
    allow_missing_documents: bool = False,
) -> Restored:
    """Restore backup NAME (or the one that covers AT, or the newest) into the new data dir TO, replayed to AT
    (or the end of the archive) and promoted, with the document files its rows name in TO-documents, then
    stopped for a human to switch over."""
    root = BackupRoot(settings.backup_dir)
    live_pgdata = settings.layout.pg if settings.embedded else None
    refuse_live(to, live_pgdata)
    documents_dir = docfiles.restored_documents_dir(to)
    docfiles.refuse_documents_target(documents_dir, settings.documents_dir)
    password = owner_password_of(settings)
    archive_latest(settings, root)
    info = choose(root, at, name)
    started = time.monotonic()
    fill = docfiles.lay_down_into(
        documents_dir, docfiles.from_backup(root.documents, allow_missing_documents)
    )
    with exclusive(root):
        transfer = restore_into(root, info, to, at, password, database_name(settings), fill)
    return Restored(info, time.monotonic() - started, documents_dir, transfer)


def database_name(settings: Settings) -> str:
    """MynaDesk's database on the server (the restored copy has the same)."""
    if settings.database_url:
        return make_url(settings.database_url).database or DEFAULT_DATABASE
    return DEFAULT_DATABASE


def restore_into(
    root: BackupRoot,
    info: BackupInfo,
    to: Path,
    at: datetime | None,
    password: str,
    database: str = DEFAULT_DATABASE,
    documents: Callable[[str], docfiles.Transfer] | None = None,
) -> docfiles.Transfer:
    """Lay backup INFO of ROOT down in TO, replay to AT (or the end of the archive), promote, let DOCUMENTS
    lay down the files the restored DATABASE names, stop; a failure deletes TO (a half-restored directory
    must not be mistaken for a good one)."""
    copy = Copy(to, socket_dir(), pgtools.free_port())
    try:
        lay_down(root, info, to, Target(at=at), "promote")
        start_and_wait(copy, password)
        return documents(copy.uri(password, database)) if documents else docfiles.Transfer()
    except Exception:
        pgtools.stop_server(to)
        pgtools.remove_tree(to)
        raise
    finally:
        pgtools.stop_server(to)
        pgtools.remove_tree(copy.socket_dir)


def owner_password_of(settings: Settings) -> str:
    """The live server's superuser password (the restored copy has the same roles and passwords)."""
    if settings.embedded:
        return owner_password(settings.layout.pg)
    return str(conninfo_to_dict(settings.database_url or "").get("password") or "")


def archive_latest(settings: Settings, root: BackupRoot) -> None:
    """Ship the live server's current WAL segment if it still runs (a dead server is why one restores)."""
    if settings.embedded and not (settings.layout.pg / "postmaster.pid").exists():
        return
    try:
        live = connect(settings)
        if str(root.wal) in (archiving_into(live.owner_uri) or ""):
            switch_and_wait(live.owner_uri, root.wal, timeout=30)
    except Exception:
        return


@dataclass
class NightlyReport:
    """What the nightly run did: the backup's name, the drill's result, or what failed."""

    backup: str | None = None
    drill: DrillResult | None = None
    copy: str | None = None  # where the off-machine copy went
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.drill is not None and self.drill.ok


def nightly(settings: Settings, clock: Clock) -> NightlyReport:
    """Backup, verification and drill in a row; a failure is written to the audit log (the console's alerts
    read it there) and reported, never raised, so that a scheduler keeps running."""
    report = NightlyReport()
    try:
        _keep_audit_head(settings, clock)  # before the backup: the set then holds the head of its night
        report.backup = run_backup(settings, clock).info.name
        verify(settings, clock, report.backup)
        report.drill = drill(settings, clock)
        if not report.drill.ok:
            report.failure = "; ".join(report.drill.problems)
        elif settings.backup.copy_dir is not None:  # only a backup that passed its drill leaves the machine
            from core.ops.copy_jobs import make_copy

            copy_dir, key_file = settings.backup.copy_dir, settings.backup.copy_key_file
            report.copy = str(make_copy(settings, clock, copy_dir, key_file).copy.folder)
    except Exception as error:
        report.failure = str(error)
    if report.failure is not None:
        _audit_failure(settings, report)
    return report


def _keep_audit_head(settings: Settings, clock: Clock) -> None:
    from core.services import audit_chain

    path = settings.backup_dir / audit_chain.HEAD_FILE
    audit_chain.keep_head(connect(settings).factory, clock(), path)


def _audit_failure(settings: Settings, report: NightlyReport) -> None:
    from core.services.audit import Actor, record

    live = connect(settings)
    with live.factory.begin() as session:
        record(
            session,
            Actor("ops:nightly", role="system"),
            _failed_step(report),
            "backup",
            report.backup,
            summary=(report.failure or "")[:2000],
        )


def _failed_step(report: NightlyReport) -> str:
    if report.drill is None:
        return "backup_failed"
    return "drill_failed" if not report.drill.ok else "copy_failed"
