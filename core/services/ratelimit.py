"""Rate limits kept in PostgreSQL (shared by every gunicorn worker); keys are hashed, never stored raw."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from core.db.models.booking import RateEvent


def bucket(kind: str, value: str) -> str:
    """The stored key of KIND ('ip', 'notice', …) and VALUE: a SHA-256, so no raw address is kept."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


REFUSED = bucket("refused", "site")  # one event per request the site refused by a rate limit (HTTP 429)


def count(session: Session, key: str, window: timedelta, now: datetime) -> int:
    """How many events KEY had within WINDOW before NOW."""
    query = select(func.count()).where(RateEvent.bucket == key, RateEvent.at > now - window)
    return int(session.scalar(query) or 0)


def is_limited(session: Session, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Whether KEY has used up LIMIT events within WINDOW."""
    return count(session, key, window, now) >= limit


def failures(session: Session, key: str, window: timedelta, now: datetime) -> tuple[int, datetime | None]:
    """How many events KEY had within WINDOW before NOW, and when the newest was."""
    recent = (RateEvent.bucket == key, RateEvent.at > now - window)
    query = select(func.count(), func.max(RateEvent.at)).where(*recent)
    found, newest = session.execute(query).one()
    return int(found or 0), newest


def lock(session: Session, key: str) -> None:
    """Serialise the transactions counting events of KEY (until the caller's transaction ends)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"rate:{key}"})


def record(session: Session, key: str, now: datetime) -> None:
    """Count one event for KEY."""
    session.add(RateEvent(bucket=key, at=now))


_TAKE = text(
    "WITH recent AS (SELECT count(*) AS n FROM booking.rate_events WHERE bucket = :key AND at > :since), "
    "counted AS (INSERT INTO booking.rate_events (bucket, at) SELECT :key, :now FROM recent "
    "WHERE n < :limit RETURNING id) "
    "SELECT n FROM recent"
)


def take(session: Session, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one event for KEY unless it has used up LIMIT within WINDOW; False (nothing counted) when it has.
    One round trip: `is_limited` and `record` in a single statement."""
    used = session.scalar(_TAKE, {"key": key, "since": now - window, "now": now, "limit": limit})
    return int(used or 0) < limit


def forget_old(session: Session, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Delete events older than KEEP; return how many."""
    result = session.execute(delete(RateEvent).where(RateEvent.at < now - keep))
    return int(getattr(result, "rowcount", 0) or 0)
