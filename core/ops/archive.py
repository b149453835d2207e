"""Continuous WAL archiving of the embedded server into the backup folder's wal/ (archive_command).

Why archive_command and not pg_receivewal: the server itself copies each finished WAL segment and keeps it
(never recycling it) until the copy succeeded, so the archive has no gaps even while no MynaDesk process runs;
pg_receivewal would be one more long-running process to supervise, and it needs a replication slot to be
gap-free, whose WAL piles up on the live disk when the receiver is down.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from core.domain.errors import DomainError

ARCHIVE_TIMEOUT = "300s"  # an idle-ish server still ships its WAL at least every 5 minutes: the RPO bound


class ArchiveError(DomainError):
    """WAL archiving is off, misconfigured or falling behind."""


def archive_command(wal_dir: Path) -> str:
    """Copy a finished segment into WAL_DIR under a temporary name, flush it, then give it its name; never
    overwrite a segment already archived (the server retries until the copy succeeds)."""
    target = shlex.quote(str(wal_dir))
    return (
        f"test ! -f {target}/%f && cp %p {target}/%f.part && sync {target}/%f.part"
        f" && mv {target}/%f.part {target}/%f"
    )


def _settings(conn: psycopg.Connection[Any]) -> dict[str, str]:
    rows = conn.execute(
        "SELECT name, setting FROM pg_settings"
        " WHERE name IN ('archive_mode', 'archive_command', 'archive_timeout')"
    ).fetchall()
    return dict(rows)


def needs_restart(owner_uri: str, wal_dir: Path) -> bool:
    """Set archiving into WAL_DIR by ALTER SYSTEM; True when the server must restart for it (archive_mode)."""
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        current = _settings(conn)
        wanted = {"archive_mode": "on", "archive_command": archive_command(wal_dir)}
        if all(current.get(name) == value for name, value in wanted.items()):
            return False
        for name, value in {**wanted, "archive_timeout": ARCHIVE_TIMEOUT}.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        conn.execute("SELECT pg_reload_conf()")
        return current.get("archive_mode") != "on"


def archiving_into(owner_uri: str) -> str | None:
    """The archive_command the server runs, or None when it archives nothing."""
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        current = _settings(conn)
    return current.get("archive_command") if current.get("archive_mode") in ("on", "always") else None


def switch_and_wait(owner_uri: str, wal_dir: Path, timeout: float = 60) -> str:
    """Close the current WAL segment and wait until it is in WAL_DIR; return its name."""
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    assert row is not None
    segment = str(row[0])
    deadline = time.monotonic() + timeout
    while not (wal_dir / segment).exists():
        if time.monotonic() > deadline:
            raise ArchiveError(
                f"WAL {segment} が {timeout:.0f} 秒以内にアーカイブされませんでした"
                "(サーバーのログを確認してください)",
                f"WAL segment {segment} was not archived within {timeout:.0f} s (see the server's log)",
            )
        time.sleep(0.1)
    return segment


def newest_archived_age(owner_uri: str) -> float | None:
    """Seconds since the server last archived a segment (what a loss of the live disk now would cost at most
    beyond that segment), or None when it never archived one."""
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        row = conn.execute(
            "SELECT extract(epoch FROM clock_timestamp() - last_archived_time) FROM pg_stat_archiver"
        ).fetchone()
    return None if row is None or row[0] is None else float(row[0])
