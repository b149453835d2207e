"""The one place that runs PostgreSQL's own programs (pgserver's binaries) and starts throwaway servers.

Run as root, pgserver runs its server as the OS user `pgserver`; the tools here then run as that user too, so
that every file of a backup, an archived WAL segment or a restored data dir belongs to the user that runs the
server, exactly as on a PostgreSQL server installed the usual way.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

from core.domain.errors import DomainError

SERVER_USER_WHEN_ROOT = "pgserver"  # pgserver's own choice (pgserver.postgres_server.PostgresServer)
TAIL = 1500


class ToolFailed(DomainError):  # noqa: N818 - named for what happened, like the domain errors
    """A PostgreSQL program exited with an error."""

    def __init__(self, message_ja: str, message_en: str, output: str = "") -> None:
        super().__init__(message_ja, message_en)
        self.output = output


def bin_dir() -> Path:
    """pgserver's PostgreSQL 16 binaries (found without importing pgserver, which has import-time effects)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise ToolFailed("pgserver が見つかりません", "pgserver is not installed")
    return Path(spec.origin).parent / "pginstall" / "bin"


def server_user() -> str | None:
    """The OS user the embedded server runs as when we are root (None: ourselves)."""
    return SERVER_USER_WHEN_ROOT if os.geteuid() == 0 else None


def _ids() -> tuple[int, int] | None:
    user = server_user()
    if user is None:
        return None
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def give_to_server(path: Path) -> None:
    """Make PATH (a file or directory we just made) belong to the server's OS user."""
    ids = _ids()
    if ids is not None:
        os.chown(path, *ids)


def _traversable(path: Path) -> None:
    """Let the server's OS user pass through PATH's parents (as pgserver does for its data dir)."""
    ids = _ids()
    if ids is None:
        return
    for parent in path.parents:
        info = parent.stat()
        if info.st_uid == ids[0]:
            continue  # the server's own folder: 0700 is enough
        mode = info.st_mode
        wanted = mode | stat.S_IXGRP | stat.S_IXOTH
        if mode != wanted:
            parent.chmod(stat.S_IMODE(wanted))


def private_dir(path: Path) -> Path:
    """PATH as a directory only the server's OS user can open (0700), made if missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    give_to_server(path)
    _traversable(path)
    return path


def write_private(path: Path, text: str, *, append: bool = False) -> None:
    """Write (or append) TEXT to PATH as a 0600 file of the server's OS user (0600 from its first byte)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    with os.fdopen(os.open(path, flags, 0o600), "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(0o600)
    give_to_server(path)


def run(
    tool: str, args: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> str:
    """Run pgserver's TOOL (e.g. pg_basebackup) with ARGS as the server's OS user; return its output.
    A failure raises ToolFailed carrying the end of the program's output."""
    return run_program([str(bin_dir() / tool), *args], env=env, timeout=timeout)


def run_program(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> str:
    """Run ARGV as the server's OS user with umask 077 (files 0600, directories 0700). Its output goes to
    temporary files, not pipes: a server that `pg_ctl start` leaves running inherits the descriptors, and a
    pipe would never reach its end."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        try:
            done = subprocess.run(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env=full_env,
                timeout=timeout,
                user=server_user(),
                umask=0o077,
                cwd="/",
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            name = Path(argv[0]).name
            raise ToolFailed(
                f"{name} が {timeout} 秒で終わりませんでした", f"{name} did not finish in {timeout} s"
            ) from error
        out.seek(0)
        output = out.read()
    if done.returncode != 0:
        name = Path(argv[0]).name
        raise ToolFailed(
            f"{name} が失敗しました(終了コード {done.returncode})",
            f"{name} failed (exit code {done.returncode}): {output.strip()[-TAIL:]}",
            output,
        )
    return output


def free_port() -> int:
    """A TCP port number nothing listens on now (the throwaway server itself listens on a socket only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(pgdata: Path, socket_dir: Path, port: int, timeout: float = 120) -> None:
    """Start the server of data dir PGDATA listening only on its Unix socket in SOCKET_DIR, port PORT."""
    log = pgdata / "startup.log"
    options = f"-h '' -k {socket_dir} -p {port}"
    run("pg_ctl", ["-D", str(pgdata), "-l", str(log), "-o", options, "-w", "-t", str(int(timeout)), "start"])


def stop_server(pgdata: Path) -> None:
    """Stop the server of PGDATA (fast: sessions are ended, the data is flushed)."""
    if (pgdata / "postmaster.pid").exists():
        run("pg_ctl", ["-D", str(pgdata), "-m", "fast", "-w", "stop"], timeout=120)


def remove_tree(path: Path) -> None:
    """Delete PATH and everything in it (a throwaway copy or an unfinished backup)."""
    shutil.rmtree(path, ignore_errors=True)


def postmaster(pgdata: Path) -> psutil.Process | None:
    """The running postmaster of PGDATA (from postmaster.pid, checked to be a live postgres), or None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])
        process = psutil.Process(pid)
        if process.name() == "postgres" and process.is_running():
            return process
    except (FileNotFoundError, IndexError, ValueError, psutil.Error):
        pass
    return None


def server_processes(pgdata: Path) -> list[psutil.Process]:
    """Every process of the server in PGDATA: the postmaster and its children (backends, walsender, …)."""
    master = postmaster(pgdata)
    if master is None:
        return []
    try:
        return [master, *master.children(recursive=True)]
    except psutil.Error:
        return [master]
