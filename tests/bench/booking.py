"""Reservation site under load: gunicorn on loopback, 200 concurrent clients booking through the real pages
(CSRF, hold, details, confirm), beside pgbench running the same booking transaction straight in PostgreSQL.

Loopback only: each client talks from its own 127.0.x.y address (so per-address rate limits stay realistic);
every loop is bounded by BENCH_SECONDS."""

from __future__ import annotations

import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pgserver
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.db.embedded import start_embedded, stop_embedded
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.domain.booking import TOKYO
from core.services.seed import seed_fujisawa
from tests.conftest import libpq, recreate_database

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
PGBENCH = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SLOT = re.compile(r'name="slot_id" id="slot_id-\d+" value="(\d+)"')
DAY_LINK = re.compile(r'href="(/p/cert_renewal/honcho/\d{4}-\d{2}-\d{2})"')


@dataclass
class Tally:
    """What the clients saw."""

    booked: int = 0
    taken: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """A minimal cookie-keeping HTTP client bound to its own loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.conn = HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        self.cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, page


def _one_booking(browser: Browser, days: list[str], serial: int) -> str:
    day = random.choice(days)
    _, page = browser.request("GET", day)
    slots = SLOT.findall(page)
    if not slots:
        return "taken"
    form = {"csrf_token": TOKEN.findall(page)[0], "slot_id": random.choice(slots[:8]), "party_size": "1"}
    status, _ = browser.request("POST", day, form)
    if status == 409:
        return "taken"
    if status != 302:
        return "error"
    _, page = browser.request("GET", "/details")
    details = {
        "csrf_token": TOKEN.findall(page)[0],
        "name": "負荷 試験",
        "name_kana": "フカ シケン",
        "birth_date": "1980-01-01",
        "phone": f"090{serial:08d}",
    }
    status, _ = browser.request("POST", "/details", details)
    _, page = browser.request("GET", "/confirm")
    status, _ = browser.request("POST", "/confirm", {"csrf_token": TOKEN.findall(page)[0]})
    return "booked" if status == 302 else ("taken" if status == 409 else "error")


def _client(index: int, port: int, days: list[str], deadline: float, tally: Tally) -> None:
    browser = Browser(port, f"127.0.{1 + index // 250}.{1 + index % 250}")
    serial = index * 100_000
    while time.monotonic() < deadline:
        serial += 1
        started = time.perf_counter()
        try:
            outcome = _one_booking(browser, days, serial)
        except (OSError, IndexError):
            outcome = "error"
            browser = Browser(port, f"127.0.{1 + index // 250}.{1 + index % 250}")
        elapsed = time.perf_counter() - started
        with tally.lock:
            setattr(tally, outcome, getattr(tally, outcome) + 1)
            if outcome == "booked":
                tally.latencies.append(elapsed)


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
    raise RuntimeError("gunicorn did not start")


def _bookable_days(port: int) -> list[str]:
    """Day pages with free times, from this month's calendar and the next two."""
    browser, month = Browser(port, "127.0.0.1"), datetime.now(TOKYO).date().replace(day=1)
    days: list[str] = []
    for _ in range(3):
        days += DAY_LINK.findall(browser.request("GET", f"/p/cert_renewal/honcho?m={month:%Y-%m}")[1])
        month = (month + timedelta(days=32)).replace(day=1)
    return days


def _overbooked(url: URL) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        over = conn.execute(
            text(
                "SELECT count(*) FROM booking.slots s WHERE s.capacity < "
                "(SELECT coalesce(sum(party_size), 0) FROM booking.reservations r "
                "WHERE r.slot_id = s.id AND r.status = 'booked')"
            )
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar_one()
    engine.dispose()
    return int(over), int(total)


def _site_load(url: URL) -> tuple[Tally, float]:
    port = _free_port()
    env = {**os.environ, "MYNADESK_DATABASE_URL": libpq(url), "MYNADESK_SECRET_KEY": "bench-" + "x" * 32}
    command = [sys.executable, "-m", "mynadesk", "site", "serve", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS), "--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        days = _bookable_days(port)
        tally = Tally()
        deadline = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=_client, args=(i, port, days, deadline, tally), daemon=True)
            for i in range(CLIENTS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        return tally, time.perf_counter() - started
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


def run(console: Console) -> None:
    """Load the site, count overbookings, compare with raw pgbench."""
    with tempfile.TemporaryDirectory() as folder:
        pgdata = Path(folder) / "pg"
        server = make_url(start_embedded(pgdata)).set(drivername="postgresql+psycopg")
        try:
            url = recreate_database(server, "mynadesk_bench")
            upgrade(url)
            engine = make_engine(url)
            with Session(engine) as session, session.begin():
                session.execute(text("UPDATE booking.rules SET max_active_per_contact = 1000"))
                seed_fujisawa(session, (datetime.now(TOKYO) - timedelta(days=1)).date())
            engine.dispose()
            tally, elapsed = _site_load(url)
            overbooked, stored = _overbooked(url)
            tps = _pgbench(url, min(SECONDS, 10))
        finally:
            stop_embedded(pgdata)
    _report(console, tally, elapsed, overbooked, stored, tps)


def _report(console: Console, tally: Tally, elapsed: float, overbooked: int, stored: int, tps: str) -> None:
    latencies = sorted(tally.latencies) or [0.0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    table = Table(title=f"booking: {CLIENTS} clients, {elapsed:.0f} s, gunicorn {WORKERS} workers, 2 cores")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("pgbench: booking transaction alone (baseline), tx/s", tps)
    table.add_row("site: successful bookings/s (6 HTTP requests each)", f"{tally.booked / elapsed:.1f}")
    table.add_row("site: HTTP requests/s (approx.)", f"{(tally.booked * 6 + tally.taken * 2) / elapsed:.0f}")
    table.add_row(
        "site: bookings / just-taken pages / errors", f"{tally.booked} / {tally.taken} / {tally.errors}"
    )
    table.add_row("site: booking latency p50 / p99 (s)", f"{statistics.median(latencies):.3f} / {p99:.3f}")
    table.add_row("reservations stored", f"{stored}")
    table.add_row("overbooked slots (must be 0)", f"{overbooked}")
    console.print(table)
    console.print(
        f"load average at the end: {os.getloadavg()[0]:.1f} (other work on this machine skews figures)"
    )
    console.print(
        f"overbooking: {'NONE — OK' if overbooked == 0 else 'FOUND — DEFECT'}; target 1,000 bookings/s"
    )
