"""Reporting periods (day, week from Monday, month) and how much of one the figures cover.

A period is partial when the figures do not cover all of its days: the month of the data's 基準日 (four days
of December are not a month), or a month cut by the range the analyst asked for. Charts draw partial periods
apart and tables mark them, so nobody compares four days with a whole month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PARTIAL_MARK = "(途中)"


def period_start(day: date, unit: str) -> date:
    """The first day of the UNIT period that holds DAY."""
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period unit {unit}")


def period_end(start: date, unit: str) -> date:
    """The last day of the UNIT period that starts on START."""
    if unit == "day":
        return start
    if unit == "week":
        return start + timedelta(days=6)
    if unit == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    raise ValueError(f"unknown period unit {unit}")


def period_label(start: date, unit: str) -> str:
    """How a period is written in tables, charts and exports: 2025-12 for a month, the day otherwise (a
    week by its Monday)."""
    return f"{start:%Y-%m}" if unit == "month" else start.isoformat()


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class Span:
    """One period and the days of it the figures cover (FIRST..LAST; empty when LAST < FIRST)."""

    unit: str
    start: date
    first: date
    last: date
    in_progress: bool  # the covered days run up to the data's 基準日 (still being counted)

    @property
    def end(self) -> date:
        """The period's last day."""
        return period_end(self.start, self.unit)

    @property
    def label(self) -> str:
        """2025-12, 2025-12-01 …"""
        return period_label(self.start, self.unit)

    @property
    def partial(self) -> bool:
        """True when the figures cover less than the whole period (or a day still being counted)."""
        return self.in_progress or (self.first, self.last) != (self.start, self.end)

    @property
    def note(self) -> str:
        """集計中（12月1日〜4日）, 一部の期間（12月4日〜31日）, or '' for a whole period."""
        if not self.partial:
            return ""
        if self.last < self.first:
            return "集計中（基準日より後）"
        days = _md(self.first) if self.first == self.last else f"{_md(self.first)}〜{self.last.day}日"
        if self.first.month != self.last.month:
            days = f"{_md(self.first)}〜{_md(self.last)}"
        return f"{'集計中' if self.in_progress else '一部の期間'}（{days}）"


def span(start: date, unit: str, since: date, until: date, as_of: date) -> Span:
    """How much of the UNIT period starting on START the figures for SINCE..UNTIL cover, when the data
    reaches AS_OF (the build's 基準日, itself counted only up to the build)."""
    last = min(period_end(start, unit), until, as_of)
    return Span(unit, start, max(start, since), last, in_progress=last == as_of)
