"""Backups at Fujisawa scale: `mynadesk backup run` beside a raw pg_basebackup of the same cluster, and the
restore drill's total time and RTO (goal: drill under 60 s on 2 cores)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from core.db.embedded import start_embedded, stop_embedded
from core.ops import pgtools
from core.ops.backup import libpq_env

ROOT = Path(__file__).resolve().parents[2]
DRILL_GOAL = 60.0


def _mynadesk(data: Path, *args: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
    env.update(PYTHONPATH=str(ROOT), MYNADESK_DATA_DIR=str(data))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mynadesk", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=3600,
    )
    return time.perf_counter() - started


def _demo(data: Path, scale: str) -> None:
    generated = data.parent / "generated"
    _mynadesk(data, "db", "upgrade")
    _mynadesk(data, "site", "seed", "--demo-bookings")
    _mynadesk(data, "data", "generate", "--out", str(generated), "--scale", scale)
    _mynadesk(data, "etl", "load", *sorted(str(p) for p in generated.glob("resident_*_full.csv")))
    _mynadesk(data, "migrate", "cards", sorted(str(p) for p in generated.glob("cards_*.csv"))[-1])


def _raw_basebackup(data: Path) -> float:
    conninfo, env = libpq_env(start_embedded(data / "pg"))
    target = pgtools.private_dir(data.parent / "raw")
    started = time.perf_counter()
    pgtools.run(
        "pg_basebackup", ["-D", str(target / "d"), "-X", "stream", "-c", "fast", "-d", conninfo], env=env
    )
    seconds = time.perf_counter() - started
    pgtools.remove_tree(target)
    return seconds


def _last_rto(data: Path) -> float:
    uri = start_embedded(data / "pg").replace("/postgres?", "/mynadesk?", 1)
    with psycopg.connect(uri) as conn:
        row = conn.execute("SELECT rto_seconds FROM ops.drills ORDER BY id DESC LIMIT 1").fetchone()
    return float(row[0]) if row and row[0] is not None else float("nan")


def run(console: Console) -> bool:
    """Print the figures; return whether the drill met its goal."""
    scale = os.environ.get("BENCH_SCALE", "1.0")
    with tempfile.TemporaryDirectory(prefix="mynadesk-bench-backup-") as folder:
        data = Path(folder) / "data"
        try:
            _demo(data, scale)
            _mynadesk(data, "backup", "run")  # the first run turns archiving on (one restart)
            raw = _raw_basebackup(data)
            ours = _mynadesk(data, "backup", "run")
            drill = _mynadesk(data, "backup", "verify", "--drill")
            rto = _last_rto(data)
        finally:
            stop_embedded(data / "pg")
    table = Table(title=f"backups (scale {scale})")
    for column in ("measure", "seconds", "note"):
        table.add_column(column)
    table.add_row("raw pg_basebackup -X stream (floor)", f"{raw:.1f}", "")
    table.add_row(
        "mynadesk backup run", f"{ours:.1f}", f"× {ours / raw:.1f} (SHA-256 manifest, verify, record)"
    )
    table.add_row("mynadesk backup verify --drill", f"{drill:.1f}", f"goal < {DRILL_GOAL:.0f} s")
    table.add_row("drill RTO (restore → queries answered)", f"{rto:.1f}", "")
    console.print(table)
    return drill < DRILL_GOAL
