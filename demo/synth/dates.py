"""Dates as the extract writes them: every day pre-formatted once in the three accepted forms."""

from __future__ import annotations

from datetime import date

import numpy as np

from core.domain.register import DateStyle, RegisterDate, format_date
from demo.synth.sampling import Ints, to_ymd

STYLES: tuple[DateStyle, ...] = (DateStyle.ISO, DateStyle.COMPACT, DateStyle.ERA)
ISO, COMPACT, ERA = range(3)


class DateText:
    """Text of days in any style, each (day, style) formatted once by format_date and then looked up."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, int], str] = {}

    def column(self, days: Ints, styles: Ints | int = ISO) -> list[str]:
        """Text per day (empty for 0)."""
        style = np.broadcast_to(np.asarray(styles, dtype=np.int64), days.shape)
        cache = self.cache
        out = []
        for key in zip(days.tolist(), style.tolist(), strict=True):
            text = cache.get(key)
            if text is None:
                text = format_date(date.fromordinal(key[0]), STYLES[key[1]]) if key[0] else ""
                cache[key] = text
            out.append(text)
        return out


def mixed_styles(
    rng: np.random.Generator, days: Ints, compact: float, era: float, era_before: int | None = None
) -> Ints:
    """A style per row: mostly YYYY-MM-DD, some YYYYMMDD and GYYMMDD (era only before `era_before`)."""
    draw = rng.random(len(days))
    era_ok = np.ones(len(days), dtype=np.bool_) if era_before is None else days < era_before
    return np.where((draw < era) & era_ok, ERA, np.where(draw > 1 - compact, COMPACT, ISO)).astype(np.int64)


def partial(days: Ints, unknown: Ints, styles: Ints) -> list[str]:
    """Dates with 不詳 parts written as 00: unknown 1 = the day, 2 = month and day."""
    years, months, _ = to_ymd(days)
    out = []
    for y, m, u, s in zip(years.tolist(), months.tolist(), unknown.tolist(), styles.tolist(), strict=True):
        out.append(format_date(RegisterDate(y, m if u == 1 else None, None), STYLES[s]))
    return out
