"""Half-open time intervals [start, end): merge, intersect, subtract, measure (the SLA's 停止時間)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end) with timezone-aware ends; an interval whose end is not after its start is empty."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        """How long the interval lasts (zero when empty)."""
        return max(self.end - self.start, timedelta(0))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of INTERVALS as sorted, disjoint, non-empty intervals (overlaps and touches joined)."""
    merged: list[Interval] = []
    for item in sorted(i for i in intervals if i.end > i.start):
        if merged and item.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, item.end))
        else:
            merged.append(item)
    return merged


def intersect(left: Iterable[Interval], right: Iterable[Interval]) -> list[Interval]:
    """The parts of time covered by both LEFT and RIGHT."""
    out = [
        Interval(max(a.start, b.start), min(a.end, b.end))
        for a in merge(left)
        for b in merge(right)
        if max(a.start, b.start) < min(a.end, b.end)
    ]
    return merge(out)


def subtract(left: Iterable[Interval], right: Iterable[Interval]) -> list[Interval]:
    """The parts of LEFT not covered by RIGHT."""
    holes = merge(right)
    out: list[Interval] = []
    for piece in merge(left):
        start = piece.start
        for hole in holes:
            if hole.end <= start or hole.start >= piece.end:
                continue
            if hole.start > start:
                out.append(Interval(start, hole.start))
            start = max(start, hole.end)
        if start < piece.end:
            out.append(Interval(start, piece.end))
    return out


def total(intervals: Iterable[Interval]) -> timedelta:
    """The length of the union of INTERVALS (overlaps counted once)."""
    return sum((i.length for i in merge(intervals)), timedelta(0))
