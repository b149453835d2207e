"""Overview dashboard (管理職), refreshing every few seconds: bookings, issuance and alerts live from the
database; the cards waiting at the city from the analytics build (read-only, its time shown)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from console import components as c
from console import context, figures
from console.access import AccessRegistry, Page
from core.analytics.marts import current_duckdb
from core.analytics.queries import AnalyticsMissing
from core.domain.roles import Role
from core.services import overview

ROLES = frozenset({Role.MANAGER})
TIMER, KPIS, WAITING, TODAY, WEEK, ISSUED, ALERTS = (
    "ov-timer",
    "ov-kpis",
    "ov-waiting",
    "ov-today",
    "ov-week",
    "ov-issued",
    "ov-alerts",
)


def _kpi(label: str, value: int | str, colour: str = "primary", kpi_id: str | None = None) -> dbc.Col:
    body = dbc.CardBody(
        [
            html.Div(label, className="small text-muted"),
            html.Div(f"{value:,}" if isinstance(value, int) else value, className=f"display-6 text-{colour}"),
        ]
    )
    return dbc.Col(dbc.Card(body, className="md-kpi", id=kpi_id or f"kpi-{label}"), md=2)


def layout(**_: Any) -> Any:
    """KPI cards, charts and alerts; a timer refreshes them."""
    seconds = context.context().options.refresh_seconds
    return html.Div(
        [
            dcc.Interval(id=TIMER, interval=seconds * 1000),
            html.Small(f"{seconds}秒ごとに自動更新 / refreshes every {seconds} s", className="text-muted"),
            dbc.Row(id=KPIS, className="g-2 my-2"),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id=WAITING, config=figures.graph_config("waiting-cards")), lg=6),
                    dbc.Col(dcc.Graph(id=ISSUED, config=figures.graph_config("issued-per-day")), lg=6),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id=TODAY, config=figures.graph_config("bookings-today")), lg=6),
                    dbc.Col(dcc.Graph(id=WEEK, config=figures.graph_config("bookings-week")), lg=6),
                ]
            ),
            html.H3("住民記録の取込みからの警告 / alerts from the last register load", className="h5"),
            html.Div(id=ALERTS),
        ]
    )


def _alerts(data: overview.Overview) -> Any:
    load = data.last_load
    head = (
        html.P(
            f"最終取込み: {load.file_name}({c.fmt(load.loaded_at)}、{load.status}、{load.record_count:,}件)"
        )
        if load
        else html.P("住民記録はまだ取り込まれていません / no register load yet", className="text-muted")
    )
    if not data.blocked_reasons:
        return html.Div([head, dbc.Alert("交付を止めているカードはありません", color="success")])
    return html.Div(
        [
            head,
            c.table(
                ["交付停止の理由", "枚数"],
                data.blocked_reasons,
                lambda r: [r[0], f"{r[1]:,}"],
                table_id="ov-blocked",
            ),
        ]
    )


def _waiting_kpis(data: overview.Overview, missing: bool) -> list[Any]:
    if missing:
        return [dbc.Col(c.no_analytics("ov-no-analytics"), md=6)]
    waiting = sum(sum(bands.values()) for bands in data.waiting.values())
    return [
        _kpi("保管中のカード", waiting, kpi_id="kpi-waiting"),
        _kpi("通知から90日超(再通知待ち)", data.reminders_due, "warning", "kpi-reminders"),
        _kpi("未交付廃棄の対象", data.disposal_due, "danger", "kpi-disposal"),
    ]


def _with_marts(data: overview.Overview) -> bool:
    """Fill the waiting-card figures from the analytics build; False when there is none."""
    try:
        figures_ = overview.mart_waiting(current_duckdb(context.context().settings.data_dir))
    except AnalyticsMissing:
        return False
    data.waiting, data.reminders_due, data.disposal_due = (
        figures_.waiting,
        figures_.reminders_due,
        figures_.disposal_due,
    )
    data.waiting_as_of = figures_.built_at
    return True


def refresh(_n: int | None) -> tuple[Any, ...]:
    """Recompute the overview."""
    today = context.today()
    with context.unit_of_work() as s:
        data = overview.build_overview(s, today, live_waiting=False)
    missing = not _with_marts(data)
    booked = sum(v.booked for v in data.today)
    cap = sum(v.capacity for v in data.today)
    kpis = [
        *_waiting_kpis(data, missing),
        _kpi("本日の予約/枠", f"{booked:,}/{cap:,}", kpi_id="kpi-today"),
        _kpi("今週の無断キャンセル", sum(v.no_shows for v in data.week), "danger", "kpi-noshow"),
        _kpi("交付停止(住民記録)", data.blocked, "danger", "kpi-blocked"),
    ]
    if data.waiting_as_of is not None:
        kpis.append(
            dbc.Col(
                html.Small(
                    f"保管中・再通知・廃棄の件数は分析データ({c.fmt(data.waiting_as_of)} 作成)から"
                    " / waiting cards as of the analytics build",
                    className="text-muted",
                    id="ov-analytics-as-of",
                ),
                md=12,
            )
        )
    return (
        kpis,
        figures.waiting_cards(data.waiting),
        figures.venue_load(data.today, "本日の予約と枠 / today"),
        figures.venue_load(data.week, "今週の予約と枠 / this week"),
        figures.issued_per_day(data.issued_per_day),
        _alerts(data),
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the overview page and its refreshing callback."""
    registry.page(Page("/overview", "概況", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(KPIS, "children"),
        Output(WAITING, "figure"),
        Output(TODAY, "figure"),
        Output(WEEK, "figure"),
        Output(ISSUED, "figure"),
        Output(ALERTS, "children"),
        Input(TIMER, "n_intervals"),
    )(refresh)
