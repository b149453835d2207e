"""PostgreSQL's own programs (pgserver's bin dir), run as the user the embedded server runs as."""

from __future__ import annotations

import importlib
import os
import pwd
import subprocess
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import psutil

from core.domain.errors import DomainError

# pgserver refuses to run PostgreSQL as root: started by root, it runs the server as this OS user.
ROOT_SERVER_USER = "pgserver"


class PgToolFailed(DomainError):  # noqa: N818 - named for what happened, like the domain's errors
    """A PostgreSQL program exited with an error; carries its message."""


def bin_dir() -> Path:
    """pgserver's bin dir (pg_ctl, pg_basebackup, pg_rewind, …), imported lazily like core/db/embedded.py."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        commands = importlib.import_module("pgserver._commands")
    return Path(commands.POSTGRES_BIN_PATH)


def server_user() -> str | None:
    """The OS user the server processes run as: ours, unless we are root (then pgserver's own user)."""
    return ROOT_SERVER_USER if os.geteuid() == 0 else None


def run(tool: str, *args: str, timeout: float = 120, env: Mapping[str, str] | None = None) -> str:
    """Run TOOL from pgserver's bin dir as the server's user and return its output; PgToolFailed if it fails.
    Output goes to temporary files, not pipes: a server that pg_ctl starts inherits its descriptors and a
    pipe would never close."""
    command = [str(bin_dir() / tool), *args]
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            done = subprocess.run(
                command, stdout=out, stderr=err, text=True, timeout=timeout, env=full_env, user=server_user()
            )
        except subprocess.TimeoutExpired as exc:
            raise PgToolFailed(
                f"{tool} が {timeout:.0f} 秒で終わりませんでした", f"{tool} did not finish in {timeout:.0f} s"
            ) from exc
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if done.returncode != 0:
        detail = (errors or output).strip()
        raise PgToolFailed(f"{tool} が失敗しました: {detail}", f"{tool} failed: {detail}")
    return output


def give_to_server(path: Path) -> None:
    """Make PATH (a file or folder we just created) the server user's, as the rest of its data dir is."""
    user = server_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def write_server_file(path: Path, text: str) -> None:
    """Write a 0600 file in a data dir, owned by the server's user."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)
    give_to_server(path)


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
