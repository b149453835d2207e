"""Which backups to keep: the newest of each of the last N days, weeks and months (grandfather-father-son)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime

from core.domain.dates import TOKYO


def _newest_per(
    moments: list[tuple[str, datetime]], period: Callable[[date], Hashable], count: int
) -> set[str]:
    kept: dict[Hashable, str] = {}
    for name, moment in sorted(moments, key=lambda item: item[1], reverse=True):
        key = period(moment.astimezone(TOKYO).date())
        if key not in kept and len(kept) < count:
            kept[key] = name
    return set(kept.values())


def to_keep(backups: Iterable[tuple[str, datetime]], daily: int, weekly: int, monthly: int) -> set[str]:
    """The names among BACKUPS (name, time taken) that retention keeps; the newest is always kept."""
    moments = list(backups)
    if not moments:
        return set()
    newest = max(moments, key=lambda item: item[1])[0]
    return (
        {newest}
        | _newest_per(moments, lambda day: day, daily)
        | _newest_per(moments, lambda day: day.isocalendar()[:2], weekly)
        | _newest_per(moments, lambda day: (day.year, day.month), monthly)
    )
