"""`mynadesk etl load` on a Fujisawa-scale full extract and a 1% delta, beside a raw COPY of the same rows.

Targets (issue 3): first full load and re-load each within 3× the raw COPY; a 1% delta under 2 s. At scale
1.0 the baseline and the first load are each timed three times, alternately, and their medians compared
(one run of each varies by ±15 % on a shared machine).
BENCH_SCALE10=1 also runs scale 10 (generating it takes a few minutes) to show how the cost grows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from core.db.embedded import ensure_database, start_embedded, stop_embedded
from core.db.engine import make_engine, make_session_factory
from core.db.migrate import upgrade
from core.domain.register import extract_file_name
from core.services.audit import Actor
from demo.synth import generate
from etl.extract import decode
from etl.load import load_file

AS_OF = date(2026, 11, 26)
ACTOR = Actor("bench")


def copy_baseline(url: URL, path: Path) -> float:
    """Seconds to decode the file and COPY its rows into an unindexed table of text columns."""
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    content, _ = decode(path.read_bytes())
    header = next(csv.reader([content.split("\n", 1)[0]]))
    with psycopg.connect(conninfo) as conn:
        conn.execute(f"CREATE TABLE bench_copy ({', '.join(f'{c} text' for c in header)})")
        with conn.cursor().copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_copy")
    return seconds


def write_delta(full: Path, folder: Path, share: float = 0.01) -> Path:
    """A delta of the next day: every 1/share-th person moved within the city (C01)."""
    text, encoding = decode(full.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    day = AS_OF + timedelta(days=1)
    changed = []
    every = int(1 / share)
    for number, row in enumerate(reader):
        if number % every or row["resident_status"] != "1":
            continue
        row.update(
            address=row["address"] + "の2",
            move_reason="C01",
            move_date=day.isoformat(),
            notified_date=day.isoformat(),
            updated_at=f"{day} 10:00:00",
        )
        changed.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(reader.fieldnames or []), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(changed)
    data = buffer.getvalue().encode(encoding)
    path = folder / extract_file_name(day, "delta")
    path.write_bytes(data)
    path.with_name(path.name + ".end").write_text(f"{len(changed)},{hashlib.sha256(data).hexdigest()}\n")
    return path


def timed_load(url: URL, path: Path) -> tuple[float, str]:
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine)() as session, session.begin():
        outcome = load_file(session, path, ACTOR)
        if outcome.status not in ("loaded", "already_loaded"):
            raise RuntimeError("; ".join(str(e) for e in outcome.errors[:5]))
    engine.dispose()
    return time.perf_counter() - started, outcome.status


def fresh_process_load(url: URL, path: Path) -> float:
    """timed_load in a new interpreter, as `mynadesk etl load` runs: nothing imported or cached by an
    earlier load in this process (pandas, which pyarrow imports at its first array, the date cache)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(timed_load, url, path).result()[0]


def empty_register(url: URL) -> None:
    """Back to an empty register (and no loaded files), so that the next load is a first load again."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE register.load_alerts, register.resident_versions, register.residents,"
                " register.households, register.extract_files RESTART IDENTITY CASCADE"
            )
        )
    engine.dispose()


def _spread(runs: list[float]) -> str:
    return f"median of {len(runs)} ({min(runs):.2f}–{max(runs):.2f})" if len(runs) > 1 else ""


def measure(scale: float, folder: Path, runs: int) -> list[tuple[str, float, str]]:
    """Generate, then time the baseline and the first load RUNS times each (alternately, so that both
    meet the same machine; medians compared), the re-load and a 1% delta, on a fresh database."""
    generate(folder, scale=scale, seed=42, as_of=AS_OF)
    full = folder / extract_file_name(AS_OF, "full")
    delta = write_delta(full, folder)
    uri = start_embedded(folder / "pg")
    baselines: list[float] = []
    firsts: list[float] = []
    try:
        ensure_database(uri, "bench")
        url = make_url(uri).set(drivername="postgresql+psycopg", database="bench")
        upgrade(url)
        for run in range(runs):
            if run:
                empty_register(url)
            baselines.append(copy_baseline(url, full))
            firsts.append(fresh_process_load(url, full))
        again, status = timed_load(url, full)
        changes, _ = timed_load(url, delta)
    finally:
        stop_embedded(folder / "pg")
    baseline, first = statistics.median(baselines), statistics.median(firsts)
    return [
        ("raw COPY of the same rows (baseline)", baseline, _spread(baselines)),
        ("etl load: first full load", first, f"{first / baseline:.1f}× (target ≤ 3×) {_spread(firsts)}"),
        (f"etl load: same file again ({status})", again, f"{again / baseline:.1f}× (target ≤ 3×)"),
        ("etl load: 1% delta", changes, "target < 2 s"),
    ]


def run(console: Console) -> None:
    """Print the figures at scale 1.0 (and 10 with BENCH_SCALE10=1)."""
    scales = [1.0, 10.0] if os.environ.get("BENCH_SCALE10") == "1" else [1.0]
    for scale in scales:
        with tempfile.TemporaryDirectory() as folder:
            rows = measure(scale, Path(folder), runs=3 if scale <= 1 else 1)
        table = Table(title=f"register load (scale {scale})")
        for column in ("measure", "seconds", "vs baseline / target"):
            table.add_column(column)
        for name, seconds, note in rows:
            table.add_row(name, f"{seconds:.2f}", note)
        console.print(table)
