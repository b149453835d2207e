"""`etl analytics` (target < 15 s at scale 1.0) beside the raw cost of copying the cards table out to Arrow.

Set BENCH_SCALE10=1 to also run at scale 10.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from core.db.engine import make_engine
from core.services.audit import Actor
from etl.analytics.build import build_analytics
from etl.analytics.extract import copy_to_arrow
from etl.ledger_migrate import migrate_cards
from tests.bench.database import AS_OF, bench_database, generated
from tests.bench.register_copy import copy_residents
from tests.conftest import libpq

TARGET_SECONDS = 15.0
RUNS = 3


def measure(scale: float) -> tuple[float, float, int]:
    """(baseline seconds, best build seconds, cards) at SCALE."""
    with generated(scale) as (register, ledger), bench_database() as url:
        copy_residents(libpq(url), register)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                report = migrate_cards(session, ledger, Actor("bench", role="etl"))
                session.commit()
            with psycopg.connect(libpq(url)) as conn:
                started = time.perf_counter()
                copy_to_arrow(conn, "SELECT * FROM cards.cards", _cards_schema(conn))
                baseline = time.perf_counter() - started
            builds = []
            with tempfile.TemporaryDirectory() as folder:
                for _ in range(RUNS):
                    builds.append(build_analytics(engine, Path(folder), AS_OF).seconds)
        finally:
            engine.dispose()
    return baseline, min(builds), report.rows


def _cards_schema(conn: psycopg.Connection[object]):  # type: ignore[no-untyped-def]
    """Every column of cards.cards as text: the cheapest faithful copy to Arrow."""
    import pyarrow as pa

    names = [row[0] for row in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'cards'"
        " AND table_name = 'cards' ORDER BY ordinal_position"
    )]  # fmt: skip
    return pa.schema([(str(name), pa.string()) for name in names])


def run(console: Console) -> None:
    """Print the build time beside the raw copy-out, at scale 1.0 (and 10 with BENCH_SCALE10=1)."""
    scales = [float(os.environ.get("BENCH_SCALE", "1.0"))]
    if os.environ.get("BENCH_SCALE10") == "1":
        scales.append(10.0)
    for scale in scales:
        baseline, build, cards = measure(scale)
        table = Table(title=f"etl analytics (scale {scale}, {cards:,} cards, best of {RUNS})")
        for column in ("measure", "seconds", "× baseline"):
            table.add_column(column)
        table.add_row("COPY cards.cards out to Arrow (baseline)", f"{baseline:.2f}", "1.0")
        table.add_row(
            "etl analytics: extract, 11 marts, Parquet + DuckDB, swap",
            f"{build:.2f}",
            f"{build / baseline:.1f}",
        )
        console.print(table)
        if scale == 1.0:
            verdict = "OK" if build < TARGET_SECONDS else "MISSED"
            console.print(f"target: < {TARGET_SECONDS:.0f} s at scale 1.0 → {verdict}")
