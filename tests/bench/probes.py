"""What the health probes cost (issue 16): the real servers on loopback, asked the way `mynadesk ops probe`
asks (a fresh connection per request), beside the floor measured in the same run.

1. Latency of /healthz and /readyz on the site (`mynadesk site serve`, granian) and the console
   (`mynadesk console`, gunicorn), p50/p95 over rounds that take one sample of each in turn, beside a bare TCP
   connect and a plain WSGI answer served by the same granian set-up as the site (tests/bench/floor_app.py).
2. The site's page latency while a prober asks /readyz every PROBE_EVERY seconds, against the same load
   without it: phases with and without the prober alternate, so drift of the shared machine hits both."""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.bench.booking import _free_port, _seed, _serve_command
from tests.bench.database import bench_database, role_settings
from tests.conftest import libpq

SAMPLES = int(os.environ.get("BENCH_PROBE_SAMPLES", "300"))
PHASES = int(os.environ.get("BENCH_PROBE_PHASES", "8"))  # per side, alternating
PHASE_SECONDS = float(os.environ.get("BENCH_PROBE_PHASE_SECONDS", "4"))
PROBE_EVERY = float(os.environ.get("BENCH_PROBE_EVERY", "1"))  # 60 s in production: this is 60× as often
SITE = "granian:2x4"  # as `mynadesk site serve` starts by default
PAGE = "/?lang=ja"


@contextmanager
def _server(command: list[str], env: dict[str, str], log: Path, port: int, ready: str) -> Iterator[int]:
    """Run COMMAND until the block ends; it is up once READY answers on PORT."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(port, ready)
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start: {log.read_text()[-2000:]}") from error
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str) -> tuple[float, int]:
    """(ms, status) of one GET on a fresh connection, as a probe makes it."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        return (time.perf_counter() - started) * 1e3, answer.status
    finally:
        conn.close()


def _connect(port: int) -> tuple[float, int]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10):
        pass
    return (time.perf_counter() - started) * 1e3, 0


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def probe_latency(ports: dict[str, int]) -> dict[str, tuple[list[float], set[int]]]:
    """SAMPLES of each target, one of each per round (the order rotating)."""
    targets = {
        "floor: TCP connect only": lambda: _connect(ports["floor"]),
        "floor: plain WSGI answer (granian)": lambda: _get(ports["floor"], "/"),
        "site /healthz": lambda: _get(ports["site"], "/healthz"),
        "site /readyz": lambda: _get(ports["site"], "/readyz"),
        "console /healthz": lambda: _get(ports["console"], "/healthz"),
        "console /readyz": lambda: _get(ports["console"], "/readyz"),
    }
    out: dict[str, tuple[list[float], set[int]]] = {name: ([], set()) for name in targets}
    names = list(targets)
    for name in names:  # warm every worker's pool
        for _ in range(5):
            targets[name]()
    for round_ in range(SAMPLES):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            ms, status = targets[name]()
            out[name][0].append(ms)
            out[name][1].add(status)
    return out


def _prober(port: int, stop: threading.Event, count: list[int]) -> None:
    while not stop.wait(PROBE_EVERY):
        _get(port, "/readyz")
        count[0] += 1


def page_latency(port: int) -> tuple[list[float], list[float], int]:
    """Page times (ms) without and with the prober, PHASES phases each, alternating; and the probes made."""
    without: list[float] = []
    with_probe: list[float] = []
    probes = [0]
    for phase in range(2 * PHASES):
        probing = phase % 2 == 1
        stop = threading.Event()
        thread = threading.Thread(target=_prober, args=(port, stop, probes), daemon=True)
        if probing:
            thread.start()
        deadline = time.monotonic() + PHASE_SECONDS
        while time.monotonic() < deadline:
            ms, status = _get(port, PAGE)
            assert status == 200, status
            (with_probe if probing else without).append(ms)
        stop.set()
        if probing:
            thread.join()
    return without, with_probe, probes[0]


@contextmanager
def serving(folder: Path) -> Iterator[dict[str, int]]:
    """The seeded site, the console and the floor, each on a port of its own."""
    with bench_database() as url:
        _seed(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
        env |= {
            **role_settings(url),
            "MYNADESK_DATABASE_URL": libpq(url),
            "MYNADESK_SECRET_KEY": "bench-" + "x" * 32,
            "MYNADESK_DATA_DIR": str(folder / "data"),
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd())),
        }
        (folder / "data").mkdir()
        workers, _, threads = SITE.partition(":")[2].partition("x")
        floor_port, site_port, console_port = _free_port(), _free_port(), _free_port()
        floor = [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", workers]
        floor += ["--blocking-threads", threads, "--port", str(floor_port), "tests.bench.floor_app:bare"]
        console = [sys.executable, "-m", "mynadesk", "console", "--workers", "1", "--port", str(console_port)]
        with (
            _server(floor, env, folder / "floor.log", floor_port, "/"),
            _server(_serve_command(SITE, site_port), env, folder / "site.log", site_port, "/healthz"),
            _server(console, env, folder / "console.log", console_port, "/healthz"),
        ):
            yield {"floor": floor_port, "site": site_port, "console": console_port}


def run(console: Console) -> None:
    """Serve, measure, print both tables."""
    with tempfile.TemporaryDirectory() as name, serving(Path(name)) as ports:
        latency = probe_latency(ports)
        without, with_probe, probes = page_latency(ports["site"])
    table = Table(
        title=f"Health probes: latency on a fresh connection (same run, {SAMPLES} rounds, loopback)"
    )
    for column in ("", "p50", "p95", "p50 − floor", "HTTP status"):
        table.add_column(column, justify="right")
    floor = statistics.median(latency["floor: plain WSGI answer (granian)"][0])
    for name, (times, statuses) in latency.items():
        p50 = statistics.median(times)
        over = "" if name.startswith("floor") else f"{p50 - floor:+.2f} ms"
        table.add_row(name, f"{p50:.2f} ms", f"{_pct(times, 95):.2f} ms", over, ",".join(map(str, statuses)))
    console.print(table)
    pages = Table(
        title=f"Site page {PAGE} with /readyz probed every {PROBE_EVERY:g} s vs without"
        f" ({PHASES}+{PHASES} alternating phases of {PHASE_SECONDS:g} s, one client)"
    )
    for column in ("", "requests", "p50", "p95"):
        pages.add_column(column, justify="right")
    for label, times in (("without probes", without), (f"with probes ({probes} made)", with_probe)):
        pages.add_row(
            label, str(len(times)), f"{statistics.median(times):.2f} ms", f"{_pct(times, 95):.2f} ms"
        )
    change = (statistics.median(with_probe) - statistics.median(without)) / statistics.median(without) * 100
    pages.add_row("change of p50", "", f"{change:+.2f} %", "")
    console.print(pages)


if __name__ == "__main__":
    run(Console())
