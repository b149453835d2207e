"""The restore drill: the newest backup restored into a throwaway dir, replayed to a restore point made on
the live server a moment before, checked page by page, started, and compared with the live server then; and
every document file the restored database names found in the backup folder (the newest hashed in full)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db.engine import make_engine
from core.ops import docfiles, pgtools
from core.ops.archive import archiving_into, newest_archived_age, switch_and_wait
from core.ops.backup import is_live
from core.ops.fingerprint import Snapshot, differences, snapshot
from core.ops.layout import BackupInfo, BackupRoot
from core.ops.restore import (
    Copy,
    RestoreError,
    Target,
    checksums,
    lay_down,
    refuse_live,
    replay_until_shutdown,
    set_recovery,
    socket_dir,
    start_and_wait,
)

STABLE_TRIES = 5


@dataclass
class DrillResult:
    """What a drill found and how long the restore took."""

    backup_name: str
    target: str
    ok: bool = False
    rto_seconds: float | None = None
    rpo_seconds: float | None = None
    problems: list[str] = field(default_factory=list)
    checksums: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        return {"problems": self.problems, "checksums": self.checksums, "phases": self.phases, **self.source}


def _with_session(uri: str, read: Callable[[Session], Snapshot]) -> Snapshot:
    engine = make_engine(make_url(uri).set(drivername="postgresql+psycopg"))
    try:
        with Session(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def live_endpoints(owner_uri: str) -> tuple[int, set[str], Path]:
    """The live server's port, socket directories and data dir: what the drill must never reuse."""
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        port, sockets, data = conn.execute(
            "SELECT current_setting('port'), current_setting('unix_socket_directories'), "
            "current_setting('data_directory')"
        ).fetchone() or ("", "", "")
    return int(port), {s.strip() for s in str(sockets).split(",") if s.strip()}, Path(str(data))


def mark_restore_point(owner_uri: str, name: str) -> Snapshot:
    """Create restore point NAME on the live server at a quiet moment and return the facts at that point:
    the snapshot before and after the point agree (else another try: writes were landing meanwhile)."""
    for _ in range(STABLE_TRIES):
        before = _with_session(owner_uri, snapshot)
        with psycopg.connect(owner_uri, autocommit=True) as conn:
            conn.execute("SELECT pg_create_restore_point(%s)", (name,))
        after = _with_session(owner_uri, snapshot)
        if before == after:
            return after
    raise RestoreError(
        "書き込みが続いているため比較の時点を決められませんでした。利用の少ない時間に実行してください",
        "writes kept landing, so no moment to compare at was found; run the drill at a quieter time",
    )


def run_drill(
    root: BackupRoot, backup: BackupInfo, owner_uri: str, password: str, point_name: str
) -> DrillResult:
    """Drill BACKUP against the live server behind OWNER_URI (its MynaDesk database; PASSWORD the owner's)."""
    live_port, live_sockets, live_data = live_endpoints(owner_uri)
    if is_live(live_data, root.path):  # checked before anything is made on disk
        raise RestoreError(
            f"バックアップフォルダー {root.path} が稼働中のクラスタ {live_data} と重なっています。"
            "訓練を中止しました",
            f"the backup folder {root.path} overlaps the live cluster {live_data}; the drill did nothing",
        )
    command = archiving_into(owner_uri) or ""
    if str(root.wal) not in command:
        raise RestoreError(
            f"WAL が {root.wal} にアーカイブされていません"
            "(組込みサーバーは `mynadesk backup run` が設定します。"
            "外部サーバーは archive_command を設定してください)",
            f"WAL is not archived into {root.wal} (`mynadesk backup run` sets it up on the embedded server; "
            "set an external server's archive_command)",
        )
    port = pgtools.free_port()
    if port == live_port:
        raise RestoreError(
            "訓練用のポートが稼働中のサーバーと同じです", "the drill's port is the live server's"
        )
    work = root.path / f".drill-{point_name}"
    refuse_live(work, live_data)
    copy = Copy(work / "pgdata", socket_dir(), port)
    if str(copy.socket_dir) in live_sockets:
        raise RestoreError(
            "訓練用のソケットが稼働中のサーバーと同じです", "the drill's socket is the live server's"
        )
    result = DrillResult(backup.name, f"restore point {point_name}")
    try:
        pgtools.private_dir(work)
        result.rpo_seconds = newest_archived_age(owner_uri)
        source = mark_restore_point(owner_uri, point_name)
        switch_and_wait(owner_uri, root.wal)
        database = make_url(owner_uri).database or "postgres"
        _restore_and_compare(root, backup, copy, password, database, point_name, source, result)
    finally:
        pgtools.stop_server(copy.pgdata)
        pgtools.remove_tree(work)
        pgtools.remove_tree(copy.socket_dir)
    return result


def _restore_and_compare(
    root: BackupRoot,
    backup: BackupInfo,
    copy: Copy,
    password: str,
    database: str,
    point_name: str,
    source: Snapshot,
    result: DrillResult,
) -> None:
    started = time.monotonic()
    lay_down(root, backup, copy.pgdata, Target(name=point_name), "shutdown")
    result.phases["copy"] = time.monotonic() - started
    replay_until_shutdown(copy)
    result.phases["replay"] = time.monotonic() - started
    report = checksums(copy.pgdata).strip().splitlines()
    result.checksums = report[-1] if report else "checked"
    result.phases["checksums"] = time.monotonic() - started
    set_recovery(copy.pgdata, {}, "promote")
    start_and_wait(copy, password)
    result.rto_seconds = time.monotonic() - started  # restore start -> the copy answers queries
    result.phases["answered"] = result.rto_seconds
    copied = _with_session(copy.uri(password, database), snapshot)
    result.problems = differences(source, copied)
    file_problems, file_counts = docfiles.with_session(
        copy.uri(password, database), lambda session: docfiles.check_backup(session, root.documents)
    )
    result.problems += file_problems
    result.phases["documents"] = time.monotonic() - started
    result.source = {
        "row_counts": len(source.row_counts),
        "fingerprints": source.fingerprints,
        "login_roles": list(copied.login_roles),
        "documents": file_counts,
    }
    result.ok = not result.problems
