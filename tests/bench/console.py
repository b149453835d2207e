"""Console callbacks timed server-side (through Flask, the guard and Dash) at Fujisawa scale, beside the raw
PostgreSQL time of the query each one rests on. Targets: p95 ≤ 150 ms at scale 1.0, ≤ 500 ms at scale 10.

`BENCH_SCALE=10 python -m tests.bench console` runs the larger city. The data is written straight into a
throw-away embedded PostgreSQL with SQL (generate_series). The Forecast page reads the analytic marts: the
real `mynadesk etl analytics` build (etl.analytics.build) makes them from that database first (time printed).
"""

from __future__ import annotations

import json
import os
import re
import statistics as stats
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from console import create_app
from core.config import APP_ROLE, Settings
from core.db.embedded import ensure_database, start_embedded, stop_embedded
from core.db.engine import make_engine, role_url
from core.db.migrate import upgrade
from core.db.models.staff import User
from core.domain.roles import Role
from core.services import forecast, ledger_search, overview, statistics
from core.services.audit import Actor
from core.services.staff import create_user
from etl.analytics.build import build_analytics

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
RESIDENTS = 443_283
PASSWORD = "bench password 1234"
JST = timezone(timedelta(hours=9))

SEED_SQL = (Path(__file__).parent / "console_seed.sql").read_text(encoding="utf-8")


def _seed(engine: Engine, residents: int) -> None:
    with engine.begin() as conn:
        for statement in SEED_SQL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"n": residents})
        conn.execute(text("ANALYZE"))
    with Session(engine) as s, s.begin():
        for role in Role:
            create_user(
                s, f"B{role.value[:3].upper()}", f"bench {role.value}", PASSWORD, {role}, Actor("bench")
            )
        s.execute(update(User).values(password_changed_at=datetime.now(JST)))


def _login(client: Any, code: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    client.post("/login", data={"csrf_token": token.group(1), "staff_code": code, "password": PASSWORD})


def _body(output: str, inputs: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """A request body like the browser's for the callback with OUTPUT key."""
    if output.startswith(".."):
        parts = [part.rsplit(".", 1) for part in output.strip(".").split("...")]
        outputs: Any = [{"id": i, "property": p} for i, p in parts]
    else:
        component, prop = output.rsplit(".", 1)
        outputs = {"id": component, "property": prop}
    return {
        "output": output,
        "outputs": outputs,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }


def _times(call: Callable[[], Any], runs: int = RUNS) -> list[float]:
    """Milliseconds per call, after one untimed warm-up call (connections, caches, imports)."""
    call()
    result = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


def _p(values: list[float], q: float) -> float:
    return stats.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _post(client: Any, body: dict[str, Any]) -> None:
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def run(console: Console) -> None:
    """Seed a city, start the console in-process and time its callbacks."""
    residents = int(RESIDENTS * SCALE)
    with tempfile.TemporaryDirectory() as folder:
        pgdata = Path(folder) / "pg"
        admin_uri = start_embedded(pgdata)
        try:
            ensure_database(admin_uri, "bench")
            url = make_url(admin_uri).set(drivername="postgresql+psycopg", database="bench")
            upgrade(url)
            owner = make_engine(url)
            started = time.perf_counter()
            _seed(owner, residents)
            console.print(f"seeded {residents:,} residents in {time.perf_counter() - started:.0f} s")
            _measure(console, owner, make_engine(role_url(url, APP_ROLE, None)), Path(folder))
            owner.dispose()
        finally:
            stop_embedded(pgdata)


def _measure(console: Console, owner: Engine, app_engine: Engine, folder: Path) -> None:
    built = build_analytics(owner, folder, datetime.now(JST).date())
    console.print(f"analytics build (mynadesk etl analytics): {built.seconds:.1f} s")
    app = create_app(Settings(data_dir=folder, secret_key="bench"), engine=app_engine)
    keys = app.extensions["mynadesk_registry"].callbacks

    def key(component: str) -> str:
        return next(k for k in keys if f"{component}." in k)

    today = datetime.now(JST).date()
    rows: list[tuple[str, list[float], list[float]]] = []
    manager, counter, analyst = app.test_client(), app.test_client(), app.test_client()
    _login(manager, "BMAN")
    _login(counter, "BCOU")
    _login(analyst, "BANA")
    ov = _body(key("ov-kpis"), [("ov-timer", "n_intervals", 1)])
    with Session(owner) as s:
        raw = _times(lambda: overview.build_overview(s, today))
    rows.append(("overview refresh", _times(lambda: _post(manager, ov)), raw))
    for months in (36, 120):
        fc = _body(
            key("fc-summary"),
            [
                ("fc-horizon", "value", months),
                ("fc-take-up", "value", 85),
                ("fc-early", "value", 40),
                ("fc-minutes", "value", 15),
                ("fc-capacity", "value", None),
                ("fc-breakdown", "value", "district"),
            ],
        )
        with Session(owner) as s:
            raw = _times(lambda m=months: forecast.ledger_expiries(s, today, m), 3)  # type: ignore[misc]
        rows.append(
            (f"forecast {months} months (marts; raw: ledger)", _times(lambda b=fc: _post(manager, b)), raw)
        )
    for label, query in (
        ("kana", "ｽｽﾞｷ ﾊﾅｺ"),
        ("notice no.", "ABC-000001"),
        ("birth date", "1960-05-05"),
        ("住民票コード", "10000012345"),
    ):
        search = _body(
            key("ledger-results"), [("ledger-search", "n_clicks", 1), ("ledger-query", "value", query)]
        )
        with Session(owner) as s:
            raw = _times(
                lambda q=query: s.execute(  # type: ignore[misc]
                    ledger_search.select_for(ledger_search.understand(q))
                ).all()
            )
        rows.append((f"ledger search ({label})", _times(lambda b=search: _post(counter, b)), raw))
    st = _body(
        key("st-table"),
        [
            ("st-show", "n_clicks", 1),
            ("st-measure", "value", "issued"),
            ("st-dimension", "value", "district"),
            ("st-period", "value", "month"),
            ("st-range", "start_date", (today - timedelta(days=365)).isoformat()),
            ("st-range", "end_date", today.isoformat()),
        ],
    )
    query = statistics.StatsQuery("issued", "district", "month", today - timedelta(days=365), today)
    with Session(owner) as s:
        raw = _times(lambda: statistics.table(s, query))
    rows.append(("statistics (issued by district)", _times(lambda: _post(analyst, st)), raw))
    _print(console, rows)


def _print(console: Console, rows: list[tuple[str, list[float], list[float]]]) -> None:
    target = 150 if SCALE <= 1 else 500
    table = Table(
        title=f"console callbacks, server-side (scale {SCALE}, {RUNS} runs; target p95 ≤ {target} ms)"
    )
    for column in ("callback", "p50 ms", "p95 ms", "raw query p50 ms", "raw p95 ms", "target"):
        table.add_column(column)
    for name, timings, raw in rows:
        p95 = _p(timings, 95)
        table.add_row(
            name,
            f"{_p(timings, 50):.1f}",
            f"{p95:.1f}",
            f"{_p(raw, 50):.1f}",
            f"{_p(raw, 95):.1f}",
            "OK" if p95 <= target else "MISSED",
        )
    console.print(table)
    console.print(
        "raw = the query on PostgreSQL without Flask/Dash (for the forecast: the former ledger path; the page"
        " now reads the DuckDB marts)"
    )


def today_jst() -> date:
    """Today in Japan."""
    return datetime.now(JST).date()
