"""Expiry waves and counter demand.

`mart_expiries` reads the analytic marts (core.analytics: `expiries_monthly`, `expiry_notice_waves`);
`build_forecast` turns monthly expiries into demand. The breakdowns are grouped by core.domain.city's
districts and age bands (SPLIT_GROUPS), the very labels the marts are built with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.analytics import queries
from core.domain.city import AGE_BAND_LABELS, DISTRICT_LABELS
from core.domain.errors import DomainError
from core.domain.expiry import (
    RENEWAL_WINDOW_MONTHS,
    add_months,
    expiry_notice_month,
    renewal_window_opens,
)

# The breakdown's groups in drawing order, by SPLIT (queries.FORECAST_SPLITS): every mart label has one.
SPLIT_GROUPS: dict[str, tuple[str, ...]] = {"district": DISTRICT_LABELS, "age": AGE_BAND_LABELS}


def month_start(day: date) -> date:
    """First day of DAY's month."""
    return day.replace(day=1)


def months(start: date, count: int) -> list[date]:
    """COUNT month starts from START's month."""
    first = month_start(start)
    return [add_months(first, i) for i in range(count)]


@dataclass(frozen=True)
class Expiry:
    """One thing that expires: a card or a 利用者証明用 certificate (the 署名用 follows it)."""

    kind: str  # card | certificate
    expires_on: date
    notice: bool = False  # a J-LIS 有効期限通知書 is mailed (cards only)
    count: int = 1


MART_KINDS = {"card": "card", "user_cert": "certificate"}


@dataclass(frozen=True)
class MartExpiries:
    """The marts' expiries for a forecast: totals by month and kind (items), letters by month, and the
    horizon's expiries by month and district or age band (SPLIT)."""

    items: list[Expiry]
    notices: dict[date, int]
    split: Counter[tuple[date, str]] = field(default_factory=Counter)


def mart_expiries(
    duckdb_file: Path, today: date, horizon_months: int, split: str = "district"
) -> MartExpiries:
    """Cards in use and their 利用者証明用 certificates expiring from TODAY's month on, within the horizon
    plus the renewal window (summed by month and kind in DuckDB), the 有効期限通知書 letters and the
    breakdown by SPLIT (district / age) in the horizon, from the analytics build (read-only).

    Raises core.analytics.queries.AnalyticsMissing when there is no build yet."""
    start = month_start(today)
    horizon_end = add_months(start, horizon_months)
    totals = queries.forecast_totals(
        duckdb_file, start, add_months(start, horizon_months + RENEWAL_WINDOW_MONTHS)
    )
    items = [Expiry(MART_KINDS[kind], month, count=count) for month, kind, count in totals]
    notices = dict(queries.notice_letter_rows(duckdb_file, start, horizon_end))
    split_rows = queries.forecast_split(duckdb_file, start, horizon_end, split)
    return MartExpiries(items, notices, Counter({(m, g): n for m, g, n in split_rows}))


@dataclass(frozen=True)
class DemandModel:
    """How many come (take-up) and when, by month after the renewal window opens (weights, normalised)."""

    take_up: float = 0.85
    arrival_weights: tuple[float, ...] = (0.35, 0.3, 0.2, 0.15)
    minutes_per_visit: int = 15

    def shares(self) -> list[float]:
        """The arrival weights normalised to 1."""
        total = sum(self.arrival_weights)
        if total <= 0 or not 0 <= self.take_up <= 1:
            raise DomainError(
                "来庁率と来庁時期の設定を確認してください", "check take-up and arrival settings"
            )
        return [w / total for w in self.arrival_weights]


def arrival_weights(early: float, spread_months: int = 4) -> tuple[float, ...]:
    """Weights with a share EARLY (0–1) coming in the window's first month, the rest geometrically later."""
    early = min(max(early, 0.01), 0.99)
    return tuple(early * (1 - early) ** i for i in range(spread_months))


@dataclass
class MonthRow:
    """One month of the forecast."""

    month: date
    card_expiries: int = 0
    certificate_expiries: int = 0
    notices: int = 0
    demand: float = 0.0
    capacity: int = 0

    @property
    def gap(self) -> float:
        """Visits above capacity (0 when capacity suffices)."""
        return max(self.demand - self.capacity, 0.0)


@dataclass
class Forecast:
    """The monthly table and the demand model it was computed with."""

    rows: list[MonthRow]
    model: DemandModel = field(default_factory=DemandModel)

    def extra_hours(self, row: MonthRow) -> float:
        """Counter-hours needed to close the month's gap."""
        return row.gap * self.model.minutes_per_visit / 60


def build_forecast(
    expiries: Iterable[Expiry],
    start: date,
    horizon_months: int,
    model: DemandModel,
    capacity: Sequence[int] | int,
    notices: Mapping[date, int] | None = None,
) -> Forecast:
    """Monthly expiries, notices and demand (from the window's opening on) against capacity.

    NOTICES (letters per notice month, from the marts) replace the notices derived from the items' flags."""
    month_list = months(start, horizon_months)
    rows = {m: MonthRow(m) for m in month_list}
    caps = [capacity] * horizon_months if isinstance(capacity, int) else list(capacity)
    for row, cap in zip(month_list, caps, strict=False):
        rows[row].capacity = cap
    forecast = Forecast(list(rows.values()), model=model)
    shares = model.shares()
    due: Counter[date] = Counter()  # everything expiring per month: the demand follows it
    for item in expiries:
        month = month_start(item.expires_on)
        due[month] += item.count
        if month in rows:
            if item.kind == "card":
                rows[month].card_expiries += item.count
            else:
                rows[month].certificate_expiries += item.count
        if notices is None and item.notice and (notice := expiry_notice_month(item.expires_on)) in rows:
            rows[notice].notices += item.count
    for month, letters in (notices or {}).items():
        if month in rows:
            rows[month].notices += letters
    # The window opens three months before expiry (same day), so in the month three months earlier.
    for month, count in due.items():
        opens = month_start(renewal_window_opens(month))
        for offset, share in enumerate(shares):
            visit = add_months(opens, offset)
            if visit in rows:
                rows[visit].demand += count * model.take_up * share
    return forecast
