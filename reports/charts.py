"""The SLA report's charts as PNG (matplotlib, Agg, the bundled IPAex Gothic): 日別稼働率 and 日別応答."""

from __future__ import annotations

import io
from collections import defaultdict
from functools import lru_cache

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from core.domain.sla import DayAvailability, DayRequests, SlaPolicy
from reports.pdf import GOTHIC

COLOURS = {"site": "#1f5fa8", "console": "#d9822b"}
LABELS = {"site": "予約サイト", "console": "窓口コンソール"}


@lru_cache(maxsize=1)
def _font() -> str:
    font_manager.fontManager.addfont(str(GOTHIC))
    return font_manager.FontProperties(fname=str(GOTHIC)).get_name()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()


def _axes(title: str, height: float = 2.6) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(7.2, height))  # no pyplot: no global figure state in a server process
    axes = figure.subplots()
    axes.set_title(title, fontsize=10, loc="left", pad=14)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.tick_params(labelsize=7)
    return figure, axes


def availability_chart(days: tuple[DayAvailability, ...], policy: SlaPolicy) -> bytes:
    """Each day's 稼働率 of the site and the console, with the target as a line."""
    with rc_context({"font.family": _font()}):  # text takes its font when it is made
        return _availability(days, policy)


def _availability(days: tuple[DayAvailability, ...], policy: SlaPolicy) -> bytes:
    figure, axes = _axes("日別サービス稼働率(%)")
    numbers = [d.day.day for d in days]
    values = [v for d in days for v in (d.site, d.console) if v is not None]
    floor = min([*values, policy.availability_target, 100.0])
    for offset, key in ((-0.2, "site"), (0.2, "console")):
        xs = [n + offset for n, d in zip(numbers, days, strict=True) if getattr(d, key) is not None]
        ys = [getattr(d, key) for d in days if getattr(d, key) is not None]
        axes.bar(xs, ys, width=0.4, color=COLOURS[key], label=LABELS[key])
    axes.axhline(
        policy.availability_target,
        color="#c00000",
        linewidth=0.8,
        linestyle="--",
        label=f"目標 {policy.availability_target:g}%",
    )
    axes.set_ylim(max(0.0, floor - (100 - floor) * 0.3 - 0.1), 100.05)
    axes.set_xticks(numbers)
    axes.set_xlabel("日", fontsize=8)
    axes.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
    return _png(figure)


def response_chart(rows: tuple[DayRequests, ...], policy: SlaPolicy) -> bytes:
    """Each day's share of requests answered within 3 s per app, and the day's slowest request."""
    with rc_context({"font.family": _font()}):
        return _response(rows, policy)


def _response(rows: tuple[DayRequests, ...], policy: SlaPolicy) -> bytes:
    figure = Figure(figsize=(7.2, 3.6))
    share, slowest = figure.subplots(2, 1, sharex=True)
    by_app: dict[str, list[DayRequests]] = defaultdict(list)
    for row in rows:
        by_app[row.app].append(row)
    limit = policy.response_limit_ms / 1000
    share.set_title(pad=14, label=f"日別 {limit:g}秒以内の割合(%)・最大応答時間", fontsize=10, loc="left")
    for app, items in by_app.items():
        days = [r.day.day for r in items]
        share.plot(
            days,
            [r.within_3s / r.requests * 100 if r.requests else None for r in items],
            marker="o",
            markersize=3,
            color=COLOURS.get(app, "#444444"),
            label=LABELS.get(app, app),
        )
        slowest.plot(
            days, [r.max_ms for r in items], marker="s", markersize=3, color=COLOURS.get(app, "#444")
        )
    share.axhline(
        policy.response_target,
        color="#c00000",
        linewidth=0.8,
        linestyle="--",
        label=f"目標 {policy.response_target:g}%",
    )
    slowest.axhline(policy.response_limit_ms, color="#c00000", linewidth=0.8, linestyle=":")
    slowest.set_ylabel("最大(ミリ秒)", fontsize=7)
    for axes in (share, slowest):
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.tick_params(labelsize=7)
    share.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
    slowest.set_xticks(sorted({r.day.day for r in rows}))
    slowest.set_xlabel("日", fontsize=8)
    return _png(figure)
