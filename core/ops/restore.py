"""Restoring a base backup (plus archived WAL up to a target) into a new data dir, and starting a copy."""

from __future__ import annotations

import shlex
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from core.domain.errors import DomainError
from core.ops import pgtools
from core.ops.backup import is_live, unpack_tar
from core.ops.layout import BackupInfo, BackupRoot

REPLAY_TIMEOUT = 3600


class RestoreError(DomainError):
    """A restore was refused or did not reach its target."""


@dataclass(frozen=True)
class Target:
    """Where WAL replay stops: a moment, a named restore point, or (neither) the end of the archive."""

    at: datetime | None = None
    name: str | None = None

    def settings(self) -> dict[str, str]:
        if self.name:
            return {"recovery_target_name": self.name}
        if self.at:
            return {"recovery_target_time": self.at.isoformat(sep=" ")}
        return {}

    def describe(self) -> str:
        if self.name:
            return f"restore point {self.name}"
        return self.at.isoformat(sep=" ") if self.at else "end of archived WAL"


@dataclass(frozen=True)
class Copy:
    """A restored data dir and where its server listens while we use it."""

    pgdata: Path
    socket_dir: Path
    port: int

    def uri(self, password: str, database: str = "postgres") -> str:
        """The owner's libpq URI of the copy (the roles and their passwords came with the backup)."""
        return f"postgresql://postgres:{password}@/{database}?host={self.socket_dir}&port={self.port}"


def choose(root: BackupRoot, at: datetime | None, name: str | None = None) -> BackupInfo:
    """The backup to restore: NAME; else the newest one complete before AT; else the newest."""
    backups = root.finished()
    if name:
        chosen = [b for b in backups if b.name == name]
    elif at:
        chosen = [b for b in backups if b.consistent_at <= at]
    else:
        chosen = backups
    if not chosen:
        raise RestoreError(
            "条件に合うバックアップがありません(`mynadesk backup list` で確認してください)",
            "no backup fits (see `mynadesk backup list`)",
        )
    return chosen[-1]


def refuse_live(target: Path, live_pgdata: Path | None) -> None:
    """Refuse TARGET when it is the live cluster's data dir (or inside it), runs a server, or is not empty."""
    if is_live(live_pgdata, target):
        raise RestoreError(
            f"{target} は稼働中のデータベースです。稼働中のクラスタには復元しません",
            f"{target} is the live database cluster; a restore never touches a running cluster",
        )
    if target.exists() and any(target.iterdir()):
        raise RestoreError(
            f"{target} は空ではありません。新しいディレクトリを指定してください",
            f"{target} is not empty; give a new directory",
        )


def lay_down(root: BackupRoot, backup: BackupInfo, target: Path, target_at: Target, action: str) -> None:
    """Put BACKUP's files into TARGET and make it replay the archived WAL to TARGET_AT, then ACTION
    (promote | shutdown). The copy never archives (it must not write into the live archive)."""
    pgtools.private_dir(target)
    data = root.folder(backup.name) / "data"
    if backup.format == "tar":
        unpack_tar(data, target)
    else:
        pgtools.run_program(["cp", "-a", f"{data}/.", str(target)], timeout=REPLAY_TIMEOUT)
    # the manifest belongs to the backup; pgserver's list of the old server's users means nothing here
    for leftover in ("backup_manifest", ".handle_pids.json"):
        (target / leftover).unlink(missing_ok=True)
    restore_command = f"cp {shlex.quote(str(root.wal))}/%f %p"
    set_recovery(target, {"restore_command": restore_command, **target_at.settings()}, action)
    pgtools.write_private(target / "recovery.signal", "")


def set_recovery(pgdata: Path, settings: dict[str, str], action: str) -> None:
    """Append recovery settings to PGDATA/postgresql.auto.conf (later lines win over earlier ones)."""
    lines = {"archive_mode": "off", **settings, "recovery_target_action": action}
    text = "".join(f"{name} = '{value.replace(chr(39), chr(39) * 2)}'\n" for name, value in lines.items())
    pgtools.write_private(pgdata / "postgresql.auto.conf", "# MynaDesk restore\n" + text, append=True)


def socket_dir() -> Path:
    """A short private folder for a throwaway server's Unix socket (socket paths are ~100 bytes at most)."""
    folder = Path(tempfile.mkdtemp(prefix="mynadesk-sock-"))
    pgtools.give_to_server(folder)
    return folder


def replay_until_shutdown(copy: Copy, timeout: float = REPLAY_TIMEOUT) -> None:
    """Run the copy's server in the foreground until it has replayed to its target and shut down."""
    argv = ["-D", str(copy.pgdata), "-h", "", "-k", str(copy.socket_dir), "-p", str(copy.port)]
    log = copy.pgdata / "replay.log"
    try:
        pgtools.run("postgres", argv, timeout=timeout)
    except pgtools.ToolFailed as failed:
        log.write_text(failed.output, encoding="utf-8")
        raise RestoreError(
            "WAL の再生が目標に届きませんでした(目標の時刻がアーカイブの範囲外の可能性があります)",
            f"WAL replay did not reach its target (is it outside the archived range?): "
            f"{failed.output.strip()[-600:]}",
        ) from failed


def start_and_wait(copy: Copy, password: str, timeout: float = REPLAY_TIMEOUT) -> None:
    """Start the copy's server; return once it is out of recovery and answers queries."""
    pgtools.start_server(copy.pgdata, copy.socket_dir, copy.port, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(copy.uri(password), autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            if not (copy.pgdata / "postmaster.pid").exists():
                raise RestoreError(
                    "復元したサーバーが起動しませんでした(ログ: startup.log)",
                    f"the restored server did not start (see {copy.pgdata / 'startup.log'})",
                ) from None
        if time.monotonic() > deadline:
            raise RestoreError(
                "復元に時間がかかりすぎました", f"the restore took longer than {timeout:.0f} s"
            )
        time.sleep(0.2)


def checksums(pgdata: Path) -> str:
    """pg_checksums --check on the stopped copy; raise RestoreError when a page is damaged. A cluster made
    before MynaDesk turned checksums on has none to check: says so instead."""
    control = pgtools.run("pg_controldata", ["-D", str(pgdata)], timeout=60)
    if "Data page checksum version:           0" in control:
        return "checksums off (cluster made without them)"
    try:
        return pgtools.run("pg_checksums", ["--check", "-D", str(pgdata)], timeout=REPLAY_TIMEOUT)
    except pgtools.ToolFailed as failed:
        raise RestoreError(
            "データチェックサムの不一致があります(ページが壊れています)",
            f"data checksums do not match (damaged pages): {failed.output.strip()[-600:]}",
        ) from failed
