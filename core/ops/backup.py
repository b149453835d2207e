"""Base backups with pg_basebackup (SHA-256 manifest), checked with pg_verifybackup before they count."""

from __future__ import annotations

import fcntl
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from core.clock import Clock
from core.domain.dates import TOKYO
from core.domain.errors import DomainError
from core.ops import pgtools
from core.ops.layout import PARTIAL, BackupInfo, BackupRoot, folder_size, fsync_dir, wal_file, write_info
from core.ops.retention import to_keep

FORMATS = ("plain", "tar")
WAL_METHODS = ("stream", "fetch")
BACKUP_TIMEOUT = 6 * 3600


class BackupError(DomainError):
    """A backup could not be taken, or a backup is damaged."""


def libpq_env(uri: str) -> tuple[str, dict[str, str]]:
    """URI split into a conninfo without the password (for a command line) and PGPASSWORD (for the env)."""
    params = conninfo_to_dict(uri.replace("postgresql+psycopg://", "postgresql://", 1))
    password = params.pop("password", None)
    return make_conninfo(**{k: str(v) for k, v in params.items()}), (
        {"PGPASSWORD": str(password)} if password else {}
    )


def new_name(moment: datetime) -> str:
    """A backup folder's name: its start in Japan time, e.g. 20261204T023000."""
    return moment.astimezone(TOKYO).strftime("%Y%m%dT%H%M%S")


@contextmanager
def exclusive(root: BackupRoot) -> Iterator[None]:
    """Hold the backup folder's lock: one backup (or prune) at a time."""
    with root.lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BackupError(
                "別のバックアップが実行中です。終わってから実行してください",
                "another backup is running; run this one after it has finished",
            ) from error
        yield


def remove_partials(root: BackupRoot) -> list[str]:
    """Delete the folders of runs that never finished (killed or failed); call with the lock held."""
    removed = []
    for folder in root.base.glob(f"{PARTIAL}*"):
        pgtools.remove_tree(folder)
        removed.append(folder.name)
    return removed


def take_backup(
    root: BackupRoot,
    owner_uri: str,
    name: str,
    clock: Clock,
    fmt: str = "plain",
    wal_method: str = "stream",
    max_rate: str | None = None,
    documents: Callable[[], dict[str, Any]] | None = None,
) -> BackupInfo:
    """Take base backup NAME of the server behind OWNER_URI into ROOT (lock held by the caller): into
    base/.partial-NAME, verified, then (DOCUMENTS brings the document files its rows name and says how
    many) renamed base/NAME. MAX_RATE (e.g. '50M' per second) spares the live server's disk during opening
    hours."""
    if fmt not in FORMATS or wal_method not in WAL_METHODS:
        raise BackupError(
            f"形式は {'/'.join(FORMATS)}、WAL は {'/'.join(WAL_METHODS)} です",
            f"format must be one of {FORMATS}, WAL method one of {WAL_METHODS}",
        )
    started = clock()
    partial = pgtools.private_dir(root.partial(name))
    conninfo, env = libpq_env(owner_uri)
    args = ["-D", str(partial / "data"), "-F", fmt[0], "-X", wal_method, "--manifest-checksums=SHA256"]
    args += ["-c", "fast", "-l", f"mynadesk {name}", "-d", conninfo, "--no-password"]
    if max_rate:
        args += ["--max-rate", max_rate]
    pgtools.run("pg_basebackup", args, env=env, timeout=BACKUP_TIMEOUT)
    verify_folder(partial, fmt)
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    counts = documents() if documents is not None else None
    info = replace(_describe(partial, name, started, clock(), row[0], fmt, wal_method), documents=counts)
    write_info(partial, info)
    partial.rename(root.folder(name))
    fsync_dir(root.base)
    return info


def _describe(
    folder: Path, name: str, started: datetime, finished: datetime, consistent: datetime, fmt: str, wal: str
) -> BackupInfo:
    manifest = json.loads((folder / "data" / "backup_manifest").read_text(encoding="utf-8"))
    ranges = manifest["WAL-Ranges"]
    first, last = ranges[0], ranges[-1]
    return BackupInfo(
        name=name,
        started_at=started,
        finished_at=finished,
        consistent_at=consistent,
        format=fmt,
        wal_method=wal,
        size_bytes=folder_size(folder),
        timeline=int(last["Timeline"]),
        start_lsn=first["Start-LSN"],
        end_lsn=last["End-LSN"],
        start_wal=wal_file(int(first["Timeline"]), first["Start-LSN"]),
        stop_wal=wal_file(int(last["Timeline"]), last["End-LSN"]),
    )


def verify_folder(folder: Path, fmt: str) -> None:
    """pg_verifybackup over FOLDER/data (a tar backup is unpacked into a scratch folder first: PostgreSQL 16's
    pg_verifybackup reads plain backups only). A mismatch raises BackupError."""
    data = folder / "data"
    if not (data / "backup_manifest").is_file():
        raise BackupError(
            f"{folder.name} にマニフェスト(backup_manifest)がありません",
            f"{folder.name} has no backup_manifest",
        )
    try:
        if fmt == "plain":
            pgtools.run("pg_verifybackup", [str(data)], timeout=BACKUP_TIMEOUT)
            return
        with tempfile.TemporaryDirectory(prefix=".verify-", dir=folder) as scratch:
            unpacked = Path(scratch)
            pgtools.give_to_server(unpacked)
            unpack_tar(data, unpacked)
            manifest = ["-m", str(data / "backup_manifest")]
            pgtools.run("pg_verifybackup", [*manifest, str(unpacked)], timeout=BACKUP_TIMEOUT)
    except pgtools.ToolFailed as failed:
        problems = [line for line in failed.output.splitlines() if "error" in line][:5]
        raise BackupError(
            f"バックアップ {folder.name} は壊れています(pg_verifybackup がマニフェストとの不一致を検出)。"
            "このバックアップから復元しないでください",
            f"backup {folder.name} is damaged (pg_verifybackup found files that differ from the manifest); "
            f"do not restore from it: {' | '.join(problems) or failed.output.strip()[-300:]}",
        ) from failed


def unpack_tar(data: Path, target: Path) -> None:
    """Unpack a tar-format backup (base.tar, pg_wal.tar) into TARGET (the server's OS user's)."""
    pgtools.run_program(["tar", "-xf", str(data / "base.tar"), "-C", str(target)], timeout=BACKUP_TIMEOUT)
    wal_tar = data / "pg_wal.tar"
    if wal_tar.exists():
        pgtools.run_program(
            ["tar", "-xf", str(wal_tar), "-C", str(target / "pg_wal")], timeout=BACKUP_TIMEOUT
        )


def prune(root: BackupRoot, daily: int, weekly: int, monthly: int) -> tuple[list[str], str | None]:
    """Delete the backups retention does not keep (lock held by the caller) and the archived WAL older than
    the oldest backup of the daily window (the PITR window); return the deleted names and the oldest WAL
    kept."""
    backups = root.finished()
    keep = to_keep(((b.name, b.started_at) for b in backups), daily, weekly, monthly)
    removed = []
    for backup in backups:
        if backup.name not in keep:
            pgtools.remove_tree(root.folder(backup.name))
            removed.append(backup.name)
    daily_window = to_keep(((b.name, b.started_at) for b in backups), daily, 0, 0)
    window = [b for b in backups if b.name in daily_window]
    oldest_wal = min((b.start_wal for b in window), default=None)
    if oldest_wal is not None:
        for segment in root.wal.iterdir():
            # segment files (24 hex digits) and .history/.backup files before the window
            if segment.name[:24] < oldest_wal and not segment.name.endswith(".history"):
                segment.unlink()
    return removed, oldest_wal


def is_live(pgdata: Path | None, candidate: Path) -> bool:
    """True when CANDIDATE is (inside) the live data dir PGDATA or holds a running server."""
    target = candidate.resolve()
    if (target / "postmaster.pid").exists():
        return True
    if pgdata is None:
        return False
    live = pgdata.resolve()
    return target == live or live in target.parents or target in live.parents
