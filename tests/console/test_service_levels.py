"""Service levels against real servers (issue 16, items 1-3): the probes see a real site (granian, a
subprocess) and the live console up and down; an outage longer than MYNADESK_INCIDENT_AFTER probes opens
and then closes an incident; request timings keep route templates only; the 管理者 enters a planned stop
and an incident's cause on /admin/incidents in Chromium."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from core.clock import Clock, system_clock
from core.config import ServiceLevelSettings, Settings
from core.domain.booking import TOKYO
from core.domain.roles import Role
from core.ops.probes import Prober
from tests.conftest import process_env
from tests.console.conftest import Seed, log_in, open_page, shot
from tests.test_cli_site import free_port, served_site

Engines = tuple[Engine, Engine, Seed]


@pytest.fixture(scope="module")
def site(console_db: Engines) -> Iterator[str]:
    """The real reservation site (`mynadesk site serve`) on the console's database, writing timings each s."""
    env = process_env(
        console_db[0].url,
        MYNADESK_SECRET_KEY="s" * 40,
        MYNADESK_REQUEST_FLUSH_SECONDS="1",
    )
    with served_site(env) as port:
        yield f"http://127.0.0.1:{port}"


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a test server
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _stepping_clock(start: datetime) -> Clock:
    """A clock one minute further on each time it is read (one probe round reads it a few times)."""
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=20 * next(ticks))


def _prober(console_db: Engines, tmp_path: Path, site_url: str, console_url: str, clock: Clock) -> Prober:
    settings = Settings(
        data_dir=tmp_path,
        site_base_url=site_url,
        service_levels=ServiceLevelSettings(console_url=console_url),
    )
    return Prober(settings, sessionmaker(console_db[1]), clock)


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def test_health_and_readiness_answer_json_on_the_site_and_the_console(
    site: str, live_server: str, analytics: Path, console_db: Engines
) -> None:
    assert _get(f"{site}/healthz") == (200, {"status": "ok"})
    assert _get(f"{live_server}/healthz") == (200, {"status": "ok"})  # no login asked
    status, body = _get(f"{site}/readyz")
    assert status == 200, body
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["mail_outbox"]["ok"]
    status, body = _get(f"{live_server}/readyz")
    assert status == 200, body
    assert set(body["checks"]) == {"database", "mail_outbox", "analytics"}
    # a mail waiting two hours: the outbox is stuck. Two hours by the site's clock: the site runs in a
    # process of its own, which keeps the real time like PostgreSQL (MYNADESK_TEST_NOW moves only ours)
    with console_db[0].begin() as conn:
        conn.execute(
            text(
                "INSERT INTO booking.outbox (kind, to_address, subject, body, created_at, next_attempt_at)"
                " VALUES ('confirmation', 'stuck@example.invalid', 's', 'b',"
                " clock_timestamp() - interval '2 hours', clock_timestamp() - interval '2 hours')"
            )
        )
    try:
        status, body = _get(f"{site}/readyz")
        assert status == 503
        assert body["status"] == "fail"
        assert not body["checks"]["mail_outbox"]["ok"]
        assert body["checks"]["mail_outbox"]["oldest_unsent_minutes"] >= 119
        assert "stuck@" not in json.dumps(body)
    finally:
        with console_db[0].begin() as conn:
            conn.execute(text("DELETE FROM booking.outbox WHERE to_address = 'stuck@example.invalid'"))


def test_probes_record_up_and_down_with_their_times(
    site: str, live_server: str, console_db: Engines, tmp_path: Path
) -> None:
    up = _prober(console_db, tmp_path, site, live_server, system_clock).run_once()
    assert [(r.target, r.ok) for r in up] == [("site", True), ("console", True), ("database", True)]
    dead = f"http://127.0.0.1:{free_port()}"
    down = _prober(console_db, tmp_path, dead, live_server, system_clock).run_once()
    assert [(r.target, r.ok) for r in down] == [("site", False), ("console", True), ("database", True)]
    stored = _rows(
        console_db[0],
        "SELECT target, ok, ms, detail FROM ops.probes WHERE at = ANY(:ats) ORDER BY at, target",
        ats=[r.at for r in up + down],
    )
    assert len(stored) == 6
    assert all(row.ms >= 0 for row in stored)
    assert any(row.ms > 0 for row in stored if row.target in ("site", "console"))
    failed = [row for row in stored if not row.ok]
    assert [row.target for row in failed] == ["site"]
    assert "refused" in (failed[0].detail or "").lower()


def test_an_outage_longer_than_n_probes_opens_and_then_closes_an_incident(
    site: str, live_server: str, console_db: Engines, tmp_path: Path
) -> None:
    start = system_clock().replace(second=0, microsecond=0) + timedelta(days=1)
    clock = _stepping_clock(start)
    dead = f"http://127.0.0.1:{free_port()}"
    failing = _prober(console_db, tmp_path, dead, live_server, clock)
    healed = _prober(console_db, tmp_path, site, live_server, clock)
    assert all(r.ok for r in healed.run_once())  # up before the outage
    assert failing.settings.service_levels.incident_after == 5  # MYNADESK_INCIDENT_AFTER's default
    first_failure = None
    for round_ in range(1, 7):
        results = failing.run_once()
        first_failure = first_failure or results[0].at
        opened = _rows(
            console_db[0],
            "SELECT * FROM ops.incidents WHERE kind = 'outage' AND target = 'site' AND started_at >= :s",
            s=start,
        )
        assert len(opened) == (0 if round_ < 5 else 1), round_
    incident = opened[0]
    assert incident.started_at == incident.detected_at == first_failure
    assert incident.ended_at is None
    assert incident.opened_by == "probe"
    back = healed.run_once()[0]
    assert back.ok
    closed = _rows(console_db[0], "SELECT * FROM ops.incidents WHERE id = :id", id=incident.id)[0]
    assert closed.ended_at == closed.recovered_at == back.at
    assert not _rows(  # the console and the database never failed: no incident for them
        console_db[0], "SELECT id FROM ops.incidents WHERE target <> 'site' AND started_at >= :s", s=start
    )


def _wait_for_routes(engine: Engine, app: str, wanted: str, since: datetime) -> list[str]:
    deadline = time.monotonic() + 20
    while True:
        routes = [
            r.route for r in _rows(engine, "SELECT route FROM ops.request_minutes WHERE app = :a", a=app)
        ]
        if wanted in routes or time.monotonic() > deadline:
            return routes
        time.sleep(0.3)


def test_site_request_timings_keep_route_templates_never_the_secret_or_booking_number(
    site: str, console_db: Engines
) -> None:
    secret = secrets.token_urlsafe(24)
    since = system_clock()
    for path in (f"/m/{secret}", "/?booking_no=R-TEST-0001", "/R-TEST-0001", "/", "/healthz"):
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"{site}{path}", timeout=10).read()  # noqa: S310 - a test server
    routes = _wait_for_routes(console_db[0], "site", "/m/<secret>", since)
    assert {"/m/<secret>", "/", "(no route)"} <= set(routes)
    assert "/healthz" not in routes  # the health checks are not traffic
    dump = json.dumps([list(map(str, r)) for r in _rows(console_db[0], "SELECT * FROM ops.request_minutes")])
    assert secret not in dump
    assert "R-TEST-0001" not in dump
    assert "booking_no" not in dump
    row = _rows(
        console_db[0], "SELECT * FROM ops.request_minutes WHERE app = 'site' AND route = '/m/<secret>'"
    )[0]
    assert row.requests >= 1
    assert row.within_3s == row.requests
    assert row.total_ms >= 0


def test_console_request_timings_name_pages_and_callbacks_never_the_atena_number(
    page: Any, live_server: str, console: Flask, console_db: Engines, seed: Seed
) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger/person/{seed.person_atena}")
    console.extensions["mynadesk_request_log"].flush()
    routes = [
        r.route for r in _rows(console_db[0], "SELECT route FROM ops.request_minutes WHERE app = 'console'")
    ]
    assert "/ledger/person/<parameter>" in routes
    assert "/login" in routes
    assert any(r.startswith("callback ") and r.endswith("/ledger/person/<parameter>") for r in routes), routes
    assert not [r for r in routes if seed.person_atena in r]


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(TOKYO):%Y-%m-%dT%H:%M}"


def test_the_admin_enters_a_planned_stop_and_records_an_incidents_cause(
    page: Any, live_server: str, console_db: Engines
) -> None:
    now = system_clock()
    started = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
    with console_db[0].begin() as conn:
        outage = conn.execute(
            text(
                "INSERT INTO ops.incidents (kind, target, started_at, detected_at, ended_at, recovered_at,"
                " opened_by) VALUES ('outage', 'site', :s, :s, :e, :e, 'probe') RETURNING id"
            ),
            {"s": started, "e": started + timedelta(minutes=12)},
        ).scalar_one()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.ADMIN)
    open_page(page, f"{live_server}/admin/incidents")
    stop = (now + timedelta(days=40)).replace(hour=9, minute=0, second=0, microsecond=0)
    page.select_option("#inc-kind", "planned")
    page.select_option("#inc-target", "site")
    page.fill("#inc-start", _local(stop))
    page.fill("#inc-end", _local(stop - timedelta(hours=1)))  # ends before it starts: refused
    page.fill("#inc-note", "予約サイトのサーバー更新")
    page.click("#inc-add")
    expect(page.locator("#inc-message")).to_contain_text("終了は開始より後の日時にしてください")
    page.fill("#inc-end", _local(stop + timedelta(hours=3)))
    page.click("#inc-add")
    expect(page.locator("#inc-message")).to_contain_text("計画停止を登録しました")
    expect(page.locator("#inc-table")).to_contain_text("予約サイトのサーバー更新")
    shot(page, "incidents-planned-1366")
    planned = _rows(
        console_db[0],
        "SELECT * FROM ops.incidents WHERE kind = 'planned' AND cause = '予約サイトのサーバー更新'",
    )
    assert len(planned) == 1  # the refused try stored nothing
    assert planned[0].started_at == stop
    assert planned[0].ended_at == stop + timedelta(hours=3)
    assert abs((planned[0].announced_at - now).total_seconds()) < 120  # empty: announced now

    with page.expect_response(lambda r: "_dash-update-component" in r.url):  # its fields are filled in
        page.select_option("#inc-select", str(outage))
    page.fill("#inc-cause", "DB サーバーのディスク満杯")
    page.fill("#inc-notified", _local(started + timedelta(minutes=30)))
    page.fill("#inc-remedy", "古いログを削除し容量監視を追加")
    page.click("#inc-save")
    expect(page.locator("#inc-message")).to_contain_text(f"#{outage} の記録を保存しました")
    expect(page.locator("#inc-table")).to_contain_text("DB サーバーのディスク満杯")
    shot(page, "incidents-cause-1366")
    saved = _rows(console_db[0], "SELECT * FROM ops.incidents WHERE id = :id", id=outage)[0]
    assert saved.notified_at == started + timedelta(minutes=30)
    assert saved.remedy == "古いログを削除し容量監視を追加"
    audited = _rows(
        console_db[0],
        "SELECT action, object_id FROM audit.log WHERE action IN ('incident_add', 'incident_update')"
        " AND object_id = ANY(:ids)",
        ids=[str(outage), str(planned[0].id)],
    )
    assert sorted(a.action for a in audited) == ["incident_add", "incident_update"]
