"""A light load generator for the reservation site: one asyncio loop, one keep-alive HTTP/1.1 connection per
client, each client bound to its own loopback address (so per-address rate limits stay realistic).

Threads plus http.client cost the 2-core machine a large share of its CPU (the GIL hands 200 threads around);
one event loop with a bare-bones HTTP parser leaves more of the machine to the server it measures."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
KEY = re.compile(rb'name="key" type="hidden" value="([^"]+)"')  # the booking attempt's key
SLOT = re.compile(rb'name="slot_id" id="slot_id-\d+" value="(\d+)"')
DAY_LINK = re.compile(r'href="(/p/cert_renewal/honcho/\d{4}-\d{2}-\d{2})"')
STEPS = ("day", "hold", "details", "details_post", "confirm", "confirm_post")


@dataclass
class Tally:
    """What the clients saw."""

    booked: int = 0
    taken: int = 0
    errors: int = 0
    requests: int = 0
    why: Counter[str] = field(default_factory=Counter)  # what went wrong, for the report
    latencies: list[float] = field(default_factory=list)  # whole bookings that succeeded
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # per request kind


class Browser:
    """A minimal cookie-keeping HTTP/1.1 client on one keep-alive connection from its own address."""

    def __init__(self, port: int, source: str, tally: Tally) -> None:
        self.port, self.source, self.tally = port, source, tally
        self.cookie = b""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port, local_addr=(self.source, 0)
            )
        return self.reader, self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, step: str, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request; return (status, body). Latency is recorded under STEP."""
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
        raw = "\r\n".join(head).encode() + (b"\r\nCookie: " + self.cookie if self.cookie else b"")
        started = time.perf_counter()
        reader, writer = await self._connect()
        writer.write(raw + b"\r\n\r\n" + body)
        status, headers = await self._head(reader)
        page = await reader.readexactly(int(headers.get(b"content-length", b"0")))
        self.tally.steps[step].append(time.perf_counter() - started)
        self.tally.requests += 1
        if b"set-cookie" in headers:
            self.cookie = headers[b"set-cookie"].split(b";", 1)[0]
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, page

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
        block = await reader.readuntil(b"\r\n\r\n")
        lines = block.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split(b" ", 2)[1]), headers


async def one_booking(browser: Browser, days: list[str], serial: int) -> str:
    """Day page → hold → details → confirm, as a resident without JavaScript does it."""
    day = random.choice(days)
    _, page = await browser.request("day", "GET", day)
    slots = SLOT.findall(page)
    if not slots:
        return "taken"
    form = {"csrf_token": TOKEN.findall(page)[0].decode(), "slot_id": random.choice(slots[:8]).decode()}
    status, _ = await browser.request("hold", "POST", day, {**form, "party_size": "1"})
    if status == 409:
        return "taken"
    if status != 302:
        browser.tally.why[f"hold {status}"] += 1
        return "error"
    _, page = await browser.request("details", "GET", "/details")
    details = {
        "csrf_token": TOKEN.findall(page)[0].decode(),
        "name": "負荷 試験",
        "name_kana": "フカ シケン",
        "birth_date": "1980-01-01",
        "phone": f"090{serial:08d}",
    }
    status, _ = await browser.request("details_post", "POST", "/details", details)
    if status != 302:
        browser.tally.why[f"details {status}"] += 1
        return "error"
    _, page = await browser.request("confirm", "GET", "/confirm")
    pressed = {"csrf_token": TOKEN.findall(page)[0].decode(), "key": KEY.findall(page)[0].decode()}
    status, _ = await browser.request("confirm_post", "POST", "/confirm", pressed)
    if status not in (302, 409):
        browser.tally.why[f"confirm {status}"] += 1
    return "booked" if status == 302 else ("taken" if status == 409 else "error")


def source_address(block: int, index: int) -> str:
    """Client INDEX's own loopback address; BLOCK keeps the runs of one process apart (fresh rate limits)."""
    return f"127.{1 + block}.{1 + index // 250}.{1 + index % 250}"


async def _client(index: int, block: int, port: int, days: list[str], deadline: float, tally: Tally) -> None:
    browser = Browser(port, source_address(block, index), tally)
    serial = index * 100_000 + block * 10_000_000
    while time.monotonic() < deadline:
        serial += 1
        started = time.perf_counter()
        try:
            outcome = await one_booking(browser, days, serial)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError) as error:
            outcome = "error"
            tally.why[type(error).__name__] += 1
            browser.close()
        if outcome == "booked":
            tally.latencies.append(time.perf_counter() - started)
        if outcome == "error":
            tally.errors += 1
        else:
            setattr(tally, outcome, getattr(tally, outcome) + 1)
    browser.close()


async def _all(clients: int, block: int, port: int, days: list[str], seconds: float) -> Tally:
    tally, deadline = Tally(), time.monotonic() + seconds
    await asyncio.gather(*(_client(i, block, port, days, deadline, tally) for i in range(clients)))
    return tally


def load(clients: int, block: int, port: int, days: list[str], seconds: float) -> Tally:
    """Run CLIENTS booking loops against PORT for SECONDS; give back what they saw."""
    return asyncio.run(_all(clients, block, port, days, seconds))


def bookable_days(port: int) -> list[str]:
    """Day pages with free times, from this month's calendar and the next two."""
    from datetime import timedelta

    from core.clock import today

    async def fetch() -> list[str]:
        browser, found = Browser(port, "127.0.0.1", Tally()), []
        month = today().replace(day=1)
        for _ in range(3):
            _, page = await browser.request("calendar", "GET", f"/p/cert_renewal/honcho?m={month:%Y-%m}")
            found += DAY_LINK.findall(page.decode())
            month = (month + timedelta(days=32)).replace(day=1)
        browser.close()
        return found

    return asyncio.run(fetch())


async def _hammer(index: int, block: int, port: int, deadline: float, tally: Tally) -> None:
    browser = Browser(port, source_address(block, index), tally)
    while time.monotonic() < deadline:
        try:
            await browser.request("floor", "GET", "/")
        except (OSError, ValueError, asyncio.IncompleteReadError) as error:
            tally.errors += 1
            tally.why[type(error).__name__] += 1
            browser.close()
    browser.close()


def hammer(clients: int, block: int, port: int, seconds: float) -> Tally:
    """CLIENTS loops of GET / against PORT for SECONDS (the floor of the web stack)."""

    async def run() -> Tally:
        tally, deadline = Tally(), time.monotonic() + seconds
        await asyncio.gather(*(_hammer(i, block, port, deadline, tally) for i in range(clients)))
        return tally

    return asyncio.run(run())
