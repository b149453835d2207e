"""What recording a request's duration costs (issue 16, item 2), in the same run, rounds interleaved:
- the floor: one trivial Flask page with and without the site's timing hooks (reservation_site/timing.py →
  core/ops/request_log.py), as WSGI: the hooks' cost in µs, against the cheapest page Flask can serve;
- the site: the reservation site's own pages (the top page and a procedure's calendar, on a seeded embedded
  database) with REQUEST_TIMING on and off: the share a resident's request pays. Target: < 2 %."""

from __future__ import annotations

import time
from typing import Any, cast

from flask import Flask
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from werkzeug.test import EnvironBuilder

from core.clock import system_clock
from core.config import Settings
from core.ops.request_log import RequestLog
from reservation_site import create_app, timing
from tests.bench.booking import _seed
from tests.bench.database import bench_database, role_settings
from tests.bench.floor_app import PAGE
from tests.conftest import libpq

REQUESTS = 5_000
ROUNDS = 12


def _app(log: RequestLog | None) -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/p/<code>", "page", lambda code: PAGE)
    if log is not None:
        timing.install(app, log, system_clock, ("/healthz",))
    return app


def _per_request_us(app: Flask, environ: dict[str, Any]) -> float:
    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(REQUESTS):
        for _chunk in app.wsgi_app(dict(environ), start_response):  # type: ignore[arg-type]
            pass
    return (time.perf_counter() - started) / REQUESTS * 1e6


def measure() -> tuple[float, float]:
    """(bare µs per request, recorded µs per request): the fastest of interleaved rounds (the machine is
    shared: the fastest round is the one least disturbed)."""
    log = RequestLog("site", cast(Engine, None), flush_seconds=3600)  # never flushed while measuring
    bare, recorded = _app(None), _app(log)
    environ = EnvironBuilder(path="/p/PICKUP").get_environ()
    _per_request_us(bare, environ)
    _per_request_us(recorded, environ)  # warm both
    bare_us, recorded_us = [], []
    for round_ in range(ROUNDS):  # the order alternates, so neither side always runs first
        if round_ % 2:
            recorded_us.append(_per_request_us(recorded, environ))
            bare_us.append(_per_request_us(bare, environ))
        else:
            bare_us.append(_per_request_us(bare, environ))
            recorded_us.append(_per_request_us(recorded, environ))
    log._stop.set()
    log._take()  # nothing to write: the bench has no database
    return min(bare_us), min(recorded_us)


SITE_PATHS = ("/?lang=ja", "/p/cert_renewal?lang=ja")
SITE_REQUESTS = 150
SITE_ROUNDS = 10


def _site_ms(client: Any) -> float:
    started = time.perf_counter()
    for serial in range(SITE_REQUESTS):
        answer = client.get(SITE_PATHS[serial % len(SITE_PATHS)])
        assert answer.status_code == 200, answer.status_code
    return (time.perf_counter() - started) / SITE_REQUESTS * 1e3


def measure_site() -> tuple[float, float]:
    """(ms per site request without recording, with recording): the fastest of interleaved rounds."""
    with bench_database() as url:
        _seed(url)
        env = {"MYNADESK_DATABASE_URL": libpq(url), "MYNADESK_SECRET_KEY": "x" * 40, **role_settings(url)}
        settings = Settings.from_env(env)
        clients = {
            timed: create_app({"REQUEST_TIMING": timed}, settings=settings).test_client()
            for timed in (False, True)
        }
        for client in clients.values():
            _site_ms(client)  # warm caches, pools and templates
        bare, recorded = [], []
        for round_ in range(SITE_ROUNDS):
            order = (True, False) if round_ % 2 else (False, True)
            for timed in order:
                (recorded if timed else bare).append(_site_ms(clients[timed]))
        return min(bare), min(recorded)


def run(console: Console) -> None:
    """Print the bare and the recorded request time and the share the recording adds."""
    bare_us, recorded_us = measure()
    site_bare, site_recorded = measure_site()
    table = Table(title="Request recording: cost per request (same run, WSGI, no server)")
    for column in ("", "bare request", "with recording", "cost", "share", "target"):
        table.add_column(column, justify="right")
    share = (recorded_us - bare_us) / bare_us * 100
    table.add_row(
        "floor: trivial Flask page",
        f"{bare_us:.1f} µs",
        f"{recorded_us:.1f} µs",
        f"{recorded_us - bare_us:.2f} µs",
        f"{share:.2f} %",
        "(floor)",
    )
    site_share = (site_recorded - site_bare) / site_bare * 100
    table.add_row(
        "reservation site pages",
        f"{site_bare:.2f} ms",
        f"{site_recorded:.2f} ms",
        f"{(site_recorded - site_bare) * 1e3:.0f} µs",
        f"{site_share:.2f} %",
        "< 2 %",
    )
    console.print(table)


if __name__ == "__main__":
    run(Console())
