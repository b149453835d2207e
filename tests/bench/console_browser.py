"""The console as staff feel it: Debian Chromium (Playwright) opens every console page of every role and does
the counter's key actions on a Fujisawa-scale city, timed from navigation (or the click) to the page's data
on screen, beside the same run's floor: a bare Dash page with the console's own assets (console_floor.py).

Target: p95 ≤ 1 s for every page and action, or ≤ 2 × the floor's p95 where that is higher (a slow machine).

`python -m tests.bench console-browser` runs only this (a few minutes: most of it seeding the city).
BENCH_BROWSER_RUNS (default 5) timed runs per row after one untimed warm-up; BENCH_CONSOLE_WORKERS (default 1,
as `make demo` serves it) the console's gunicorn workers.

The city: Fujisawa's venues and demo bookings as `make demo` makes them (demo.seed,
demo.bookings), 443,283 residents with 81 % holding a card and two years of bookings at three
more venues (console_seed.sql, as the server-side console benchmark), today's pickups at the first venue for
the check-in runs, the analytics build of `mynadesk etl analytics`. The console runs as `mynadesk console`
(gunicorn) in its own process; the card agent on the staff PC is answered by the browser itself (a canned
read of the 4 items), so the card read needs no reader (no pcsc).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import socket
import statistics as stats
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.clock import day_of, system_clock
from core.db.embedded import ensure_database, start_embedded, stop_embedded
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.staff import User
from core.domain.booking import TOKYO
from core.domain.roles import Role
from core.services.audit import Actor
from core.services.staff import create_user
from demo.bookings import seed_demo_bookings
from demo.seed import seed_fujisawa
from etl.analytics.build import build_analytics
from tests.bench.database import role_env
from tests.browser import chromium  # the same Debian chromium as the browser tests
from tests.conftest import libpq

RUNS = int(os.environ.get("BENCH_BROWSER_RUNS", "5"))
WORKERS = int(os.environ.get("BENCH_CONSOLE_WORKERS", "1"))
THREADS = os.environ.get("BENCH_CONSOLE_THREADS")  # unset: `mynadesk console`'s default
RESIDENTS = 443_283
TARGET_MS = 1000.0
WAIT_MS = 20_000  # a row that takes longer is a failure, not a hang
PASSWORD = "bench password 1234"
USERS = {role: f"BB{role.value[:3].upper()}" for role in Role}
VIEWPORT = {"width": 1366, "height": 768}
READER = "http://127.0.0.1:47863"  # the console's default card agent address (ConsoleOptions.reader_url)
BENCH_PICKUPS = RUNS + 1  # today's bookings at the first venue: one per check-in run
SEED_SQL = (Path(__file__).parent / "console_seed.sql").read_text(encoding="utf-8")

# True once SELECTOR matches a rendered element (and, given TEXT, its text contains it; given BEFORE, its text
# is no longer BEFORE): checked by the browser on every animation frame.
READY_JS = """([selector, needle, before]) => {
    const el = document.querySelector(selector);
    if (!el || !el.getClientRects().length) return false;
    const seen = {visibilityProperty: true, opacityProperty: true};
    if (el.checkVisibility && !el.checkVisibility(seen)) return false;
    const shown = el.innerText || "";
    if (needle && !shown.includes(needle)) return false;
    if (before !== null && shown === before) return false;
    return true;
}"""
TEXT_JS = "(selector) => { const el = document.querySelector(selector); return el ? el.innerText : ''; }"


@dataclass(frozen=True)
class Screen:
    """A page to open as ROLE, ready once READY shows (an element that carries the page's data)."""

    name: str
    role: Role
    path: str
    ready: str
    needle: str | None = None


@dataclass(frozen=True)
class City:
    """What the seeded city holds for the actions."""

    venue_id: int
    walk_slot_id: int
    checkins: tuple[str, ...]
    notices: tuple[str, ...]
    atena_no: str
    list_days: tuple[date, ...]


@dataclass
class Row:
    """One timed row: its kind ('page', 'action' or a floor), name, role and the milliseconds of each run."""

    kind: str
    name: str
    role: str
    times: list[float]
    error: str = ""


def _p(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return stats.quantiles(values, n=100, method="inclusive")[q - 1]


# -- the city ------------------------------------------------------------------------------------------------


def _seed(owner: Engine, now: datetime) -> City:
    """Fujisawa as `make demo` seeds it, the synthetic city of the server-side benchmark, today's pickups."""
    today = day_of(now)
    with Session(owner) as s, s.begin():
        seed_fujisawa(s, today)
    with owner.begin() as conn:
        for statement in SEED_SQL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"n": RESIDENTS})
    with Session(owner) as s, s.begin():
        seed_demo_bookings(s, now)
        for role, code in USERS.items():
            create_user(s, code, f"bench {role.value}", PASSWORD, {role}, Actor("bench"))
        s.execute(update(User).values(password_changed_at=system_clock()))
        city = _bench_bookings(s, today)
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return city


def _bench_bookings(s: Session, today: date) -> City:
    """Today's pickups at the first venue (the page's default) for the check-in runs, in a slot of their own
    with room for the walk-in runs; notice numbers of cards waiting for pickup for the issuance runs."""
    venue_id = s.scalars(select(Venue.id).where(Venue.active.is_(True)).order_by(Venue.id)).first()
    pickup = s.scalars(
        select(Procedure).where(Procedure.needs_notice_no.is_(True)).order_by(Procedure.id)
    ).first()
    assert venue_id is not None
    assert pickup is not None
    waiting = s.scalars(
        text("SELECT notice_no FROM cards.cards WHERE state = 'notified' ORDER BY id LIMIT :n"),
        {"n": 2 * BENCH_PICKUPS},
    ).all()
    start = datetime.combine(today, clock_time(12, 7), TOKYO)  # off the templates' grid: a slot of its own
    slot = Slot(
        venue_id=venue_id,
        procedure_id=pickup.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=15),
        capacity=4 * BENCH_PICKUPS,
        booked=BENCH_PICKUPS,
    )
    s.add(slot)
    s.flush()
    checkins = tuple(f"BENCH-{i:02d}" for i in range(BENCH_PICKUPS))
    for number, notice in zip(checkins, waiting, strict=False):
        s.add(
            Reservation(
                booking_no=number,
                secret_hash=hashlib.sha256(number.encode()).hexdigest(),
                slot_id=slot.id,
                procedure_id=pickup.id,
                notice_no=notice,
                name="ベンチ 来庁",
                channel="web",
            )
        )
    atena = s.scalars(text("SELECT holder_atena_no FROM cards.cards WHERE state = 'issued' LIMIT 1")).one()
    days, day = [], today
    while len(days) < BENCH_PICKUPS:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return City(venue_id, slot.id, checkins, tuple(waiting[BENCH_PICKUPS:]), atena, tuple(days))


# -- the servers ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _served(command: list[str], env: dict[str, str], log: Path, probe: str) -> Iterator[str]:
    """Run COMMAND (a server on a free port it is given as its last argument) until the block ends; it is up
    once PROBE answers."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([*command, str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + probe, timeout=5).close()  # noqa: S310 (loopback)
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start: {log.read_text()[-2000:]}") from error
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _env(owner_url: URL, data_dir: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
    return {
        **inherited,
        **role_env(data_dir.parent / "pg", owner_url),  # prepare() puts the server beside the data dir
        "MYNADESK_DATABASE_URL": libpq(owner_url),
        "MYNADESK_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd())),
    }


# -- the browser ---------------------------------------------------------------------------------------------


def _wait(page: Any, selector: str, needle: str | None = None, before: str | None = None) -> None:
    page.wait_for_function(READY_JS, arg=[selector, needle, before], polling="raf", timeout=WAIT_MS)


def _timed(work: Callable[[int], None], runs: int = RUNS) -> list[float]:
    """Milliseconds of WORK(i) for runs 1..RUNS, after the untimed warm-up WORK(0)."""
    work(0)
    times = []
    for i in range(1, runs + 1):
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _row(kind: str, name: str, role: str, work: Callable[[int], None]) -> Row:
    try:
        return Row(kind, name, role, _timed(work))
    except Exception as error:
        return Row(kind, name, role, [], f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")


def _open(page: Any, url: str, selector: str, needle: str | None = None) -> None:
    page.goto(url, wait_until="commit")
    _wait(page, selector, needle)


def _fake_reader(route: Any) -> None:
    """The card agent's answers (reader/API.md), given by the browser itself: no reader, no pcsc."""
    origin = route.request.headers.get("origin", "*")
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": "Content-Type, X-MynaDesk-Token",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Private-Network": "true",
        "Cache-Control": "no-store",
    }
    path = route.request.url.split("127.0.0.1:47863", 1)[1]
    if route.request.method == "OPTIONS":
        route.fulfill(status=204, headers=headers)
    elif path.startswith("/v1/session"):
        route.fulfill(json={"ok": True, "token": "bench", "expires_in": 28800}, headers=headers)
    elif path.startswith("/v1/card"):
        route.fulfill(json={"ok": True, "present": True, "tries_left": 3}, headers=headers)
    else:
        card = {
            "name": "藤沢\u3000花子",
            "address": "神奈川県藤沢市朝日町１番地１",
            "birth_date": "1985-04-12",
            "sex": "2",
            "sex_label": "女",
            "has_gaiji": False,
        }
        route.fulfill(json={"ok": True, "card": card}, headers=headers)


def _log_in(browser: Any, base: str, role: Role, reader: bool = False) -> Any:
    """A tab of a fresh browser context logged in as ROLE's bench user. With READER, the card agent is
    answered by the browser; only there: Playwright turns the HTTP cache off in a context that routes."""
    context = browser.new_context(viewport=VIEWPORT, locale="ja-JP", accept_downloads=True)
    if reader:
        context.route(f"{READER}/**", _fake_reader)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#staff_code", USERS[role])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    _wait(page, "#account-menu", f"({USERS[role]})")
    return page


def screens(city: City) -> list[Screen]:
    """Every page of every role, each with the element that shows its data."""
    c, b, m, a, d = Role.COUNTER, Role.BOOKING, Role.MANAGER, Role.ANALYST, Role.ADMIN
    return [
        Screen("トップ", c, "/", "#home-pages .card"),
        Screen("カード台帳 (search box)", c, "/ledger", "#ledger-query"),
        Screen("住民・カード詳細", c, f"/ledger/person/{city.atena_no}", "#person-card-table"),
        Screen("一括処理", c, "/ledger/batch", "#batch-numbers"),
        Screen("交付 (today's pickups)", c, "/issuance", "#issue-today", "BENCH-"),
        Screen("予約管理 (day list)", c, "/reservations", "#rv-rows", "BENCH-"),
        Screen("予約管理 (calendar)", c, "/reservations", "#rv-cal .trace"),
        Screen("予約管理 (day list)", b, "/reservations", "#rv-rows", "BENCH-"),
        Screen("予約設定", b, "/reservations/setup", "#rs-templates tbody tr"),
        Screen("予約ルール", b, "/reservations/rules", "#rr-max-days-ahead"),
        Screen("概況 (KPIs)", m, "/overview", "#kpi-today"),
        Screen("概況 (charts)", m, "/overview", "#ov-issued .trace"),
        Screen("有効期限・需要予測", m, "/forecast", "#fc-waves .trace"),
        Screen("統計", m, "/statistics", "#st-rows tbody tr"),
        Screen("統計", a, "/statistics", "#st-rows tbody tr"),
        Screen("利用者管理", d, "/admin/users", "#users-list tbody tr"),
        Screen("監査ログ", d, "/admin/audit", "#audit-rows tbody tr"),
    ]


def _pages(pages: dict[Role, Any], base: str, city: City) -> list[Row]:
    return [
        _row(
            "page",
            s.name,
            s.role.label_ja,
            lambda _i, s=s: _open(pages[s.role], base + s.path, s.ready, s.needle),
        )  # type: ignore[misc]
        for s in screens(city)
    ]


def _act(page: Any, selector: str, do: Callable[[], None], needle: str | None = None) -> None:
    """DO something, then wait until SELECTOR's text has changed from what it was (and contains NEEDLE)."""
    before = page.evaluate(TEXT_JS, selector)
    do()
    _wait(page, selector, needle, before)


def _actions(pages: dict[Role, Any], base: str, city: City) -> list[Row]:
    counter, analyst = pages[Role.COUNTER], pages[Role.ANALYST]
    rows = []

    _open(counter, f"{base}/reservations", "#rv-rows", "BENCH-")

    def check_in(i: int) -> None:
        counter.fill("#rv-booking", city.checkins[i])
        _act(counter, "#rv-message", lambda: counter.click("#rv-check-in"), city.checkins[i])

    rows.append(_row("action", "受付 (check-in → message and list)", "窓口", check_in))

    def walk_in(i: int) -> None:
        counter.select_option("#rv-walk-slot", str(city.walk_slot_id))
        counter.fill("#rv-walk-name", f"ベンチ 窓口{i}")
        _act(counter, "#rv-message", lambda: counter.click("#rv-walk"), "窓口受付")

    rows.append(_row("action", "窓口受付 (walk-in → message and list)", "窓口", walk_in))

    def change_day(i: int) -> None:  # alternately another weekday and today, so the list always changes
        day = city.list_days[i] if i % 2 == 0 else day_of(system_clock())

        def pick() -> None:
            counter.fill("#rv-day", day.isoformat())
            counter.press("#rv-day", "Enter")

        _act(counter, "#rv-list", pick)

    rows.append(_row("action", "予約管理: 日付を変える (day → list)", "窓口", change_day))

    _open(counter, f"{base}/ledger", "#ledger-query")
    queries = ["スズキ ハナコ", "1960-05-05", "サトウ ミサキ", "タナカ ケンタ", "ABC-000001", "イトウ ショウ"]

    def search(i: int) -> None:
        counter.fill("#ledger-query", queries[i % len(queries)])
        _act(counter, "#ledger-results", lambda: counter.click("#ledger-search"))

    rows.append(_row("action", "台帳検索 (search → hits)", "窓口", search))

    reader = _log_in(counter.context.browser, base, Role.COUNTER, reader=True)
    _open(reader, f"{base}/issuance", "#issue-today", "BENCH-")

    def find(i: int) -> None:
        reader.fill("#issue-notice", city.notices[i])
        _act(reader, "#issue-check", lambda: reader.click("#issue-find"))

    rows.append(_row("action", "交付: 通知書番号で照会 (→ register check)", "窓口", find))
    read_times: list[float] = []
    try:
        for i in range(RUNS + 1):  # the look-up of the next card untimed, so that each read has a new holder
            find(i)
            reader.fill("#issue-pin", "1234")
            started = time.perf_counter()
            _act(reader, "#issue-chip-result", lambda: reader.click("#issue-read"), "照合")
            if i:
                read_times.append((time.perf_counter() - started) * 1000)
        rows.append(Row("action", "カード読取 (read → comparison table)", "窓口", read_times))
    except Exception as error:
        rows.append(Row("action", "カード読取 (read → comparison table)", "窓口", [], str(error)[:120]))
    reader.context.close()

    _open(analyst, f"{base}/statistics", "#st-rows tbody tr")

    def export(_i: int) -> None:
        with analyst.expect_download(timeout=WAIT_MS) as download:
            analyst.click("#st-csv")
        download.value.path()

    rows.append(_row("action", "統計: CSV出力 (click → file)", "統計", export))
    return rows


def _floor(browser: Any, base: str) -> list[Row]:
    page = browser.new_context(viewport=VIEWPORT, locale="ja-JP").new_page()
    rows = [
        _row(
            "floor",
            "bare Dash page (same assets, one callback)",
            "—",
            lambda i: _open(page, f"{base}/page{i}", "#floor-ready", f"/page{i}"),
        )
    ]
    page.context.close()
    return rows


def browse(console_base: str, floor_base: str, city: City) -> list[Row]:
    with chromium() as browser:
        floor = _floor(browser, floor_base)
        pages = {role: _log_in(browser, console_base, role) for role in Role}
        rows = [*floor, *_pages(pages, console_base, city), *_actions(pages, console_base, city)]
        rows += _floor(browser, floor_base)  # again at the end: how steady the machine was
        rows[-1].name += " (again, after)"
    return rows


# -- the report ----------------------------------------------------------------------------------------------


def report(console: Console, rows: list[Row]) -> bool:
    """Print the table with PASS/FAIL per row and the verdict; True when every row meets its target.
    BENCH_BROWSER_JSON=path also writes the rows there (for before/after comparisons)."""
    floors = [r for r in rows if r.kind == "floor" and r.times]
    floor_p95 = max((_p(r.times, 95) for r in floors), default=0.0)
    target = max(TARGET_MS, 2 * floor_p95)
    table = Table(
        title=f"console in Chromium, {RUNS} runs per row after a warm-up; target p95 ≤ {target:.0f} ms"
        f" = max(1000 ms, 2 × floor p95 {floor_p95:.0f} ms)"
    )
    for column in ("kind", "page / action", "role", "p50 ms", "p95 ms", "× floor", "verdict"):
        table.add_column(column, no_wrap=True)
    passed, errors = True, []
    for r in rows:
        if not r.times:
            errors.append(f"{r.name} ({r.role}): {r.error}")
            table.add_row(r.kind, r.name, r.role, "–", "–", "–", "[red]FAIL[/] (no result, below)")
            passed = passed and r.kind == "floor"
            continue
        p50, p95 = _p(r.times, 50), _p(r.times, 95)
        ok = r.kind == "floor" or p95 <= target
        passed = passed and ok
        ratio = f"{p95 / floor_p95:.1f}" if floor_p95 else "–"
        verdict = "floor" if r.kind == "floor" else "[green]PASS[/]" if ok else "[red]FAIL[/]"
        table.add_row(r.kind, r.name, r.role, f"{p50:.0f}", f"{p95:.0f}", ratio, verdict)
    Console(file=console.file, width=max(console.width, 130)).print(table)
    for line in errors:
        console.print(f"[red]no result[/]: {line}")
    console.print(
        f"verdict: {'[green]PASS[/]' if passed else '[red]FAIL[/]'} (every page and action within target)"
    )
    if os.environ.get("BENCH_BROWSER_JSON"):
        Path(os.environ["BENCH_BROWSER_JSON"]).write_text(
            json.dumps(
                [
                    {"kind": r.kind, "name": r.name, "role": r.role, "ms": r.times, "error": r.error}
                    for r in rows
                ],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return passed


def prepare(folder: Path) -> tuple[URL, Path, City]:
    """A migrated, seeded city in an embedded PostgreSQL under FOLDER (the caller stops it), with its
    analytics build: (owner URL, data dir, what the actions use)."""
    pgdata, data_dir = folder / "pg", folder / "data"
    data_dir.mkdir(exist_ok=True)
    admin_uri = start_embedded(pgdata)
    ensure_database(admin_uri, "bench")
    url = make_url(admin_uri).set(drivername="postgresql+psycopg", database="bench")
    upgrade(url)
    owner = make_engine(url)
    now = system_clock()
    city = _seed(owner, now)
    build_analytics(owner, data_dir, day_of(now))
    owner.dispose()
    return url, data_dir, city


def console_threads() -> int:
    """The threads per worker `mynadesk console` runs with by default (the floor is served the same way)."""
    from mynadesk.commands.console import serve

    default: int = inspect.signature(serve).parameters["threads"].default
    return default


@contextmanager
def serving(url: URL, data_dir: Path, logs: Path) -> Iterator[tuple[str, str]]:
    """(console, floor) base URLs: `mynadesk console` and the floor page, each in a gunicorn of its own."""
    env, python = _env(url, data_dir), sys.executable
    threads = ["--threads", THREADS] if THREADS else []
    console_cmd = [python, "-m", "mynadesk", "console", "--workers", str(WORKERS), *threads, "--port"]
    floor_cmd = [python, "-m", "tests.bench.console_floor", str(WORKERS), THREADS or str(console_threads())]
    with (
        _served(floor_cmd, env, logs / "floor.log", "/") as floor,
        _served(console_cmd, env, logs / "console.log", "/login") as base,
    ):
        yield base, floor


def run(console: Console) -> bool:
    """Seed the city, serve the console and the floor, time every page and action in Chromium."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        try:
            url, data_dir, city = prepare(folder)
            console.print(
                f"console-browser: city seeded and analytics built in {time.perf_counter() - started:.0f} s;"
                f" console served by {WORKERS} gunicorn worker(s) ×"
                f" {THREADS or console_threads()} thread(s); timing {RUNS} runs per row (noisy when"
                " other work shares the machine)"
            )
            with serving(url, data_dir, folder) as (base, floor):
                rows = browse(base, floor, city)
        finally:
            stop_embedded(folder / "pg")
    ok = report(console, rows)
    console.print(f"console-browser: {time.perf_counter() - started:.0f} s in all")
    return ok
