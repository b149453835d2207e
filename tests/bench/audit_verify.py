"""`mynadesk audit verify` on 1M audit rows (goal < 10 s), beside the same run's floors: a bare count(*) and a
raw sha256 of every row's text over the same rows. Also the time migration 0017 takes to chain them.

BENCH_AUDIT_ROWS changes the number of rows (default 1,000,000)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.db.embedded import start_embedded, stop_embedded
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.services import audit_chain
from tests.bench.database import role_env
from tests.conftest import libpq, recreate_database

ROOT = Path(__file__).resolve().parents[2]
GOAL = 10.0
BEFORE_CHAIN = "0015"  # the revision before migration 0017 (which chains the rows it finds)

ROWS_SQL = """
INSERT INTO audit.log (at, actor, actor_role, action, object_type, object_id, subject_atena_no, client_addr,
                       terminal, summary, detail)
SELECT timestamptz '2026-04-01 09:00+09' + g * interval '1 second', 'S' || lpad((g % 200)::text, 4, '0'),
       'staff', (ARRAY['view', 'update', 'card_read', 'export'])[1 + g % 4], 'resident', g::text,
       lpad((g % 300000)::text, 15, '0'), ('10.0.' || (g % 250) || '.' || (g % 200 + 1))::inet,
       '窓口' || (g % 12), '住民情報を表示しました',
       jsonb_build_object('n', g, 'reason', '窓口照会', 'page', g % 7)
FROM generate_series(1, :rows) g
"""


def _timed(url: URL, sql: str) -> float:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            conn.execute(text(sql)).all()
            return time.perf_counter() - started
    finally:
        engine.dispose()


def _verify_in_process(url: URL) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            started = time.perf_counter()
            verdict = audit_chain.verify(session)
            seconds = time.perf_counter() - started
        if not verdict.ok:
            raise RuntimeError(f"the benchmark's chain is broken: {verdict.fault}")
        return seconds, verdict.checked
    finally:
        engine.dispose()


def _verify_cli(url: URL, pgdata: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
    env.update(PYTHONPATH=str(ROOT), MYNADESK_DATABASE_URL=libpq(url), **role_env(pgdata, url))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mynadesk", "audit", "verify"], env=env, check=True, timeout=600)
    return time.perf_counter() - started


def _measure(url: URL, pgdata: Path, rows: int) -> dict[str, float]:
    upgrade(url, BEFORE_CHAIN)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(ROWS_SQL), {"rows": rows})
    started = time.perf_counter()
    upgrade(url)  # 0017 chains the rows it finds, in id order
    migration = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("VACUUM (ANALYZE) audit.log")
        )  # the chaining UPDATE's dead rows, as autovacuum would
    engine.dispose()
    _timed(url, "SELECT count(*) FROM audit.log")  # warm the cache for every measure alike
    ours, checked = _verify_in_process(url)
    return {
        "checked": checked,
        "migration": migration,
        "count": _timed(url, "SELECT count(*) FROM audit.log"),
        "raw_sha": _timed(url, "SELECT count(sha256(convert_to(l::text, 'UTF8'))) FROM audit.log l"),
        "ours": ours,
        "cli": _verify_cli(url, pgdata),
    }


def run(console: Console) -> bool:
    """Print the figures; return whether verify met its goal."""
    rows = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="mynadesk-bench-audit-") as folder:
        pgdata = Path(folder) / "pg"
        server = make_url(start_embedded(pgdata)).set(drivername="postgresql+psycopg")
        try:
            figures = _measure(recreate_database(server, "mynadesk_bench_audit"), pgdata, rows)
        finally:
            stop_embedded(pgdata)
    table = Table(title=f"audit chain verify ({int(figures['checked']):,} rows)")
    for column in ("measure", "seconds", "note"):
        table.add_column(column)
    table.add_row("SELECT count(*) (floor)", f"{figures['count']:.2f}", "")
    table.add_row("raw sha256(row::text) over every row (floor)", f"{figures['raw_sha']:.2f}", "one process")
    table.add_row(
        "audit_chain.verify (in process)",
        f"{figures['ours']:.2f}",
        f"× {figures['ours'] / figures['raw_sha']:.1f} of raw sha256, parallel; goal < {GOAL:.0f} s",
    )
    table.add_row("mynadesk audit verify (process start included)", f"{figures['cli']:.2f}", "")
    table.add_row("migration 0017 chaining the existing rows", f"{figures['migration']:.1f}", "once")
    console.print(table)
    return figures["cli"] < GOAL
