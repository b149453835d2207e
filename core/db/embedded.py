"""The embedded PostgreSQL (pgserver) that MynaDesk starts under its data dir when no URL is configured."""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

_log = logging.getLogger(__name__)


def _pgserver(module: str = "pgserver") -> Any:
    """Import pgserver lazily: starting a server must never happen as an import side effect."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset on servers
        return importlib.import_module(module)


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded server in PGDATA and return its libpq URI for the `postgres` database."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so the next command reuses it.
    server = _pgserver().get_server(pgdata, cleanup_mode=None)
    return str(server.get_uri())


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; return whether one was running."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    pg_ctl = _pgserver("pgserver._commands").pg_ctl  # the wheel's own pg_ctl
    instances = _pgserver("pgserver.postgres_server").PostgresServer._instances
    server_user = None
    if os.geteuid() == 0:
        server_user = "pgserver"  # pgserver runs the server as this user when started by root
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=server_user)
    except Exception:  # the server was already gone
        _log.info("embedded server in %s was not running", pgdata)
        return False
    instance = instances.pop(pgdata.resolve(), None)
    if instance is not None:  # its exit handler would look for the entry we just removed
        atexit.unregister(instance._cleanup)
    return True


def create_database(conn: psycopg.Connection[Any], name: str) -> None:
    """CREATE DATABASE NAME as MynaDesk wants it: UTF-8 with collation "C", i.e. text sorts in code point
    order (the order C.UTF-8 gives too) compared byte by byte, so sorts and index builds on names, kana and
    numbers need no strcoll (building the register's indexes: about a third less time). Character
    classification (LC_CTYPE) stays the template's. An operator creating the database on an external
    server should do the same (docs/register-load.md)."""
    conn.execute(
        sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C' TEMPLATE template0").format(
            sql.Identifier(name)
        )
    )


def ensure_database(admin_uri: str, name: str) -> None:
    """Create database NAME on the server behind ADMIN_URI unless it exists."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            create_database(conn, name)
