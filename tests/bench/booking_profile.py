"""Where the site's CPU goes per booking: the app in-process (Flask test client, one client, no gunicorn),
each request timed and its SQL statements counted, then the same bookings under cProfile with the time of each
function charged to its library. cProfile inflates Python's cost several times (most for small calls), so
read its column as shares.

`python -m tests.bench booking_profile` (BENCH_BOOKINGS, default 300)."""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from core.clock import today
from core.config import Settings
from reservation_site import create_app
from tests.bench import loadgen
from tests.bench.booking import _seed
from tests.bench.database import bench_database, role_settings
from tests.conftest import libpq

BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "300"))
LIBRARIES = (  # (label, part of the code's file name), first match wins
    ("psycopg (driver; waits on PostgreSQL)", "psycopg"),
    ("SQLAlchemy ORM (sessions, unit of work)", "sqlalchemy/orm"),
    ("SQLAlchemy Core (statements, cache keys)", "sqlalchemy/sql"),
    ("SQLAlchemy engine and pool", "sqlalchemy/"),
    ("Jinja templates (incl. markupsafe)", "jinja2"),
    ("Jinja templates (incl. markupsafe)", "templates/"),
    ("Jinja templates (incl. markupsafe)", "markupsafe"),
    ("WTForms", "wtforms"),
    ("flask-wtf (CSRF)", "flask_wtf"),
    ("session cookie (itsdangerous, json, zlib)", "itsdangerous"),
    ("session cookie (itsdangerous, json, zlib)", "json/"),
    ("session cookie (itsdangerous, json, zlib)", "zlib"),
    ("werkzeug (request, response, routing, locals)", "werkzeug"),
    ("flask", "flask/"),
    ("reservation_site (views, i18n, limits)", "reservation_site"),
    ("core (services, domain)", "/core/"),
    ("hashing (hmac, hashlib, secrets)", "hmac"),
    ("hashing (hmac, hashlib, secrets)", "hashlib"),
    ("string.Formatter (markupsafe's Markup.format)", "string.py"),
    ("datetime, zoneinfo", "zoneinfo"),
    ("datetime, zoneinfo", "datetime"),
    ("builtins (isinstance, getattr, dict, str …)", "built-in method"),
    ("builtins (isinstance, getattr, dict, str …)", "method '"),
)


class Recorder:
    """Per request kind: wall and CPU time, SQL statements and transactions."""

    def __init__(self, app: Flask) -> None:
        self.times: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.sql: Counter[tuple[str, str]] = Counter()
        self.current = "-"
        self.profiler: cProfile.Profile | None = None
        self.inner = app.wsgi_app
        app.wsgi_app = self  # type: ignore[method-assign]
        engine = app.extensions["mynadesk_engine"]
        event.listen(engine, "before_cursor_execute", lambda *_: self._count("statements"))
        event.listen(engine, "begin", lambda *_: self._count("transactions"))

    def _count(self, what: str) -> None:
        self.sql[(self.current, what)] += 1

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = re.sub(r"/p/.*/\d{4}-\d\d-\d\d", "/p/…/<day>", str(environ["PATH_INFO"]))
        self.current = f"{environ['REQUEST_METHOD']} {path}"
        wall, cpu = time.perf_counter(), time.process_time()
        if self.profiler:
            self.profiler.enable()
        try:
            return list(self.inner(environ, start_response))
        finally:
            if self.profiler:
                self.profiler.disable()
            self.times[self.current].append((time.perf_counter() - wall, time.process_time() - cpu))


def _book(client: FlaskClient, days: list[str], serial: int) -> None:
    for _ in range(20):  # a time taken meanwhile: pick another, as a person would
        day = random.choice(days)
        page = client.get(day).get_data()
        form = {"csrf_token": loadgen.TOKEN.findall(page)[0].decode(), "party_size": "1"}
        form["slot_id"] = random.choice(loadgen.SLOT.findall(page)[:8]).decode()
        if client.post(day, data=form).status_code == 302:
            break
    page = client.get("/details").get_data()
    details = {"name": "負荷 試験", "name_kana": "フカ シケン", "birth_date": "1980-01-01"}
    details |= {"csrf_token": loadgen.TOKEN.findall(page)[0].decode(), "phone": f"090{serial:08d}"}
    assert client.post("/details", data=details).status_code == 302
    page = client.get("/confirm").get_data()
    pressed = {"csrf_token": loadgen.TOKEN.findall(page)[0].decode()}
    pressed["key"] = loadgen.KEY.findall(page)[0].decode()
    assert client.post("/confirm", data=pressed).status_code == 302


def _days(client: FlaskClient) -> list[str]:
    month, days = today().replace(day=1), []
    for _ in range(3):
        page = client.get(f"/p/cert_renewal/honcho?m={month:%Y-%m}").get_data(as_text=True)
        days += loadgen.DAY_LINK.findall(page)
        month = (month + timedelta(days=32)).replace(day=1)
    return days


def _libraries(profile: cProfile.Profile) -> Counter[str]:
    shares: Counter[str] = Counter()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, own, *_) in stats.items():
        where = f"{filename} {name}"
        label = next((label for label, part in LIBRARIES if part in where), "other (stdlib, builtins)")
        shares[label] += own
    return shares


def run(console: Console) -> None:
    """Profile BOOKINGS bookings of the site in-process and print where the time goes."""
    with bench_database() as url:
        _seed(url)
        env = {"MYNADESK_DATABASE_URL": libpq(url), "MYNADESK_SECRET_KEY": "x" * 40, **role_settings(url)}
        app = create_app(
            dict.fromkeys(("HOLDS_PER_IP_HOUR", "HOLDS_PER_IP_AT_ONCE", "HOLDS_PER_NOTICE_AT_ONCE"), 10**6),
            settings=Settings.from_env(env),
        )
        recorder, client = Recorder(app), app.test_client()
        days = _days(client)
        for serial in range(20):  # warm caches, pools and prepared statements
            _book(client, days, serial)
        recorder.times.clear()
        recorder.sql.clear()
        for serial in range(BOOKINGS):
            _book(client, days, 1000 + serial)
        plain = {kind: list(samples) for kind, samples in recorder.times.items()}
        plain_sql = Counter(recorder.sql)
        recorder.profiler = profile = cProfile.Profile(time.process_time)  # CPU, not waiting
        for serial in range(BOOKINGS):
            _book(client, days, 100_000 + serial)
        app.extensions["mynadesk_engine"].dispose()
    _report(console, plain, plain_sql, _libraries(profile))


def _report(
    console: Console,
    times: dict[str, list[tuple[float, float]]],
    sql: Counter[tuple[str, str]],
    shares: Counter[str],
) -> None:
    table = Table(title=f"booking_profile: {BOOKINGS} bookings in-process, per request (no profiler)")
    for column in ("request", "count", "wall ms", "CPU ms", "SQL statements", "transactions"):
        table.add_column(column)
    total = 0.0
    for kind, samples in times.items():
        count = len(samples)
        cpu = sum(c for _, c in samples) / count * 1000
        total += cpu * count / BOOKINGS
        table.add_row(
            kind,
            str(count),
            f"{sum(w for w, _ in samples) / count * 1000:.2f}",
            f"{cpu:.2f}",
            f"{sql[(kind, 'statements')] / count:.1f}",
            f"{sql[(kind, 'transactions')] / count:.1f}",
        )
    table.add_row("per booking", "", "", f"{total:.2f}", "", "")
    console.print(table)
    spent = sum(shares.values()) or 1.0
    inflation = spent / BOOKINGS * 1000 / max(total, 1e-9)
    libraries = Table(
        title=f"booking_profile: own CPU time by library under cProfile (read the shares: "
        f"the profiler inflates times {inflation:.1f}×, most for small calls)"
    )
    for column in ("library", "share", "ms per booking (profiled)"):
        libraries.add_column(column)
    for label, seconds in shares.most_common():
        libraries.add_row(label, f"{seconds / spent * 100:.1f} %", f"{seconds / BOOKINGS * 1000:.2f}")
    console.print(libraries)
