"""The embedded PostgreSQL (pgserver) that MynaDesk starts under its data dir when no URL is configured."""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from core.ops import pgtools
from core.paths import DataLayout, private_file

_log = logging.getLogger(__name__)


def _pgserver(module: str = "pgserver") -> Any:
    """Import pgserver lazily: starting a server must never happen as an import side effect."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset on servers
        return importlib.import_module(module)


OWNER = "postgres"  # the superuser pgserver's initdb creates
# Every connection proves a password (SCRAM); the server listens on its Unix socket only (pgserver starts it
# with -h ""). pgserver's initdb trusts every local user: a local account could connect as the superuser.
MANAGED_HBA = (
    "# Written by MynaDesk (core/db/embedded.py): every connection proves a password by SCRAM.\n"
    "# The passwords are in the data dir's secrets/ folder, one 0600 file per role.\n"
    "local   all           all   scram-sha-256\n"
    "local   replication   all   scram-sha-256\n"
)


def secrets_dir(pgdata: Path) -> Path:
    """Where the embedded server's role passwords are kept: DATA/secrets beside DATA/pg, 0700."""
    return DataLayout(pgdata.parent).secrets


def _password(pgdata: Path, role: str) -> str:
    """ROLE's password for the embedded server: from its 0600 file, made (random, 256 bits) on first use."""
    return private_file(DataLayout(pgdata.parent).db_password(role), lambda: secrets.token_urlsafe(32))


def _with_password(uri: str, password: str) -> str:
    """pgserver's URI (postgresql://postgres:@/postgres?host=…) with the owner's password in it."""
    return uri.replace(f"//{OWNER}:@", f"//{OWNER}:{password}@", 1)


def _set_password(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))


def _lock_down(pgdata: Path, trusting_uri: str, owner_password: str) -> None:
    """Replace pgserver's `trust` with SCRAM: give the owner its password, rewrite pg_hba.conf, reload. Runs
    once per data dir (the first start, or the first start of a data dir made before MynaDesk did this)."""
    with psycopg.connect(trusting_uri, autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        _set_password(conn, OWNER, owner_password)
        (pgdata / "pg_hba.conf").write_text(MANAGED_HBA, encoding="utf-8")  # in place: keeps the file's owner
        conn.execute("SELECT pg_reload_conf()")
    _log.info("embedded server in %s now asks every connection for a password", pgdata)


class EmbeddedIsStandby(RuntimeError):  # noqa: N818 - named for the state it reports
    """The embedded data dir is a standby (or a fenced old primary): pgserver must not start it."""


def owner_password(pgdata: Path) -> str:
    """The superuser's password for the embedded server in PGDATA (its 0600 file in the secrets folder)."""
    return _password(pgdata, OWNER)


def _with_checksums(pgdata: Path) -> Any:
    """Turn data checksums on in the brand-new (still empty) cluster PGDATA: stop it, pg_checksums --enable,
    start it again. pgserver's initdb makes clusters without them; with them, a damaged page is an error
    (and `mynadesk backup verify --drill` checks every page of a restored copy) instead of silent garbage."""
    stop_embedded(pgdata)
    pg_checksums = _pgserver("pgserver._commands").pg_checksums
    pg_checksums(["--enable", "--no-sync"], pgdata=pgdata, user=pgtools.server_user())
    os.sync()
    _log.info("data checksums enabled in the new cluster %s", pgdata)
    return _pgserver().get_server(pgdata, cleanup_mode=None)


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded server in PGDATA and return the owner's libpq URI (password included) for
    the `postgres` database."""
    if (pgdata / "standby.signal").exists():
        # After `mynadesk db failover` the old primary is fenced as a standby of the new one
        # (core/ops/standby.py); pgserver would wait forever for it to become a writable primary.
        raise EmbeddedIsStandby(
            f"{pgdata} はスタンバイです。`mynadesk db standby status` で現在のプライマリを確認してください / "
            f"{pgdata} is a standby; see `mynadesk db standby status` for the current primary"
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    # cleanup_mode=None: the server outlives this process, so the next command reuses it.
    server = _pgserver().get_server(pgdata, cleanup_mode=None)
    if fresh:
        server = _with_checksums(pgdata)
    uri = str(server.get_uri())
    password = owner_password(pgdata)
    hba = pgdata / "pg_hba.conf"
    if hba.read_text(encoding="utf-8") != MANAGED_HBA:
        _lock_down(pgdata, uri, password)
    return _with_password(uri, password)


def role_password(pgdata: Path, owner_uri: str, role: str) -> str:
    """The password of login role ROLE on the embedded server in PGDATA, from its 0600 file; the role (made by
    the first migration, without a password) gets it here the first time it is asked for."""
    password = _password(pgdata, role)
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        row = conn.execute("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
        if row is not None and row[0]:
            _set_password(conn, role, password)
    return password


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; return whether one was running."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    pg_ctl = _pgserver("pgserver._commands").pg_ctl  # the wheel's own pg_ctl
    instances = _pgserver("pgserver.postgres_server").PostgresServer._instances
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=pgtools.server_user())
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
