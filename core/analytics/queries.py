"""Read-only queries over the current analytics build, returning pandas DataFrames (for the console).

Every function takes the DuckDB file (see `core.analytics.marts.current_duckdb`). The process keeps one
read-only connection per build file and gives each query a cursor of its own (threads never share one);
the `current` symlink is resolved on every call, so a build swapped in meanwhile is picked up by the next
call (a new connection), while a query already running finishes on the build it started on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.analytics.marts import MARTS
from core.domain.booking import TOKYO
from core.domain.errors import DomainError


class AnalyticsMissing(DomainError):  # noqa: N818 - named for what happened
    """No analytics build exists yet."""


_lock = threading.Lock()
_open: dict[Path, tuple[Path, duckdb.DuckDBPyConnection]] = {}  # path asked for → (build file, connection)


def _connection(path: Path) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to the build PATH points at now (reopened after a swap)."""
    build = path.resolve()
    if not build.is_file():
        raise AnalyticsMissing(
            f"分析データがありません({path})。`mynadesk etl analytics` を実行してください",
            f"no analytics build at {path}; run `mynadesk etl analytics`",
        )
    with _lock:
        held = _open.get(path)
        if held is not None and held[0] == build:
            return held[1]
        # The old connection is dropped, not closed: closing would break cursors still running on it;
        # the garbage collector closes it after the last of them.
        con = duckdb.connect(str(build), read_only=True)
        _open[path] = (build, con)
    return con


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the current analytics build (its own cursor per call: thread-safe)."""
    cursor = _connection(path).cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def close_all() -> None:
    """Close the process's connections (tests; a worker shutting down)."""
    with _lock:
        for _build, con in _open.values():
            con.close()
        _open.clear()


def _frame(path: Path, query: str, params: list[Any] | None = None) -> pd.DataFrame:
    with connect(path) as con:
        frame: pd.DataFrame = con.execute(query, params or []).df()
    return frame


def mart(path: Path, name: str) -> pd.DataFrame:
    """A whole mart in contract column order."""
    if name not in MARTS:
        raise ValueError(f"マートがありません / no such mart: {name}")
    return _frame(path, f"SELECT {', '.join(MARTS[name].column_names)} FROM {name}")


def build_info(path: Path) -> pd.DataFrame:
    """When the build was made, for which day, from how many rows."""
    return mart(path, "build_info")


def build_time(path: Path) -> tuple[datetime, date] | None:
    """When the build was made and its 基準日 (None for a build without the row)."""
    with connect(path) as con:
        row = con.execute("SELECT built_at, as_of FROM build_info LIMIT 1").fetchone()
    if row is None:
        return None
    built: datetime = row[0]
    return built, row[1]


def as_of_text(built: tuple[datetime, date] | None) -> str:
    """データ時点 for a page or an export: which analytics build the figures come from."""
    if built is None:
        return "データ時点: 分析データ(作成日時不明)"
    return (
        f"データ時点: 分析データ {built[0].astimezone(TOKYO):%Y-%m-%d %H:%M} 作成(基準日 {built[1]:%Y-%m-%d})"
    )


def card_stock(path: Path) -> pd.DataFrame:
    """Cards by state, office and days band."""
    return mart(path, "card_stock")


def stock_by_state(path: Path) -> pd.DataFrame:
    """Totals per state (Overview): state, label, cards, notices over 90 days, disposal due."""
    return _frame(
        path,
        "SELECT state, state_label, sum(cards)::BIGINT AS cards, sum(on_hold)::BIGINT AS on_hold,"
        " sum(notices_over_90_days)::BIGINT AS notices_over_90_days,"
        " sum(reminder_due)::BIGINT AS reminder_due,"
        " sum(disposal_due)::BIGINT AS disposal_due"
        " FROM card_stock GROUP BY state, state_label, state_order ORDER BY state_order",
    )


def waiting_cards(path: Path, *, only_disposal_due: bool = False) -> pd.DataFrame:
    """Cards waiting for pickup, oldest notice first (optionally only those due for 未交付廃棄)."""
    where = "WHERE disposal_due" if only_disposal_due else ""
    columns = ", ".join(MARTS["waiting_cards"].column_names)
    return _frame(
        path, f"SELECT {columns} FROM waiting_cards {where} ORDER BY notified_on NULLS LAST, card_id"
    )


def waiting_by_notice_age(path: Path, bands: tuple[tuple[int, int, str], ...], before: str) -> pd.DataFrame:
    """Waiting cards per state and days-since-notice band (BANDS: first day, last day, label; BEFORE labels
    cards not yet notified), with how many are due for 再通知 and 未交付廃棄: state, band, cards,
    reminder_due, disposal_due."""
    whens = " ".join("WHEN days_since_notice BETWEEN ? AND ? THEN ?" for _ in bands)
    params: list[Any] = [value for band in bands for value in band]
    return _frame(
        path,
        f"SELECT state, CASE WHEN days_since_notice IS NULL THEN ? {whens} ELSE ? END AS band,"
        " count(*)::BIGINT AS cards, count(*) FILTER (WHERE reminder_due)::BIGINT AS reminder_due,"
        " count(*) FILTER (WHERE disposal_due)::BIGINT AS disposal_due"
        " FROM waiting_cards GROUP BY ALL ORDER BY state, band",
        [before, *params, before],
    )


def expiries_monthly(path: Path) -> pd.DataFrame:
    """The full expiry forecast: month × kind × district × age band."""
    return mart(path, "expiries_monthly")


FORECAST_SPLITS = {"district": ("district_name", "district_code"), "age": ("age_band", "age_band_order")}


def forecast_totals(path: Path, start: date, end: date) -> list[tuple[date, str, int]]:
    """(month, kind, expiring) for cards and 利用者証明用 certificates from START to END (exclusive), summed
    over districts and ages in DuckDB (the Forecast page's hot path: a few hundred rows, no pandas)."""
    with connect(path) as con:
        rows = con.execute(
            "SELECT month, kind, sum(expiring)::BIGINT FROM expiries_monthly"
            " WHERE kind IN ('card', 'user_cert') AND month >= ? AND month < ?"
            " GROUP BY month, kind ORDER BY month, kind",
            [start, end],
        ).fetchall()
    return [(m, str(k), int(n)) for m, k, n in rows]


def forecast_split(path: Path, start: date, end: date, split: str) -> list[tuple[date, str, int]]:
    """(month, district name or age band, expiring) for cards and 利用者証明用 certificates from START to END
    (exclusive); SPLIT is district or age."""
    label, order = FORECAST_SPLITS[split]
    with connect(path) as con:
        rows = con.execute(
            f"SELECT month, {label}, sum(expiring)::BIGINT FROM expiries_monthly"
            " WHERE kind IN ('card', 'user_cert') AND month >= ? AND month < ?"
            f" GROUP BY month, {label}, {order} ORDER BY month, {order}",
            [start, end],
        ).fetchall()
    return [(m, str(g), int(n)) for m, g, n in rows]


def notice_letter_rows(path: Path, start: date, end: date) -> list[tuple[date, int]]:
    """(notice month, letters) from START to END (exclusive), all districts summed."""
    with connect(path) as con:
        rows = con.execute(
            "SELECT notice_month, sum(letters)::BIGINT FROM expiry_notice_waves"
            " WHERE notice_month >= ? AND notice_month < ? GROUP BY notice_month ORDER BY notice_month",
            [start, end],
        ).fetchall()
    return [(m, int(n)) for m, n in rows]


def _dates(column: pd.Series) -> pd.Series:
    """A DATE column as Python dates (DuckDB hands pandas timestamps)."""
    return pd.Series([value.date() for value in pd.to_datetime(column)], index=column.index, dtype=object)


def slot_capacity(path: Path, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Capacity and bookings per day, venue and procedure between START and END (exclusive)."""
    columns = ", ".join(MARTS["slot_capacity"].column_names)
    return _frame(
        path,
        f"SELECT {columns} FROM slot_capacity WHERE day >= coalesce(?, DATE '1900-01-01')"
        " AND day < coalesce(?, DATE '9999-01-01') ORDER BY day, venue_id, procedure_id",
        [start, end],
    )


def bookings_daily(path: Path, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Bookings, visits and no-shows per day, venue and procedure."""
    columns = ", ".join(MARTS["bookings_daily"].column_names)
    return _frame(
        path,
        f"SELECT {columns} FROM bookings_daily WHERE day >= coalesce(?, DATE '1900-01-01')"
        " AND day < coalesce(?, DATE '9999-01-01') ORDER BY day, venue_id, procedure_id",
        [start, end],
    )


def issuance_daily(path: Path, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Cards produced and handed over per day (all offices and kinds summed)."""
    return _frame(
        path,
        "SELECT day, sum(produced)::BIGINT AS produced, sum(handed_over)::BIGINT AS handed_over"
        " FROM issuance_daily WHERE day >= coalesce(?, DATE '1900-01-01')"
        " AND day < coalesce(?, DATE '9999-01-01')"
        " GROUP BY day ORDER BY day",
        [start, end],
    )


def renewals_monthly(path: Path) -> pd.DataFrame:
    """Renewals applied, produced, handed over; reissues; cards expiring — per month."""
    return mart(path, "renewals_monthly")


def holding_by_district_age(path: Path) -> pd.DataFrame:
    """Residents, holders and the holding rate by district and age band."""
    return mart(path, "holding_by_district_age")
