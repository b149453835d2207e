"""Health probes: the readiness check behind /readyz, and `mynadesk ops probe`, which requests the booking
page and the staff login page over HTTP and writes and reads the database, and records each result with its
time in ops.probes (one row per target per minute; whole hours older than 35 days are rolled up)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.config import ServiceLevelSettings, Settings
from core.db.models.ops import Probe
from core.ops import incidents

KEEP_MINUTE_ROWS = timedelta(days=35)
HTTP_TIMEOUT_SECONDS = 10.0
USER_AGENT = "MynaDesk-probe/1"

ROLL_UP = text(
    """
    WITH gone AS (DELETE FROM ops.probes WHERE at < :cutoff RETURNING at, target, ok, ms)
    INSERT INTO ops.probe_hours AS h (hour, target, probes, failures, ms_p50, ms_p95, ms_max)
    SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', target, count(*),
           count(*) FILTER (WHERE NOT ok),
           percentile_disc(0.5) WITHIN GROUP (ORDER BY ms), percentile_disc(0.95) WITHIN GROUP (ORDER BY ms),
           max(ms)
    FROM gone GROUP BY 1, 2
    ON CONFLICT (hour, target) DO UPDATE SET
        ms_p50 = (h.ms_p50 * h.probes + EXCLUDED.ms_p50 * EXCLUDED.probes) / (h.probes + EXCLUDED.probes),
        ms_p95 = greatest(h.ms_p95, EXCLUDED.ms_p95),
        ms_max = greatest(h.ms_max, EXCLUDED.ms_max),
        probes = h.probes + EXCLUDED.probes,
        failures = h.failures + EXCLUDED.failures
    """
)


@dataclass(frozen=True)
class ProbeResult:
    """One probe: which target, when it started, whether it answered as it should, and how fast."""

    target: str
    at: datetime
    ok: bool
    ms: int
    detail: str | None = None


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def http_probe(target: str, url: str, clock: Clock, timeout: float = HTTP_TIMEOUT_SECONDS) -> ProbeResult:
    """GET URL: up when it answers 200 within TIMEOUT seconds."""
    at = clock()
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - our own URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return ProbeResult(target, at, False, _elapsed_ms(started), f"HTTP {error.code}")
    except (OSError, ValueError) as error:  # refused, reset, timed out, no such host, a malformed URL
        reason = getattr(error, "reason", None) or error
        return ProbeResult(target, at, False, _elapsed_ms(started), f"{type(error).__name__}: {reason}"[:300])
    ms = _elapsed_ms(started)
    return ProbeResult(target, at, status == 200, ms, None if status == 200 else f"HTTP {status}")


@dataclass(frozen=True)
class ReadyFacts:
    """What `ops.ready()` answers: the write read back, and when the oldest unsent mail was queued."""

    written_at: datetime
    oldest_unsent: datetime | None


def ready_facts(session: Session, app: str, now: datetime) -> ReadyFacts:
    """Write APP's heartbeat at NOW and read it back, with the oldest unsent mail (one round trip)."""
    row = session.execute(text("SELECT * FROM ops.ready(:app, :now)"), {"app": app, "now": now}).one()
    return ReadyFacts(row.written_at, row.oldest_unsent)


def database_probe(factory: sessionmaker[Session], clock: Clock) -> ProbeResult:
    """A write and a read in the database, committed: up when the stamp written is the one read back."""
    at = clock()
    started = time.perf_counter()
    try:
        with factory.begin() as session:
            written = ready_facts(session, "probe", at).written_at
    except Exception as error:  # the database is away or refuses: that is what this probe is for
        return ProbeResult("database", at, False, _elapsed_ms(started), type(error).__name__)
    ok = written == at
    return ProbeResult("database", at, ok, _elapsed_ms(started), None if ok else "stamp read back differs")


@dataclass
class Readiness:
    """The answer of /readyz: each check with its figure; ready only when every check passes."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, ok: bool, **figures: Any) -> None:
        """Add one check's outcome."""
        self.checks[name] = {"ok": ok, **figures}

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check["ok"] for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """The JSON body (no personal data: only ages, times in ms and yes/no)."""
        return {"status": "ok" if self.ok else "fail", "checks": self.checks}


def readiness(
    begin: Callable[[], AbstractContextManager[Session]],
    app: str,
    now: datetime,
    limits: ServiceLevelSettings,
    analytics_built: Callable[[], datetime | None] | None = None,
) -> Readiness:
    """The database takes a write, no mail waits longer than the limit, and (console) the analytics build is
    fresh enough; BEGIN gives a session in a transaction."""
    result = Readiness()
    started = time.perf_counter()
    try:
        with begin() as session:
            facts = ready_facts(session, app, now)
    except Exception as error:
        result.add("database", False, ms=_elapsed_ms(started), error=type(error).__name__)
        return result
    result.add("database", facts.written_at == now, ms=_elapsed_ms(started))
    waited = None if facts.oldest_unsent is None else (now - facts.oldest_unsent).total_seconds() / 60
    result.add(
        "mail_outbox",
        waited is None or waited <= limits.outbox_stuck_minutes,
        oldest_unsent_minutes=None if waited is None else round(waited, 1),
        limit_minutes=limits.outbox_stuck_minutes,
    )
    if analytics_built is not None:
        built = analytics_built()
        age = None if built is None else (now - built).total_seconds() / 3600
        result.add(
            "analytics",
            age is not None and age <= limits.analytics_max_age_hours,
            age_hours=None if age is None else round(age, 1),
            limit_hours=limits.analytics_max_age_hours,
        )
    return result


def record(session: Session, result: ProbeResult, incident_after: int) -> None:
    """Store one probe and open or close the target's outage (core/ops/incidents.py)."""
    session.add(Probe(at=result.at, target=result.target, ok=result.ok, ms=result.ms, detail=result.detail))
    session.flush()
    incidents.after_probe(session, result.target, incident_after)


def roll_up(session: Session, now: datetime) -> None:
    """Replace the minute rows of whole hours older than 35 days by one row per hour and target."""
    cutoff = (now - KEEP_MINUTE_ROWS).replace(minute=0, second=0, microsecond=0)
    session.execute(ROLL_UP, {"cutoff": cutoff})


def probe_all(settings: Settings, factory: sessionmaker[Session], clock: Clock) -> list[ProbeResult]:
    """Probe the booking page, the staff login page and the database (not yet recorded)."""
    return [
        http_probe("site", f"{settings.site_base_url}/", clock),
        http_probe("console", f"{settings.service_levels.console_url}/login", clock),
        database_probe(factory, clock),
    ]


@dataclass
class Prober:
    """`mynadesk ops probe`: probes every minute; results the database cannot take yet wait in memory."""

    settings: Settings
    factory: sessionmaker[Session]
    clock: Clock
    pending: list[ProbeResult] = field(default_factory=list)

    def run_once(self) -> list[ProbeResult]:
        """Probe all targets and record them (with any that waited); returns this round's results."""
        results = probe_all(self.settings, self.factory, self.clock)
        self.pending = [*self.pending, *results][-10_000:]
        try:
            with self.factory.begin() as session:
                for result in self.pending:
                    record(session, result, self.settings.service_levels.incident_after)
                roll_up(session, self.clock())
        except Exception:  # the database is away: the rows wait for the next round
            return results
        self.pending = []
        return results
