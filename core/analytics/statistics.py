"""The Statistics page's counts from the marts: one measure per period and one dimension (raw counts; the
service suppresses small cells).

交付数 and 更新数 come from `handovers_daily` (交付日; age on the 交付日); 予約数, 来庁数, 取消 and
無断キャンセル from `bookings_daily` (the slot's day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from core.analytics.queries import connect


@dataclass(frozen=True)
class Measure:
    """What is counted, from which mart, and which breakdowns that mart has."""

    label: str
    mart: str
    value: str  # SQL over the mart's columns, summed
    where: str = "true"


CARD_DIMENSIONS = ("none", "district", "age")
BOOKING_DIMENSIONS = ("none", "procedure", "venue")
MEASURES: dict[str, Measure] = {
    "issued": Measure("交付数", "handovers_daily", "handed_over"),
    "renewed": Measure("更新数", "handovers_daily", "handed_over", "application_kind = '更新'"),
    "booked": Measure("予約数", "bookings_daily", "reservations - cancelled"),
    "visited": Measure("来庁数", "bookings_daily", "checked_in + completed"),
    "cancelled": Measure("予約取消", "bookings_daily", "cancelled"),
    "no_show": Measure("無断キャンセル", "bookings_daily", "no_show"),
}
# dimension → (label expression, order expression)
DIMENSION_SQL = {
    "none": ("'合計'", "0"),
    "district": ("district_name", "district_code"),
    "age": ("age_band", "age_band_order"),
    "procedure": ("procedure_name", "procedure_id"),
    "venue": ("venue_name", "venue_id"),
}
PERIOD_SQL = {
    "day": "day",
    "week": "date_trunc('week', day)::DATE",
    "month": "date_trunc('month', day)::DATE",
}


def dimensions_of(measure: str) -> tuple[str, ...]:
    """The breakdowns MEASURE's mart has."""
    return CARD_DIMENSIONS if MEASURES[measure].mart == "handovers_daily" else BOOKING_DIMENSIONS


def counts(path: Path, measure: str, dimension: str, period: str, since: date, until: date) -> pd.DataFrame:
    """period (date), group (label), order (the group's sort key), count for the days SINCE..UNTIL
    inclusive, ordered by period and the group's natural order (district code, age band …)."""
    spec = MEASURES[measure]
    if dimension not in dimensions_of(measure):
        raise ValueError(f"{measure} has no dimension {dimension}")
    label, order = DIMENSION_SQL[dimension]
    query = (
        f"SELECT {PERIOD_SQL[period]} AS period, {label} AS grp, min({order}) AS grp_order,"
        f" sum({spec.value})::BIGINT AS count FROM {spec.mart}"
        f" WHERE day BETWEEN ? AND ? AND {spec.where} GROUP BY 1, 2 ORDER BY 1, 3, 2"
    )
    with connect(path) as con:
        rows = con.execute(query, [since, until]).fetchall()
    return pd.DataFrame(rows, columns=["period", "group", "order", "count"])
