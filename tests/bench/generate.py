"""`mynadesk data generate` at scale 1.0 (target < 60 s) beside the raw cost of writing as many CSV rows."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from core.domain.register import COLUMNS
from demo.synth import generate

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))


def raw_csv_baseline(rows: int, columns: int) -> float:
    """Seconds to format and CP932-encode ROWS rows of COLUMNS short fields: the floor for a CSV writer."""
    row = ["藤沢市朝日町1番1号"] * columns
    started = time.perf_counter()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for _ in range(rows):
        writer.writerow(row)
    buffer.getvalue().encode("cp932")
    return time.perf_counter() - started


def run(console: Console) -> None:
    """Generate Fujisawa-scale data into a temporary folder and time it."""
    with tempfile.TemporaryDirectory() as folder:
        summary = generate(Path(folder), scale=SCALE, seed=42, as_of=date(2026, 11, 26))
        sizes = sum(path.stat().st_size for path in summary.files)
    rows = summary.residents + summary.removed + summary.cards_total
    baseline = raw_csv_baseline(rows, len(COLUMNS))
    table = Table(title=f"data generate (scale {SCALE})")
    for column in ("measure", "seconds", "rows", "MB", "× baseline"):
        table.add_column(column)
    table.add_row("raw csv.writer + cp932 (baseline)", f"{baseline:.2f}", f"{rows:,}", "", "1.0")
    table.add_row(
        "mynadesk data generate",
        f"{summary.seconds:.2f}",
        f"{rows:,}",
        f"{sizes / 1e6:.0f}",
        f"{summary.seconds / baseline:.1f}",
    )
    console.print(table)
    console.print(f"target: < 60 s at scale 1.0 → {'OK' if summary.seconds < 60 else 'MISSED'}")
