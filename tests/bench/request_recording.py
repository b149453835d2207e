"""What recording a request's duration costs (issue 16, item 2): the same Flask page with and without the
site's timing hooks (reservation_site/timing.py → core/ops/request_log.py), called as WSGI in the same run,
rounds interleaved; the cost per request is compared with the bare request time. Target: < 2 %."""

from __future__ import annotations

import time
from typing import Any, cast

from flask import Flask
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from werkzeug.test import EnvironBuilder

from core.clock import system_clock
from core.ops.request_log import RequestLog
from reservation_site import timing
from tests.bench.floor_app import PAGE

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


def run(console: Console) -> None:
    """Print the bare and the recorded request time and the share the recording adds."""
    bare_us, recorded_us = measure()
    table = Table(title="Request recording: cost per request (same run, WSGI, no server)")
    for column in ("bare request (µs)", "with recording (µs)", "cost (µs)", "share", "target"):
        table.add_column(column, justify="right")
    share = (recorded_us - bare_us) / bare_us * 100
    table.add_row(
        f"{bare_us:.1f}", f"{recorded_us:.1f}", f"{recorded_us - bare_us:.2f}", f"{share:.2f} %", "< 2 %"
    )
    console.print(table)


if __name__ == "__main__":
    run(Console())
