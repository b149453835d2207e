"""A throwaway migrated PostgreSQL database for benchmarks (embedded server in a temporary folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from core.db.embedded import start_embedded, stop_embedded
from core.db.migrate import upgrade
from demo.synth import generate
from tests.conftest import recreate_database

AS_OF = date(2026, 11, 26)


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
            yield url
        finally:
            stop_embedded(pgdata)


@contextmanager
def generated(scale: float) -> Iterator[tuple[Path, Path]]:
    """(resident extract, card ledger) generated at SCALE into a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), scale=scale, seed=42, as_of=AS_OF)
        yield (
            Path(folder) / f"resident_{AS_OF:%Y%m%d}_full.csv",
            Path(folder) / f"cards_{AS_OF:%Y%m%d}.csv",
        )
