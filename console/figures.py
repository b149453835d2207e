"""DataFrame/result → Plotly figure; every chart downloads as PNG from its modebar (works offline)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import plotly.graph_objects as go

from core.services.forecast import Forecast

FONT = "Noto Sans CJK JP, Yu Gothic UI, Meiryo, sans-serif"


def graph_config(filename: str) -> Any:
    """Modebar with a PNG download named FILENAME (no Plotly logo, no cloud links)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title=title,
        font={"family": FONT},
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        template="plotly_white",
        height=360,
    )
    return fig


def expiry_waves(result: Forecast) -> go.Figure:
    """Monthly card and certificate expiries with the 有効期限通知書 wave."""
    months = [r.month for r in result.rows]
    fig = go.Figure()
    fig.add_bar(x=months, y=[r.card_expiries for r in result.rows], name="カード有効期限")
    fig.add_bar(x=months, y=[r.certificate_expiries for r in result.rows], name="電子証明書有効期限")
    fig.add_scatter(
        x=months, y=[r.notices for r in result.rows], name="有効期限通知書(J-LIS発送)", mode="lines"
    )
    fig.update_layout(barmode="stack", xaxis={"rangeslider": {"visible": True}})
    return _layout(fig, "有効期限の波 / expiry waves")


def demand_vs_capacity(result: Forecast) -> go.Figure:
    """Forecast visits against the configured counter capacity; months over capacity in red."""
    months = [r.month for r in result.rows]
    colours = ["#dc3545" if r.gap > 0 else "#0d6efd" for r in result.rows]
    fig = go.Figure()
    fig.add_bar(x=months, y=[round(r.demand) for r in result.rows], name="来庁見込み", marker_color=colours)
    fig.add_scatter(
        x=months,
        y=[r.capacity for r in result.rows],
        name="窓口処理能力",
        mode="lines",
        line={"color": "#198754", "width": 3},
    )
    return _layout(fig, "来庁見込みと処理能力 / demand vs capacity")


def breakdown(counts: Counter[tuple[date, str]], groups: list[str], title: str) -> go.Figure:
    """Expiries per month stacked by district or age band."""
    months = sorted({m for m, _ in counts})
    fig = go.Figure()
    for group in groups:
        values = [counts.get((m, group), 0) for m in months]
        if any(values):
            fig.add_bar(x=months, y=values, name=group)
    fig.update_layout(barmode="stack")
    return _layout(fig, title)


def waiting_cards(waiting: dict[str, dict[str, int]]) -> go.Figure:
    """Cards waiting at the city, by state and how old their notice is."""
    from core.domain.cards import CardState
    from core.services.overview import NOTICE_AGE_BANDS

    states = [s for s in CardState if s.value in waiting]
    fig = go.Figure()
    for label in ["通知前", *[b[2] for b in NOTICE_AGE_BANDS]]:
        fig.add_bar(
            x=[s.label_ja for s in states], y=[waiting[s.value].get(label, 0) for s in states], name=label
        )
    fig.update_layout(barmode="stack")
    return _layout(fig, "市で保管中のカード(状態・通知からの日数)")


def venue_load(loads: list[Any], title: str) -> go.Figure:
    """Bookings against capacity per venue."""
    names = [v.venue for v in loads]
    fig = go.Figure()
    fig.add_bar(x=names, y=[v.capacity for v in loads], name="予約枠", marker_color="#ced4da")
    fig.add_bar(x=names, y=[v.booked for v in loads], name="予約", marker_color="#0d6efd")
    fig.add_bar(x=names, y=[v.no_shows for v in loads], name="無断キャンセル", marker_color="#dc3545")
    fig.update_layout(barmode="group")
    return _layout(fig, title)


def issued_per_day(points: list[tuple[date, int]]) -> go.Figure:
    """Cards handed over per day."""
    fig = go.Figure()
    fig.add_scatter(x=[d for d, _ in points], y=[n for _, n in points], mode="lines+markers", name="交付数")
    return _layout(fig, "日別交付数(30日) / cards issued per day")
