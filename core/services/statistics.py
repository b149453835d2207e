"""Statistics for analysts: counts by period and one dimension from the analytic marts (read-only), aggregates
only, small cells suppressed, as of the analytics build (`core.analytics.queries.build_time`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from core.analytics import queries
from core.analytics import statistics as marts
from core.domain.booking import TOKYO
from core.domain.errors import DomainError
from core.domain.periods import PARTIAL_MARK, Span, period_end, period_label, period_start, span
from core.domain.spreadsheet import neutralise
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
    pivot.index = [period_label(pd.Timestamp(p).date(), query.period) for p in pivot.index]
    pivot.index.name = PERIODS[query.period]
    pivot.columns.name = None
    return pivot.astype(int)


def spans(duckdb_file: Path, query: StatsQuery) -> dict[str, Span]:
    """Every period of the query by its label, with the days the figures cover: the build's 基準日 ends
    them (that day counted only up to the build), and so do the query's own first and last days."""
    build = queries.build_time(duckdb_file)
    as_of = build[1] if build is not None else query.until
    result: dict[str, Span] = {}
    start = period_start(query.since, query.period)
    while start <= query.until:
        result[period_label(start, query.period)] = span(start, query.period, query.since, query.until, as_of)
        start = period_end(start, query.period) + timedelta(days=1)
    return result


def marked(frame: pd.DataFrame, periods: dict[str, Span]) -> list[str]:
    """The table's period labels with 「(途中)」 after each partial one."""
    return [f"{label} {PARTIAL_MARK}" if periods[label].partial else str(label) for label in frame.index]


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells from 1 to MIN_CELL − 1 become '<5' (zeros stay: they reveal no one)."""
    return frame.apply(lambda col: col.map(lambda v: SUPPRESSED if 0 < v < MIN_CELL else int(v))).astype(
        object
    )


def export_name(query: StatsQuery, build: tuple[datetime, date] | None, fmt: str) -> str:
    """The export's file name: what it counts, its range and データ時点 (the file itself starts with the
    header row, so Excel and scripts read it as it is)."""
    stamp = f"_基準日{build[1]:%Y%m%d}_{build[0].astimezone(TOKYO):%Y%m%d-%H%M}作成" if build else ""
    return (
        f"統計_{MEASURES[query.measure]}_{DIMENSIONS[query.dimension]}別_{PERIODS[query.period]}単位_"
        f"{query.since:%Y%m%d}-{query.until:%Y%m%d}{stamp}.{fmt}"
    )


def export_frame(duckdb_file: Path, query: StatsQuery) -> pd.DataFrame:
    """The suppressed table as exported: the period column first, then the counts, then 備考 (partial
    periods: 集計中（12月1日〜4日）)."""
    frame = table(duckdb_file, query)
    periods = spans(duckdb_file, query)
    out = suppress(frame)
    out.insert(0, PERIODS[query.period], list(frame.index))
    out["備考"] = [periods[label].note for label in frame.index]
    return out.reset_index(drop=True)


def spreadsheet(frame: pd.DataFrame, fmt: str, title: str, description: str) -> bytes:
    """FRAME as CSV (UTF-8 with BOM) or XLSX, with no cell a spreadsheet would run (a venue name such as
    =HYPERLINK(…)): CSV text cells get an apostrophe in front, XLSX cells are written as text."""
    if fmt == "csv":
        safe = frame.rename(columns=neutralise).map(neutralise)
        return ("\ufeff" + str(safe.to_csv(index=False))).encode("utf-8")
    return workbook({"集計": frame}, title, description)


def workbook(sheets: dict[str, pd.DataFrame], title: str, description: str) -> bytes:
    """SHEETS (name → frame, header in the first row) as one XLSX in which no cell is a formula."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            for row in writer.book[name].iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # openpyxl makes any text starting with = a formula
                        cell.data_type = "s"
        writer.book.properties.title = title
        writer.book.properties.description = description
    return bytes(buffer.getvalue())


def export(
    session: Session, duckdb_file: Path, query: StatsQuery, fmt: str, actor: Actor
) -> tuple[str, bytes]:
    """(file name, bytes) of the suppressed table as CSV (UTF-8 with BOM) or XLSX: the header is the first
    row; the title and データ時点 are in the file name (and the workbook's title and sheet-free properties);
    the export is audited (SESSION holds the audit entry; the figures come from DUCKDB_FILE)."""
    if fmt not in ("csv", "xlsx"):
        raise StatisticsError(f"形式 {fmt} は出力できません(csv / xlsx)", f"unknown format {fmt}")
    frame = export_frame(duckdb_file, query)
    build = queries.build_time(duckdb_file)
    as_of = queries.as_of_text(build)
    title = (
        f"{MEASURES[query.measure]}({DIMENSIONS[query.dimension]}別、{query.since}〜{query.until}) {as_of}"
    )
    data = spreadsheet(frame, fmt, title, f"{as_of} 5未満は「{SUPPRESSED}」(秘匿)")
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
    return export_name(query, build, fmt), data
