"""The SLA report's charts as Plotly figures: the same series as the PDF's (reports/charts.py), drawn from the
same SlaReport (core.services.sla), nothing computed again."""

from __future__ import annotations

from collections import defaultdict

from console.figures import DAY_AXIS, GRID, Fig, style
from core.domain.sla import DayAvailability, DayRequests, SlaReport
from reports.charts import COLOURS, LABELS

DAYS = {**DAY_AXIS, "dtick": 86_400_000}  # one tick a day (Plotly would add hours between two days)
TARGET_LINE = {"color": "#c00000", "width": 1.5, "dash": "dash"}


def _target(fig: Fig, days: list[str], value: float, name: str) -> None:
    """The target as a dashed line across the month (a trace, so it is named in the legend)."""
    if days:
        fig.add_scatter(x=[days[0], days[-1]], y=[value, value], mode="lines", name=name, line=TARGET_LINE)


def _series(days: tuple[DayAvailability, ...], key: str) -> tuple[list[str], list[float]]:
    present = [d for d in days if getattr(d, key) is not None]
    return [d.day.isoformat() for d in present], [round(getattr(d, key), 3) for d in present]


def availability(result: SlaReport) -> Fig:
    """Each day's サービス稼働率 of the site and the console, with the target as a line."""
    fig = Fig()
    for key in ("site", "console"):
        x, y = _series(result.days, key)
        fig.add_bar(x=x, y=y, name=LABELS[key], marker_color=COLOURS[key], hovertemplate="%{x}: %{y:.3f}%")
    target = result.policy.availability_target
    _target(fig, [d.day.isoformat() for d in result.days], target, f"目標 {target:g}%")
    values = [v for d in result.days for v in (d.site, d.console) if v is not None]
    floor = min([*values, target, 100.0])
    style(fig, "日別サービス稼働率(%) / availability per day", height=340)
    fig.update_layout(
        barmode="group",
        xaxis={**DAYS, **GRID},
        yaxis={**GRID, "range": [max(0.0, floor - (100 - floor) * 0.3 - 0.1), 100.05], "ticksuffix": "%"},
    )
    return fig


def _by_app(rows: tuple[DayRequests, ...]) -> dict[str, list[DayRequests]]:
    by_app: dict[str, list[DayRequests]] = defaultdict(list)
    for row in rows:
        by_app[row.app].append(row)
    return by_app


def response_share(result: SlaReport) -> Fig:
    """Each day's share of requests answered within the limit, per app, with the target as a line."""
    rows = result.requests or ()
    limit = result.policy.response_limit_ms / 1000
    fig = Fig()
    for app, items in _by_app(rows).items():
        fig.add_scatter(
            x=[r.day.isoformat() for r in items],
            y=[round(r.within_3s / r.requests * 100, 3) if r.requests else None for r in items],
            mode="lines+markers",
            name=LABELS.get(app, app),
            line={"color": COLOURS.get(app, "#444444")},
        )
    days = sorted({r.day.isoformat() for r in rows})
    _target(fig, days, result.policy.response_target, f"目標 {result.policy.response_target:g}%")
    style(fig, f"日別 {limit:g}秒以内の割合(%) / answered within {limit:g} s", height=300)
    fig.update_layout(xaxis={**DAYS, **GRID}, yaxis={**GRID, "ticksuffix": "%"})
    return fig


def response_times(result: SlaReport) -> Fig:
    """Each day's slowest and mean response per app, with the limit as a line."""
    rows = result.requests or ()
    fig = Fig()
    for app, items in _by_app(rows).items():
        x, colour, label = (
            [r.day.isoformat() for r in items],
            COLOURS.get(app, "#444444"),
            LABELS.get(app, app),
        )
        fig.add_scatter(
            x=x,
            y=[r.max_ms for r in items],
            mode="lines+markers",
            name=f"{label} 最大",
            line={"color": colour},
        )
        fig.add_scatter(
            x=x,
            y=[round(r.total_ms / r.requests) if r.requests else None for r in items],
            mode="lines+markers",
            name=f"{label} 平均",
            line={"color": colour, "dash": "dot"},
        )
    days = sorted({r.day.isoformat() for r in rows})
    limit = result.policy.response_limit_ms
    _target(fig, days, limit, f"基準 {limit / 1000:g}秒")
    style(fig, "日別応答時間(ミリ秒、最大・平均) / response time per day (ms)", height=300)
    fig.update_layout(xaxis={**DAYS, **GRID}, yaxis={**GRID, "rangemode": "tozero"})
    return fig
