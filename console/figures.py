"""DataFrame/result → Plotly figure; every chart downloads as PNG from its modebar (works offline)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from core.services.forecast import Forecast

FONT = "Noto Sans CJK JP, Yu Gothic UI, Meiryo, sans-serif"


def graph_config(filename: str) -> Any:
    """Modebar with a PNG download named FILENAME (no Plotly logo, no cloud links)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


class Fig(dict[str, Any]):
    """A Plotly figure as a plain dict: the few go.Figure calls the pages use, without its validation.

    Kept because measured (issue 14): a four-trace, 60-point chart like the forecast's takes 11.5 ms to build
    and serialise with go.Figure and under 0.01 ms as this dict (50 builds each, plotly 7.1, the shared
    2-core machine). The overview and forecast callbacks draw several charts each, so go.Figure would add
    tens of ms of GIL-bound work per callback beside a page floor of 173 ms p50 (docs/bench/
    console-browser-after.txt). Dash sends both the same JSON to the browser."""

    def __init__(self) -> None:
        super().__init__(data=[], layout={})

    def _add(self, kind: str, trace: dict[str, Any]) -> None:
        colour = trace.pop("marker_color", None)  # go.Figure's "magic underscore" spelling
        if colour is not None:
            trace["marker"] = {**trace.get("marker", {}), "color": colour}
        self["data"].append({"type": kind, **trace})

    def add_bar(self, **trace: Any) -> None:
        """Add a bar trace."""
        self._add("bar", trace)

    def add_scatter(self, **trace: Any) -> None:
        """Add a line/marker trace."""
        self._add("scatter", trace)

    def update_layout(self, **layout: Any) -> None:
        """Merge layout settings."""
        self["layout"].update(layout)


def blank() -> Fig:
    """No chart to draw (no build, no data, a refused choice): no empty axes on the page."""
    fig = Fig()
    fig.update_layout(
        xaxis={"visible": False}, yaxis={"visible": False}, height=40, margin={"l": 0, "r": 0, "t": 0, "b": 0}
    )
    return fig


GRID = {"gridcolor": "#e9ecef", "zerolinecolor": "#dee2e6"}


# The legend sits in a row of its own above the plot, under the title: below the plot it covered the x-axis
# labels (and the forecast's range slider).
LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def style(fig: Fig, title: str, height: int = 360) -> Fig:
    """The house style: white, Japanese font, title and legend above the plot."""
    fig.update_layout(
        title={"text": title, "y": 0.98, "yanchor": "top", "x": 0.01, "xanchor": "left"},
        font={"family": FONT},
        margin={"l": 50, "r": 20, "t": 90, "b": 40},
        legend=LEGEND,
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=height,
        yaxis=GRID,
    )
    fig["layout"].setdefault("xaxis", {}).update(GRID)
    return fig


# Date ticks the Japanese way (Plotly's default names the months in English: "Nov 1").
MONTH_AXIS = {"type": "date", "tickformat": "%Y年%-m月", "hoverformat": "%Y年%-m月"}
DAY_AXIS = {"type": "date", "tickformat": "%-m/%-d", "hoverformat": "%Y年%-m月%-d日"}


def _iso(days: list[date]) -> list[str]:
    """Dates as ISO strings (Plotly's JSON encoder converts date objects one by one, slowly)."""
    return [d.isoformat() for d in days]


def expiry_waves(result: Forecast) -> Fig:
    """Monthly card and certificate expiries with the 有効期限通知書 wave."""
    months = _iso([r.month for r in result.rows])
    fig = Fig()
    fig.add_bar(x=months, y=[r.card_expiries for r in result.rows], name="カード有効期限")
    fig.add_bar(x=months, y=[r.certificate_expiries for r in result.rows], name="電子証明書有効期限")
    fig.add_scatter(
        x=months, y=[r.notices for r in result.rows], name="有効期限通知書(J-LIS発送)", mode="lines"
    )
    fig.update_layout(barmode="stack", xaxis={"rangeslider": {"visible": True}, **MONTH_AXIS})
    return style(fig, "有効期限の波 / expiry waves")


def demand_vs_capacity(result: Forecast) -> Fig:
    """Forecast visits against the configured counter capacity; months over capacity in red."""
    months = _iso([r.month for r in result.rows])
    colours = ["#dc3545" if r.gap > 0 else "#0d6efd" for r in result.rows]
    fig = Fig()
    fig.add_bar(x=months, y=[round(r.demand) for r in result.rows], name="来庁見込み", marker_color=colours)
    fig.add_scatter(
        x=months,
        y=[r.capacity for r in result.rows],
        name="窓口処理能力",
        mode="lines",
        line={"color": "#198754", "width": 3},
    )
    fig.update_layout(xaxis={**MONTH_AXIS})
    return style(fig, "来庁見込みと処理能力 / demand vs capacity")


def breakdown(counts: Counter[tuple[date, str]], groups: list[str], title: str) -> Fig:
    """Expiries per month stacked by district or age band."""
    months = sorted({m for m, _ in counts})
    x = _iso(months)
    fig = Fig()
    for group in groups:
        values = [counts.get((m, group), 0) for m in months]
        if any(values):
            fig.add_bar(x=x, y=values, name=group)
    fig.update_layout(barmode="stack", xaxis={**MONTH_AXIS})
    return style(fig, title)


def waiting_cards(waiting: dict[str, dict[str, int]]) -> Fig:
    """Cards waiting at the city, by state and how old their notice is."""
    from core.domain.cards import CardState
    from core.services.overview import NOTICE_AGE_BANDS

    states = [s for s in CardState if s.value in waiting]
    fig = Fig()
    for label in ["通知前", *[b[2] for b in NOTICE_AGE_BANDS]]:
        fig.add_bar(
            x=[s.label_ja for s in states], y=[waiting[s.value].get(label, 0) for s in states], name=label
        )
    fig.update_layout(barmode="stack")
    return style(fig, "市で保管中のカード(状態・通知からの日数)")


def venue_load(loads: list[Any], title: str) -> Fig:
    """Bookings against capacity per venue."""
    names = [v.venue for v in loads]
    fig = Fig()
    fig.add_bar(x=names, y=[v.capacity for v in loads], name="予約枠", marker_color="#ced4da")
    fig.add_bar(x=names, y=[v.booked for v in loads], name="予約", marker_color="#0d6efd")
    fig.add_bar(x=names, y=[v.checked_in for v in loads], name="受付済", marker_color="#198754")
    fig.add_bar(x=names, y=[v.no_shows for v in loads], name="無断キャンセル", marker_color="#dc3545")
    fig.update_layout(barmode="group")
    return style(fig, title)


def issued_per_day(points: list[tuple[date, int]], today: date | None = None) -> Fig:
    """Cards handed over per day; TODAY's count (still growing) is a dashed segment of its own."""
    done = [(d, n) for d, n in points if d != today]
    fig = Fig()
    fig.add_scatter(x=_iso([d for d, _ in done]), y=[n for _, n in done], mode="lines+markers", name="交付数")
    if today is not None and points and points[-1][0] == today:
        fig.add_scatter(
            x=_iso([d for d, _ in points[-2:]]),
            y=[n for _, n in points[-2:]],
            mode="lines+markers",
            name=f"集計中（{today.month}月{today.day}日）",
            line={"dash": "dash", "color": "#6c757d"},
            marker={"symbol": "circle-open", "color": "#6c757d"},
        )
    fig.update_layout(xaxis={**DAY_AXIS})
    return style(fig, "日別交付数(30日) / cards issued per day")


PARTIAL_PATTERN = "/"  # hatched bars: a period the figures cover only in part


def period_bars(frame: Any, spans: dict[str, Any], title: str, floor: int) -> Fig:
    """Stacked bars per period (index: period labels) and group (columns); cells under FLOOR drawn as 0;
    partial periods hatched and lighter, named in the legend (集計中（12月1日〜4日）)."""
    labels = [str(label) for label in frame.index]
    partial = [spans[label].partial for label in labels]
    fig = Fig()
    for column in frame.columns:
        fig.add_bar(
            x=labels,
            y=[int(v) if v >= floor else 0 for v in frame[column]],
            name=str(column),
            marker={
                "pattern": {"shape": [PARTIAL_PATTERN if p else "" for p in partial], "solidity": 0.45},
                "opacity": [0.55 if p else 1.0 for p in partial],
            },
        )
    for label in [label for label, p in zip(labels, partial, strict=True) if p]:
        fig.add_bar(  # a legend entry for each partial period (a bar of height 0 on its own category)
            x=[label],
            y=[0],
            name=spans[label].note,
            marker={"color": "#adb5bd", "pattern": {"shape": PARTIAL_PATTERN, "solidity": 0.45}},
            hoverinfo="skip",
        )
    style(fig, title)
    fig.update_layout(barmode="stack", xaxis={"type": "category", **GRID})
    return fig
