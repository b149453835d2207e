"""Statistics for analysts: counts by period and one dimension, aggregates only, small cells suppressed."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pandas as pd
from sqlalchemy import Date, Select, cast, func, literal, select
from sqlalchemy.orm import Session

from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.cards import Card, CardEvent
from core.db.models.register import Resident
from core.domain.errors import DomainError
from core.services.audit import Actor, record
from core.services.forecast import band_sql, district_sql, positions

JST = timezone(timedelta(hours=9))
MIN_CELL = 5  # cells under this are suppressed (秘匿) in every table and export
SUPPRESSED = "<5"
MEASURES = {"issued": "交付数", "booked": "予約数", "no_show": "無断キャンセル", "renewed": "更新数"}
DIMENSIONS = {"none": "合計", "district": "地区", "age": "年齢", "procedure": "手続", "venue": "会場"}
CARD_DIMENSIONS = ("none", "district", "age")
BOOKING_DIMENSIONS = ("none", "procedure", "venue")
PERIODS = {"month": "月", "week": "週", "day": "日"}


class StatisticsError(DomainError):
    """An impossible combination of measure and dimension."""


@dataclass(frozen=True)
class StatsQuery:
    """What the analyst asked for (dates in Japan, inclusive)."""

    measure: str
    dimension: str
    period: str
    since: date
    until: date


def _bounds(query: StatsQuery) -> tuple[datetime, datetime]:
    return (
        datetime.combine(query.since, time(0), JST),
        datetime.combine(query.until + timedelta(days=1), time(0), JST),
    )


def _period(column: Any, period: str) -> Any:
    return cast(func.date_trunc(period, func.timezone("Asia/Tokyo", column)), Date)


def _card_select(query: StatsQuery, at: Any, extra: list[Any]) -> Select[Any]:
    dimension: Any = literal("合計")
    if query.dimension == "district":
        dimension = district_sql()
    elif query.dimension == "age":
        dimension = band_sql(query.until)
    start, end = _bounds(query)
    return (
        select(_period(at, query.period), dimension, func.count())
        .join(Resident, Resident.atena_no == Card.holder_atena_no, isouter=True)
        .where(at >= start, at < end, *extra)
        .group_by(*positions(2))
    )


def _booking_select(query: StatsQuery, extra: list[Any]) -> Select[Any]:
    dimension: Any = {"procedure": Procedure.name_ja, "venue": Venue.name_ja}.get(
        query.dimension, literal("合計")
    )
    start, end = _bounds(query)
    return (
        select(_period(Slot.starts_at, query.period), dimension, func.count())
        .select_from(Reservation)
        .join(Slot, Slot.id == Reservation.slot_id)
        .join(Venue, Venue.id == Slot.venue_id)
        .join(Procedure, Procedure.id == Reservation.procedure_id)
        .where(Slot.starts_at >= start, Slot.starts_at < end, *extra)
        .group_by(*positions(2))
    )


def _statement(query: StatsQuery) -> Select[Any]:
    if query.measure in ("issued", "renewed") and query.dimension not in CARD_DIMENSIONS:
        raise StatisticsError(
            f"{MEASURES[query.measure]}は地区・年齢別で集計できます(手続・会場別はできません)",
            "card measures break down by district or age only",
        )
    if query.measure in ("booked", "no_show") and query.dimension not in BOOKING_DIMENSIONS:
        raise StatisticsError(
            f"{MEASURES[query.measure]}は手続・会場別で集計できます(地区・年齢別はできません)",
            "booking measures break down by procedure or venue only",
        )
    if query.measure == "issued":
        return _card_select(query, Card.handed_over_at, []).select_from(Card)
    if query.measure == "renewed":
        return (
            _card_select(
                query, CardEvent.at, [CardEvent.to_state == "revoked", CardEvent.reason.like("更新%")]
            )
            .select_from(CardEvent)
            .join(Card, Card.id == CardEvent.card_id)
        )
    if query.measure == "booked":
        return _booking_select(query, [Reservation.status != "cancelled"])
    return _booking_select(query, [Reservation.status == "no_show"])


def table(session: Session, query: StatsQuery) -> pd.DataFrame:
    """Counts as a period × dimension table (raw, before suppression)."""
    if query.until < query.since:
        raise StatisticsError("期間の終わりが始まりより前です", "the period ends before it starts")
    rows = session.execute(_statement(query)).all()
    frame = pd.DataFrame(rows, columns=["period", "group", "count"])
    if frame.empty:
        return pd.DataFrame()
    pivot = frame.pivot_table(index="period", columns="group", values="count", aggfunc="sum", fill_value=0)
    pivot.index = [p.isoformat() for p in pivot.index]
    pivot.index.name = PERIODS[query.period]
    return pivot.astype(int)


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells from 1 to MIN_CELL − 1 become '<5' (zeros stay: they reveal no one)."""
    return frame.apply(lambda col: col.map(lambda v: SUPPRESSED if 0 < v < MIN_CELL else int(v))).astype(
        object
    )


def export(session: Session, query: StatsQuery, fmt: str, actor: Actor) -> bytes:
    """The suppressed table as CSV (UTF-8 with BOM) or XLSX; the export is audited."""
    frame = suppress(table(session, query))
    title = f"{MEASURES[query.measure]}({DIMENSIONS[query.dimension]}別、{query.since}〜{query.until})"
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
        },
    )
    return data
