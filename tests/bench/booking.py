"""Reservation site under load: the real server (`mynadesk site serve`, granian) on loopback, 200 concurrent
clients booking through the real pages (CSRF, hold, details, confirm), beside pgbench running the same
booking transaction straight in PostgreSQL.

Loopback only: each client talks from its own 127.x.y.z address (so per-address rate limits stay realistic);
every loop is bounded by BENCH_SECONDS. BENCH_SERVERS lists server set-ups to compare in one run, e.g.
"granian:2x8,granian:3x4" (server:workers[xthreads]); "before:gthread:3x8" serves an older (gunicorn) checkout
unpacked in BENCH_BEFORE_TREE (e.g. `git archive main | tar -x -C /tmp/before`) for a before/after in the same
run.

Besides throughput it prints CPU seconds per booking of the server, of PostgreSQL and of the load generator
(which shares the 2 cores), how busy the machine was with other work (absolute figures on a shared machine are
noisy), and the floor of the web stack: the same server set-up serving a bare WSGI callable and a bare Flask
route."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pgserver
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.db.embedded import start_embedded, stop_embedded
from core.db.engine import make_engine
from core.db.migrate import upgrade
from demo.seed import seed_fujisawa
from tests.bench import loadgen
from tests.bench.database import role_env
from tests.bench.proc_cpu import machine_busy, self_cpu, tree_cpu
from tests.conftest import libpq, recreate_database

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
SERVERS = os.environ.get("BENCH_SERVERS", "granian:2x4")  # as `mynadesk site serve` starts by default
FLOOR_SECONDS = float(os.environ.get("BENCH_FLOOR_SECONDS", "8"))
PGBENCH = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"


@dataclass
class Run:
    """One server set-up under load, with the CPU each party used meanwhile."""

    setup: str
    tally: loadgen.Tally
    elapsed: float
    server_cpu: float
    postgres_cpu: float
    client_cpu: float
    machine_cpu: float
    overbooked: int = 0
    stored: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _overbooked(url: URL) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        over = conn.execute(
            text(
                "SELECT count(*) FROM booking.slots s WHERE s.capacity < s.booked + s.held OR s.capacity < "
                "(SELECT coalesce(sum(party_size), 0) FROM booking.reservations r "
                "WHERE r.slot_id = s.id AND r.status = 'booked')"
            )
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar_one()
    engine.dispose()
    return int(over), int(total)


def _floor(app: str, setup: str, block: int) -> Run:
    """The same server set-up serving FLOOR_APP's APP (no database, no templates), hammered with GET /."""
    kind, _, size = setup.removeprefix("before:").partition(":")
    workers, _, threads = size.partition("x")
    port = _free_port()
    if kind == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", workers or "2"]
        command += ["--blocking-threads", threads or "1", "--port", str(port), f"tests.bench.floor_app:{app}"]
    else:  # an older checkout's gunicorn worker class
        command = [sys.executable, "-m", "gunicorn", "--worker-class", kind, "--workers", workers or "2"]
        command += [
            "--threads",
            threads or "1",
            "--bind",
            f"127.0.0.1:{port}",
            f"tests.bench.floor_app:{app}",
        ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        before = (tree_cpu(server.pid), self_cpu(), machine_busy())
        started = time.perf_counter()
        tally = loadgen.hammer(CLIENTS, block, port, FLOOR_SECONDS)
        elapsed = time.perf_counter() - started
        after = (tree_cpu(server.pid), self_cpu(), machine_busy())
        server_cpu, client_cpu, machine = (b - a for a, b in zip(before, after, strict=True))
        return Run(f"{app} {setup}", tally, elapsed, server_cpu, 0.0, client_cpu, machine)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _reset(url: URL) -> None:
    """Every seat free again, so the next set-up meets the same calendar."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE booking.access_log, booking.outbox, booking.rate_events, "
                "booking.reservation_members, booking.reservations, booking.holds"
            )
        )
        conn.execute(text("UPDATE booking.slots SET booked = 0, held = 0"))
    engine.dispose()


def _serve_command(setup: str, port: int) -> list[str]:
    kind, _, size = setup.removeprefix("before:").partition(":")
    workers, _, threads = size.partition("x")
    command = [sys.executable, "-m", "mynadesk", "site", "serve", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", workers or "2", "--threads", threads or "1"]
    if setup.startswith("before:") and kind != "gthread":  # an older checkout served by gunicorn
        return [*command, "--worker-class", kind]
    return command


def _site_load(url: URL, setup: str, block: int, postmaster: int, passwords: dict[str, str]) -> Run:
    """SETUP is 'class:workers[xthreads]'; 'before:…' serves the checkout in BENCH_BEFORE_TREE instead."""
    port = _free_port()
    env = {**os.environ, **passwords, "MYNADESK_DATABASE_URL": libpq(url)}
    env["MYNADESK_SECRET_KEY"] = "bench-" + "x" * 32
    tree = os.environ["BENCH_BEFORE_TREE"] if setup.startswith("before:") else None
    if tree:
        env["PYTHONPATH"] = tree
    server = subprocess.Popen(
        _serve_command(setup, port), env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for(port)
        days = loadgen.bookable_days(port)
        before = (tree_cpu(server.pid), tree_cpu(postmaster), self_cpu(), machine_busy())
        started = time.perf_counter()
        tally = loadgen.load(CLIENTS, block, port, days, SECONDS)
        elapsed = time.perf_counter() - started
        after = (tree_cpu(server.pid), tree_cpu(postmaster), self_cpu(), machine_busy())
        server_cpu, postgres_cpu, client_cpu, machine = (b - a for a, b in zip(before, after, strict=True))
        return Run(setup, tally, elapsed, server_cpu, postgres_cpu, client_cpu, machine)
    finally:
        server.terminate()
        server.wait(timeout=30)


PGBENCH_SCRIPT = """
\\set slot random(:lo, :hi)
BEGIN;
SELECT booked, held, capacity FROM booking.slots WHERE id = :slot FOR UPDATE;
WITH s AS (
    UPDATE booking.slots SET booked = booked + 1 WHERE id = :slot AND booked + held < capacity
    RETURNING id, procedure_id
)
INSERT INTO booking.reservations (booking_no, secret_hash, slot_id, procedure_id, name, phone)
SELECT substr(md5(random()::text), 1, 12), md5(random()::text) || md5(random()::text), id, procedure_id,
       'ベンチ', '09000000000' FROM s;
COMMIT;
"""


def _pgbench(url: URL, seconds: float) -> str:
    """pgbench of the booking transaction (lock, check, count, insert) on seats that never run out."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE booking.slots SET capacity = 30000"))
        lo, hi = conn.execute(text("SELECT min(id), max(id) FROM booking.slots")).one()
    engine.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(PGBENCH_SCRIPT)
    query = dict(url.query)
    host = str(query.get("host") or url.host or "127.0.0.1")
    args = [str(PGBENCH), "-n", "-c", "16", "-j", "2", "-T", str(int(seconds)), "-f", script.name]
    args += ["-D", f"lo={lo}", "-D", f"hi={hi}", "-h", host, "-U", url.username or "postgres"]
    if url.port:
        args += ["-p", str(url.port)]
    result = subprocess.run([*args, url.database or "postgres"], capture_output=True, text=True, check=True)
    Path(script.name).unlink()
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    return match.group(1) if match else "?"


def _seed(url: URL) -> int:
    """Fujisawa's set-up with its slots; return the seats of the benchmarked venue and procedure."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        session.execute(text("UPDATE booking.rules SET max_active_per_contact = 1000"))
        now = system_clock()
        seed_fujisawa(session, (now - timedelta(days=1)).date())
        seats = session.execute(
            text(
                "SELECT coalesce(sum(s.capacity), 0) FROM booking.slots s "
                "JOIN booking.venues v ON v.id = s.venue_id "
                "JOIN booking.procedures p ON p.id = s.procedure_id "
                "WHERE v.code = 'honcho' AND p.code = 'cert_renewal' "
                "AND s.starts_at > :after"
            ),
            {"after": now + timedelta(days=1)},
        ).scalar_one()
    engine.dispose()
    return int(seats)


def run(console: Console) -> None:
    """Load the site under each set-up, count overbookings, compare with raw pgbench."""
    with tempfile.TemporaryDirectory() as folder:
        pgdata = Path(folder) / "pg"
        server = make_url(start_embedded(pgdata)).set(drivername="postgresql+psycopg")
        try:
            url = recreate_database(server, "mynadesk_bench")
            upgrade(url)
            seats = _seed(url)
            postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
            runs = []
            for block, setup in enumerate(SERVERS.split(",")):
                runs.append(_site_load(url, setup, block, postmaster, role_env(pgdata, url)))
                runs[-1].overbooked, runs[-1].stored = _overbooked(url)
                _reset(url)
            tps = _pgbench(url, min(SECONDS, 10))
            ours = [one for one in runs if not one.setup.startswith("before:")] or runs
            floors = [_floor(app, ours[0].setup, 50 + n) for n, app in enumerate(("bare", "flask"))]
        finally:
            stop_embedded(pgdata)
    for one in runs:
        _report(console, one)
    _summary(console, tps, runs, seats)
    _floors(console, floors, ours[0])


def _quantiles(values: list[float]) -> str:
    ordered = sorted(values) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered) * 1000:.0f} / {p99 * 1000:.0f}"


def _report(console: Console, one: Run) -> None:
    tally, booked = one.tally, max(one.tally.booked, 1)
    table = Table(title=f"booking: {CLIENTS} clients, {one.elapsed:.0f} s, {one.setup}, 2 cores")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("site: successful bookings/s (6 HTTP requests each)", f"{tally.booked / one.elapsed:.1f}")
    table.add_row("site: HTTP requests/s", f"{tally.requests / one.elapsed:.0f}")
    table.add_row("site: bookings / just-taken / errors", f"{tally.booked} / {tally.taken} / {tally.errors}")
    if tally.why:
        table.add_row("  errors seen", ", ".join(f"{why} ×{n}" for why, n in tally.why.most_common(5)))
    table.add_row("site: whole booking latency p50 / p99 (ms)", _quantiles(tally.latencies))
    for step, values in tally.steps.items():
        table.add_row(f"  request '{step}' latency p50 / p99 (ms)", _quantiles(values))
    table.add_row("CPU ms per booking: server (all workers)", f"{one.server_cpu / booked * 1000:.1f}")
    table.add_row("CPU ms per booking: PostgreSQL", f"{one.postgres_cpu / booked * 1000:.1f}")
    table.add_row("CPU ms per booking: load generator", f"{one.client_cpu / booked * 1000:.1f}")
    busy = one.machine_cpu / one.elapsed
    others = max(one.machine_cpu - one.server_cpu - one.postgres_cpu - one.client_cpu, 0.0) / one.elapsed
    table.add_row(
        "load generator's share of the CPU this run used",
        f"{one.client_cpu / max(one.machine_cpu, 1e-9) * 100:.0f} %",
    )
    table.add_row("machine busy (cores) / of it other work", f"{busy:.2f} / {others:.2f}")
    console.print(table)


def _summary(console: Console, tps: str, runs: list[Run], seats: int) -> None:
    table = Table(title="booking: baseline and invariant (same run)")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("pgbench: booking transaction alone (baseline), tx/s", tps)
    table.add_row("seats offered (bench venue and procedure)", f"{seats}")
    for one in runs:
        table.add_row(
            f"{one.setup}: reservations stored / overbooked slots (must be 0)",
            f"{one.stored} / {one.overbooked}",
        )
    console.print(table)
    overbooked = sum(one.overbooked for one in runs)
    verdict = "NONE — OK" if overbooked == 0 else "FOUND — DEFECT"
    console.print(f"overbooking: {verdict}; aim 1,000 bookings/s on 2 cores")


def _floors(console: Console, floors: list[Run], site: Run) -> None:
    table = Table(title=f"booking: floor of the web stack, {CLIENTS} clients, same run and server set-up")
    for column in ("server", "HTTP requests/s", "server CPU ms per request", "bookings/s if 6 such requests"):
        table.add_column(column)
    for one in [*floors, site]:
        requests = max(one.tally.requests, 1)
        name = f"site {one.setup} (booking pages)" if one is site else one.setup
        table.add_row(
            name,
            f"{requests / one.elapsed:.0f}",
            f"{one.server_cpu / requests * 1000:.2f}",
            f"{requests / one.elapsed / 6:.0f}",
        )
    console.print(table)
