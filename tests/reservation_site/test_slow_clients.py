"""Issue 13, finding 1: clients that send half a request and stop must not take the site offline.

The real server (`mynadesk site serve`, a subprocess on the real clock) is attacked by 200 connections that
each send half a request line and then wait, reconnecting as soon as the server drops them, for 30 s;
meanwhile one resident books through the real pages. Under the old gunicorn gthread worker 4 such connections
were enough."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from core.db.engine import make_engine
from core.db.migrate import upgrade
from tests.bench import loadgen
from tests.conftest import process_env, recreate_database
from tests.test_cli_site import served_site

ATTACKERS = 200
ATTACK_SECONDS = 30.0
DAY_LINK = re.compile(r'href="(/p/cert_renewal/honcho/\d{4}-\d{2}-\d{2})"')
NEXT_MONTH = re.compile(r'href="(/p/cert_renewal/honcho\?m=\d{4}-\d{2})"')


@pytest.fixture(scope="module")
def served(server_url: URL) -> Iterator[tuple[URL, int]]:
    """A seeded database and the site served on it by the real server, both on the real clock."""
    url = recreate_database(server_url, "mynadesk_slow_clients_test")
    upgrade(url)
    env = process_env(url, MYNADESK_SECRET_KEY="s" * 40, MYNADESK_SMTP_PORT="1")
    subprocess.run(
        [sys.executable, "-m", "mynadesk", "site", "seed"], env=env, check=True, capture_output=True
    )
    with served_site(env) as port:
        yield url, port


@dataclass
class Siege:
    """What the attackers managed."""

    opened: int = 0
    dropped_by_server: int = 0


async def _attacker(port: int, deadline: float, siege: Siege) -> None:
    """Send half a request line, then nothing; when the server hangs up, come back."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        siege.opened += 1
        writer.write(b"GET /p/cert_renewal HT")
        try:
            await asyncio.wait_for(reader.read(), timeout=max(deadline - time.monotonic(), 0.01))
            siege.dropped_by_server += 1
        except (TimeoutError, OSError):
            pass
        writer.close()


async def _days(browser: loadgen.Browser) -> list[str]:
    """Day pages with free times in the server's own current month and the next."""
    _, page = await browser.request("calendar", "GET", "/p/cert_renewal/honcho")
    days = DAY_LINK.findall(page.decode())
    following = NEXT_MONTH.findall(page.decode())
    if following:
        _, page = await browser.request("calendar", "GET", following[-1])
        days += DAY_LINK.findall(page.decode())
    return days


async def _resident(port: int, deadline: float, tally: loadgen.Tally) -> list[str]:
    """One resident booking again and again while the siege lasts."""
    await asyncio.sleep(2)  # the attackers are in first
    outcomes = []
    serial = 0
    while time.monotonic() < deadline - 3:
        browser = loadgen.Browser(port, "127.0.0.1", tally)
        days = await _days(browser)
        serial += 1
        outcomes.append(await loadgen.one_booking(browser, days, serial) if days else "no days")
        browser.close()
        await asyncio.sleep(1)
    return outcomes


async def _siege(port: int) -> tuple[Siege, loadgen.Tally, list[str]]:
    siege, tally = Siege(), loadgen.Tally()
    deadline = time.monotonic() + ATTACK_SECONDS
    attackers = [_attacker(port, deadline, siege) for _ in range(ATTACKERS)]
    *_, outcomes = await asyncio.gather(*attackers, _resident(port, deadline, tally))
    return siege, tally, outcomes


def test_site_books_while_200_clients_hold_half_requests_open(served: tuple[URL, int]) -> None:
    url, port = served
    siege, tally, outcomes = asyncio.run(_siege(port))
    assert siege.opened >= ATTACKERS  # every attacker got its connection in
    assert outcomes, "the resident never got to book"
    assert set(outcomes) == {"booked"}, (outcomes, tally.why)
    slowest = max(max(times) for times in tally.steps.values())
    assert slowest < 5, f"a page took {slowest:.1f} s under the siege"
    # half requests are dropped after the header timeout (10 s), so a 30 s siege sees its connections closed
    assert siege.dropped_by_server >= ATTACKERS
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar_one()
    finally:
        engine.dispose()
    assert stored == len(outcomes)
