"""Statistics for analysts: counts by period and one dimension from the analytic marts (read-only), aggregates
only, small cells suppressed, as of the analytics build (`core.analytics.queries.build_time`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from core.analytics import queries
from core.analytics import statistics as marts
from core.domain.errors import DomainError
from core.services.audit import Actor, record

MIN_CELL = 5  # cells under this are suppressed (秘匿) in every table and export
SUPPRESSED = "<5"
MEASURES = {key: measure.label for key, measure in marts.MEASURES.items()}
DIMENSIONS = {"none": "合計", "district": "地区", "age": "年齢(交付日)", "procedure": "手続", "venue": "会場"}
PERIODS = {"month": "月", "week": "週", "day": "日"}


class StatisticsError(DomainError):
    """An impossible combination of measure and dimension, or an empty period."""


@dataclass(frozen=True)
class StatsQuery:
    """What the analyst asked for (dates in Japan, inclusive)."""

    measure: str
    dimension: str
    period: str
    since: date
    until: date


def _check(query: StatsQuery) -> None:
    if query.measure not in MEASURES or query.dimension not in DIMENSIONS or query.period not in PERIODS:
        raise StatisticsError(
            "集計項目・内訳・単位を選び直してください", "unknown measure, dimension or period"
        )
    if query.until < query.since:
        raise StatisticsError("期間の終わりが始まりより前です", "the period ends before it starts")
    if query.dimension not in marts.dimensions_of(query.measure):
        if marts.MEASURES[query.measure].mart == "handovers_daily":
            raise StatisticsError(
                f"{MEASURES[query.measure]}は地区・年齢別で集計できます(手続・会場別はできません)",
                "card measures break down by district or age only",
            )
        raise StatisticsError(
            f"{MEASURES[query.measure]}は手続・会場別で集計できます(地区・年齢別はできません)",
            "booking measures break down by procedure or venue only",
        )


def table(duckdb_file: Path, query: StatsQuery) -> pd.DataFrame:
    """Counts as a period × dimension table (raw, before suppression), columns in their natural order.

    Raises core.analytics.queries.AnalyticsMissing when there is no analytics build."""
    _check(query)
    frame = marts.counts(duckdb_file, query.measure, query.dimension, query.period, query.since, query.until)
    if frame.empty:
        return pd.DataFrame()
    order = frame.groupby("group")["order"].min().sort_values(kind="stable")  # district code, age band …
    # (period, group) is unique (the query groups by both): a plain pivot, no aggregation
    pivot = frame.pivot(index="period", columns="group", values="count").reindex(columns=list(order.index))
    pivot = pivot.fillna(0)
    pivot.index = [pd.Timestamp(p).date().isoformat() for p in pivot.index]
    pivot.index.name = PERIODS[query.period]
    pivot.columns.name = None
    return pivot.astype(int)


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells from 1 to MIN_CELL − 1 become '<5' (zeros stay: they reveal no one)."""
    return frame.apply(lambda col: col.map(lambda v: SUPPRESSED if 0 < v < MIN_CELL else int(v))).astype(
        object
    )


def export(session: Session, duckdb_file: Path, query: StatsQuery, fmt: str, actor: Actor) -> bytes:
    """The suppressed table as CSV (UTF-8 with BOM) or XLSX, titled with its データ時点; the export is audited
    (SESSION holds the audit entry; the figures come from DUCKDB_FILE)."""
    frame = suppress(table(duckdb_file, query))
    as_of = queries.as_of_text(queries.build_time(duckdb_file))
    title = (
        f"{MEASURES[query.measure]}({DIMENSIONS[query.dimension]}別、{query.since}〜{query.until}) {as_of}"
    )
    if fmt == "csv":
        data: bytes = ("\ufeff" + f"# {title} 5未満は「{SUPPRESSED}」\n" + str(frame.to_csv())).encode(
            "utf-8"
        )
    elif fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="集計", startrow=2)
            writer.sheets["集計"]["A1"] = f"{title} 5未満は「{SUPPRESSED}」"
        data = bytes(buffer.getvalue())
    else:
        raise StatisticsError(f"形式 {fmt} は出力できません(csv / xlsx)", f"unknown format {fmt}")
    record(
        session,
        actor,
        "stats_export",
        "statistics",
        query.measure,
        summary=f"統計出力 / export: {title}",
        detail={
            "format": fmt,
            "dimension": query.dimension,
            "period": query.period,
            "since": query.since.isoformat(),
            "until": query.until.isoformat(),
            "as_of": as_of,
        },
    )
    return data
