"""A throwaway migrated PostgreSQL database for benchmarks (embedded server in a temporary folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from core.config import APP_ROLE, SITE_ROLE
from core.db.embedded import role_password, start_embedded, stop_embedded
from core.db.migrate import upgrade
from demo.synth import generate
from tests.conftest import libpq, recreate_database

AS_OF = date(2026, 11, 26)
_servers: dict[str, Path] = {}  # bench_database()'s URL → its embedded server's PGDATA


def role_env(pgdata: Path, owner_url: URL) -> dict[str, str]:
    """The login roles' passwords on the embedded server in PGDATA, as the settings of a `mynadesk` process
    that is given the owner's URL (the server asks every role for its password)."""
    uri = libpq(owner_url)
    return {
        "MYNADESK_APP_DB_PASSWORD": role_password(pgdata, uri, APP_ROLE),
        "MYNADESK_SITE_DB_PASSWORD": role_password(pgdata, uri, SITE_ROLE),
    }


@contextmanager
def bench_database(name: str = "mynadesk_bench") -> Iterator[URL]:
    """MYNADESK_BENCH_DATABASE_URL's server, or an embedded one; a fresh migrated database on it."""
    external = os.environ.get("MYNADESK_BENCH_DATABASE_URL")
    if external:
        server = make_url(external).set(drivername="postgresql+psycopg")
        url = recreate_database(server, name)
        upgrade(url)
        yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        pgdata = Path(folder) / "pg"
        server = make_url(start_embedded(pgdata)).set(drivername="postgresql+psycopg")
        try:
            url = recreate_database(server, name)
            upgrade(url)
            _servers[url.render_as_string()] = pgdata
            yield url
        finally:
            _servers.pop(url.render_as_string(), None)
            stop_embedded(pgdata)


def role_settings(url: URL) -> dict[str, str]:
    """role_env() for a database of bench_database(); nothing for an external server (its settings apply)."""
    pgdata = _servers.get(url.render_as_string())
    return role_env(pgdata, url) if pgdata else {}


@contextmanager
def generated(scale: float) -> Iterator[tuple[Path, Path]]:
    """(resident extract, card ledger) generated at SCALE into a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), scale=scale, seed=42, as_of=AS_OF)
        yield (
            Path(folder) / f"resident_{AS_OF:%Y%m%d}_full.csv",
            Path(folder) / f"cards_{AS_OF:%Y%m%d}.csv",
        )
