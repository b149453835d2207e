"""The embedded PostgreSQL asks every connection for a password (SCRAM), never `trust`: a local account that
reaches the server's socket cannot connect as the superuser or as the site role without the role's 0600 file.
Each test starts a real embedded server of its own in a fresh data dir (a few seconds each)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pgserver
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.config import APP_ROLE, SITE_ROLE, Settings
from core.db.embedded import MANAGED_HBA, OWNER, secrets_dir, start_embedded, stop_embedded
from core.db.engine import database_url, libpq_uri, locate_database, make_engine
from core.db.migrate import upgrade


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh data dir; its embedded server is stopped at the end."""
    yield tmp_path
    stop_embedded(tmp_path / "pg")


def _without_password(uri: str) -> str:
    return libpq_uri(make_url(uri)._replace(password=None))  # URL.set(password=None) keeps the old one


def _refused(uri: str) -> str:
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(uri).close()
    return str(refused.value)


def test_a_new_data_dir_asks_every_role_for_its_password(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, secret_key="t")
    owner = locate_database(settings).owner_url
    upgrade(owner)  # creates the app and site roles (without passwords)

    assert (data_dir / "pg" / "pg_hba.conf").read_text(encoding="utf-8") == MANAGED_HBA
    assert "no password supplied" in _refused(_without_password(libpq_uri(owner)))
    assert "password authentication failed" in _refused(libpq_uri(owner.set(password="guess")))

    for url in (database_url(settings, "app"), database_url(settings, "site")):
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == url.username
        engine.dispose()
        assert "password authentication failed" in _refused(libpq_uri(url.set(password="guess")))

    folder = secrets_dir(data_dir / "pg")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"db-{APP_ROLE}.password", f"db-{SITE_ROLE}.password", f"db-{OWNER}.password"]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passwords = {p.read_text(encoding="ascii").strip() for p in folder.iterdir()}
    assert len(passwords) == 3
    assert all(len(p) >= 40 for p in passwords)


def test_a_data_dir_made_with_trust_is_locked_on_its_next_start(data_dir: Path) -> None:
    pgdata = data_dir / "pg"
    trusting = str(
        pgserver.get_server(pgdata, cleanup_mode=None).get_uri()
    )  # as MynaDesk's data dirs once were
    psycopg.connect(trusting).close()  # pgserver's initdb: trust for every local user

    owner = start_embedded(pgdata)

    assert "no password supplied" in _refused(trusting)
    with psycopg.connect(owner) as conn:
        assert conn.execute(
            "SELECT rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid WHERE rolname = %s", (OWNER,)
        ).fetchone() == (True,)
    assert start_embedded(pgdata) == owner  # a later start reuses server and password
