"""Small vectorised helpers shared by the generator's stages: draws, exact-count picks, day arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# Days are int64 proleptic Gregorian ordinals (date.toordinal()); 0 means "no date".
NO_DAY = 0


def day(value: date) -> int:
    """The ordinal of a date."""
    return value.toordinal()


def uniform_int(rng: np.random.Generator, low: Ints | int, high: Ints | int, size: int | None = None) -> Ints:
    """Integers drawn uniformly from [low, high] (both ends included; arrays broadcast)."""
    low_a = np.asarray(low, dtype=np.int64)
    high_a = np.maximum(np.asarray(high, dtype=np.int64), low_a)
    shape = size if size is not None else np.broadcast(low_a, high_a).shape
    span = (high_a - low_a + 1).astype(np.float64)
    return low_a + np.floor(rng.random(shape) * span).astype(np.int64)


def mixture(rng: np.random.Generator, n: int, parts: Sequence[tuple[float, float, float]]) -> Floats:
    """`n` draws from a mixture of uniform ranges given as (weight, low, high)."""
    weights = np.array([p[0] for p in parts], dtype=np.float64)
    which = rng.choice(len(parts), size=n, p=weights / weights.sum())
    lows = np.array([p[1] for p in parts])[which]
    highs = np.array([p[2] for p in parts])[which]
    return np.asarray(lows + rng.random(n) * (highs - lows), dtype=np.float64)


def exact_counts(total: int, shares: Sequence[float] | Floats, minimum: int = 0) -> Ints:
    """Split `total` into parts proportional to `shares` (largest remainder), each at least `minimum`."""
    share = np.asarray(shares, dtype=np.float64)
    share = share / share.sum()
    raw = share * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    if minimum and total >= minimum * len(counts):
        while (counts < minimum).any():
            counts[int(np.argmin(counts))] += 1
            counts[int(np.argmax(counts))] -= 1
    return np.asarray(counts, dtype=np.int64)


def pick_weighted(rng: np.random.Generator, weights: Floats, k: int) -> Ints:
    """Indices of exactly `k` items drawn without replacement, each kept with probability close to
    min(1, c * weight) (sequential Poisson sampling); items of weight 0 are never drawn."""
    weights = np.asarray(weights, dtype=np.float64)
    positive = int((weights > 0).sum())
    k = min(k, positive)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    probs = _inclusion_probabilities(weights, k)
    keys = np.full(len(weights), np.inf)
    live = probs > 0
    keys[live] = rng.random(int(live.sum())) / probs[live]
    chosen = np.argpartition(keys, k - 1)[:k]
    return np.sort(chosen).astype(np.int64)


def _inclusion_probabilities(weights: Floats, k: int) -> Floats:
    low, high = 0.0, 1.0
    while np.minimum(1.0, high * weights).sum() < k:
        high *= 2.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.minimum(1.0, middle * weights).sum() < k:
            low = middle
        else:
            high = middle
    return np.minimum(1.0, high * weights)


def to_ymd(days: Ints) -> tuple[Ints, Ints, Ints]:
    """Year, month and day arrays of ordinal days."""
    as_dates = (days - day(date(1970, 1, 1))).astype("datetime64[D]")
    years = as_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = as_dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    first_of_month = as_dates.astype("datetime64[M]").astype("datetime64[D]")
    days_of_month = (as_dates - first_of_month).astype(np.int64) + 1
    return years, months, days_of_month


def from_ymd(years: Ints, months: Ints, days_of_month: Ints) -> Ints:
    """Ordinal days of year/month/day arrays (the day must exist)."""
    month_index = (years - 1970) * 12 + (months - 1)
    first = month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + days_of_month - 1 + day(date(1970, 1, 1))


def add_years(days: Ints, years: Ints | int) -> Ints:
    """The same month and day `years` later (Feb 29 -> Feb 28 in common years)."""
    y, m, d = to_ymd(days)
    target = y + years
    leap = (target % 4 == 0) & ((target % 100 != 0) | (target % 400 == 0))
    d = np.where((m == 2) & (d == 29) & ~leap, 28, d)
    return from_ymd(target, m, d)


def weekday(days: Ints) -> Ints:
    """0 = Monday ... 6 = Sunday."""
    return (days - 1) % 7


def to_weekday(days: Ints, latest: int) -> Ints:
    """Move Saturdays and Sundays to the next Monday, or back to Friday when that passes `latest`."""
    wd = weekday(days)
    forward = days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    backward = days - np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
    return np.where(forward <= latest, forward, backward)


NameRow = tuple[str, str, str, float]  # (written form, katakana reading, Latin letters, weight)


def parse_table(text: str) -> tuple[NameRow, ...]:
    """Rows of "written:reading[:weight]" or "written:reading:LATIN[:weight]" separated by whitespace."""
    rows: list[NameRow] = []
    for item in text.split():
        parts = item.split(":")
        latin = parts[2].replace("_", " ") if len(parts) > 2 and not _is_number(parts[2]) else ""
        weight = float(parts[-1]) if _is_number(parts[-1]) else 1.0
        rows.append((parts[0], parts[1], latin, weight))
    return tuple(rows)


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()
