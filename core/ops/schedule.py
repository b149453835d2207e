"""When the nightly backup and drill run: every day at MYNADESK_BACKUP_AT (Japan time)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from core.domain.dates import TOKYO


def next_run(now: datetime, at: str) -> datetime:
    """The first moment after NOW (timezone-aware) that is AT ('HH:MM') in Japan."""
    hours, minutes = (int(part) for part in at.split(":"))
    local = now.astimezone(TOKYO)
    candidate = datetime.combine(local.date(), time(hours, minutes), TOKYO)
    return candidate if candidate > local else candidate + timedelta(days=1)
