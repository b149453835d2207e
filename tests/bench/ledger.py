"""`mynadesk migrate cards` on the scale-1.0 ledger beside a raw COPY of its rows into an unindexed table.

Set BENCH_SCALE10=1 to also run at scale 10.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from core.db.engine import make_engine
from core.domain.ledger import COLUMNS
from core.services.audit import Actor
from etl.ledger_migrate import migrate_cards
from tests.bench.database import bench_database, generated
from tests.bench.register_copy import copy_residents
from tests.conftest import libpq

ACTOR = Actor("bench", role="etl")


def raw_copy_seconds(url: URL, ledger: Path) -> float:
    """Seconds to decode the file and COPY its rows into an unindexed all-text table: the floor."""
    started = time.perf_counter()
    data = ledger.read_bytes().decode("cp932").encode("utf-8")
    with psycopg.connect(libpq(url)) as conn:
        conn.execute(
            f"CREATE UNLOGGED TABLE IF NOT EXISTS raw_ledger ({', '.join(f'{c} text' for c in COLUMNS)})"
        )
        conn.execute("TRUNCATE raw_ledger")
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY raw_ledger FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            copy.write(data)
        conn.execute("DROP TABLE raw_ledger")
    return time.perf_counter() - started


def timed_migration(url: URL, ledger: Path, *, dry_run: bool = False) -> tuple[float, int, int]:
    """(seconds, created, unchanged) of one `migrate cards` run, committed unless DRY_RUN."""
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        with Session(engine) as session:
            report = migrate_cards(session, ledger, ACTOR)
            session.rollback() if dry_run else session.commit()
        return time.perf_counter() - started, report.created, report.unchanged
    finally:
        engine.dispose()


def measure(scale: float) -> list[tuple[str, float, str]]:
    """Rows of (measure, seconds, note) for one scale."""
    with generated(scale) as (register, ledger), bench_database() as url:
        copy_residents(libpq(url), register)  # holders to match (stand-in for `mynadesk etl load`)
        rows = sum(1 for _ in ledger.open("rb")) - 1
        baseline = raw_copy_seconds(url, ledger)
        first, created, _ = timed_migration(url, ledger)
        again, _, unchanged = timed_migration(url, ledger)
        dry, _, _ = timed_migration(url, ledger, dry_run=True)
        baseline_again = raw_copy_seconds(url, ledger)
    base = min(baseline, baseline_again)
    return [
        (f"raw COPY into an unindexed table ({rows:,} rows, baseline)", base, "1.0"),
        (f"migrate cards, first run ({created:,} created)", first, f"{first / base:.1f}"),
        (f"migrate cards, re-run ({unchanged:,} unchanged)", again, f"{again / base:.1f}"),
        ("migrate cards --dry-run (re-run)", dry, f"{dry / base:.1f}"),
    ]


def run(console: Console) -> None:
    """Print the figures at scale 1.0 (and 10 with BENCH_SCALE10=1)."""
    scales = [float(os.environ.get("BENCH_SCALE", "1.0"))]
    if os.environ.get("BENCH_SCALE10") == "1":
        scales.append(10.0)
    for scale in scales:
        table = Table(title=f"migrate cards (scale {scale})")
        for column in ("measure", "seconds", "× baseline"):
            table.add_column(column)
        for name, seconds, ratio in measure(scale):
            table.add_row(name, f"{seconds:.2f}", ratio)
        console.print(table)
