"""Response times from real traffic: each request's duration counted in memory per process, by minute, app,
route template and status class, and written to ops.request_minutes in one upsert at most every N seconds.

Only a route *template* ever reaches this module ("/m/<secret>", a console page's path, a callback's output
id), never a raw path or a query string; `scrub` is a last guard against a number slipping into a key."""

from __future__ import annotations

import atexit
import logging
import re
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, text

ANSWERED_WITHIN_MS = 3000  # the contract's 基準応答時間: 3 seconds
MAX_KEYS = 50_000  # buckets kept while the database cannot take them; beyond that the oldest counts are lost
ROUTE_LENGTH = 200
DIGITS = re.compile(r"\d{4,}")
UPSERT = text(
    """
    INSERT INTO ops.request_minutes AS r
        (minute, app, route, status_class, requests, within_3s, total_ms, max_ms)
    VALUES (:minute, :app, :route, :status_class, :requests, :within_3s, :total_ms, :max_ms)
    ON CONFLICT (minute, app, route, status_class) DO UPDATE SET
        requests = r.requests + EXCLUDED.requests,
        within_3s = r.within_3s + EXCLUDED.within_3s,
        total_ms = r.total_ms + EXCLUDED.total_ms,
        max_ms = greatest(r.max_ms, EXCLUDED.max_ms)
    """
)
log = logging.getLogger(__name__)

Key = tuple[int, str, int]  # (minute since the epoch, route, status class 2..5)


def status_class(status: int) -> str:
    """'2xx' … '5xx' (a 1xx answer counts with 2xx)."""
    return f"{min(max(status // 100, 2), 5)}xx"


def scrub(route: str) -> str:
    """ROUTE, shortened, with any run of 4 or more digits replaced (a template never has one)."""
    return DIGITS.sub("<n>", route[:ROUTE_LENGTH])


def minute_of(moment: datetime) -> int:
    """The minute since the epoch of MOMENT (a clock's timezone-aware time)."""
    return int(moment.timestamp()) // 60


class RequestLog:
    """The request timings of one app in this process; `note` is all a request pays (a dict update)."""

    def __init__(self, app: str, engine: Engine, flush_seconds: float) -> None:
        self.app = app
        self.engine = engine
        self.flush_seconds = flush_seconds
        self._counts: dict[Key, list[int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def note(self, minute: int, route: str, status: int, ms: int) -> None:
        """Count one request answered with STATUS after MS milliseconds in MINUTE (minute_of)."""
        key = (minute, route, min(max(status // 100, 2), 5))
        with self._lock:
            bucket = self._counts.get(key)
            if bucket is None:
                self._counts[key] = [1, ms <= ANSWERED_WITHIN_MS, ms, ms]
            else:
                bucket[0] += 1
                bucket[1] += ms <= ANSWERED_WITHIN_MS
                bucket[2] += ms
                if ms > bucket[3]:
                    bucket[3] = ms
            if self._thread is None:
                self._start()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"request-log-{self.app}", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def _take(self) -> dict[Key, list[int]]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def _give_back(self, taken: dict[Key, list[int]]) -> None:
        with self._lock:
            for key, (requests, within, total, longest) in taken.items():
                if len(self._counts) >= MAX_KEYS:
                    break
                bucket = self._counts.setdefault(key, [0, 0, 0, 0])
                bucket[0] += requests
                bucket[1] += within
                bucket[2] += total
                bucket[3] = max(bucket[3], longest)

    def flush(self) -> int:
        """Write the counts so far in one upsert (sorted, so processes never deadlock); returns the rows."""
        taken = self._take()
        if not taken:
            return 0
        merged: dict[tuple[int, str, int], list[int]] = {}  # scrubbing may join two keys: one row each
        for (minute, route, klass), counts in sorted(taken.items()):
            bucket = merged.setdefault((minute, scrub(route), klass), [0, 0, 0, 0])
            bucket[0] += counts[0]
            bucket[1] += counts[1]
            bucket[2] += counts[2]
            bucket[3] = max(bucket[3], counts[3])
        rows = [
            {
                "minute": datetime.fromtimestamp(minute * 60, UTC),
                "app": self.app,
                "route": route,
                "status_class": f"{klass}xx",
                "requests": requests,
                "within_3s": within,
                "total_ms": total,
                "max_ms": longest,
            }
            for (minute, route, klass), (requests, within, total, longest) in sorted(merged.items())
        ]
        try:
            with self.engine.begin() as connection:
                connection.execute(UPSERT, rows)
        except Exception as error:  # the database is away: keep the counts for the next try
            log.warning("request timings not written (%s); kept for the next flush", type(error).__name__)
            self._give_back(taken)
            return 0
        return len(rows)

    def close(self) -> None:
        """Stop the writer thread and write what is left (at exit)."""
        self._stop.set()
        self.flush()
