"""Overview dashboard (管理職), refreshing every few seconds. Live from the database (データ時点: 現在):
today's and this week's bookings vs capacity, check-ins, no-shows, today's handovers, the blocked-card alerts.
From the analytics build (read-only, its time shown as データ時点): the cards waiting at the city and the
issuance history before the build's 基準日 (the days since are added live)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from console import components as c
from console import context, figures, ids
from console.access import AccessRegistry, Page
from console.backup_panel import backup_panel
from core.analytics.marts import current_duckdb
from core.analytics.queries import AnalyticsMissing
from core.domain.roles import Role
from core.services import overview

ROLES = frozenset({Role.MANAGER})
LIVE = "データ時点: 現在 / live"


def _kpi(
    label: str, value: int | str, colour: str = "primary", kpi_id: str | None = None, source: str = LIVE
) -> dbc.Col:
    body = dbc.CardBody(
        [
            html.Div(label, className="small text-muted"),
            html.Div(f"{value:,}" if isinstance(value, int) else value, className=f"display-6 text-{colour}"),
            html.Div(source, className="md-as-of small text-muted"),
        ]
    )
    return dbc.Col(dbc.Card(body, className="md-kpi", id=kpi_id or f"kpi-{label}"), md=2)


def _as_of(built: Any) -> str:
    return f"データ時点: 分析データ {c.fmt(built)} 作成" if built else "データ時点: 分析データ"


def _caption(text: str, caption_id: str | None = None) -> html.Small:
    if caption_id:
        return html.Small(text, className="text-muted", id=caption_id)
    return html.Small(text, className="text-muted")


def layout(**_: Any) -> Any:
    """KPI cards, charts and alerts; a timer refreshes them."""
    seconds = context.context().options.refresh_seconds
    return html.Div(
        [
            dcc.Interval(id=ids.OV_TIMER, interval=seconds * 1000),
            backup_panel(),
            html.Small(f"{seconds}秒ごとに自動更新 / refreshes every {seconds} s", className="text-muted"),
            dbc.Row(id=ids.OV_KPIS, className="g-2 my-2"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dcc.Graph(id=ids.OV_WAITING, config=figures.graph_config("waiting-cards")),
                            _caption("", ids.OV_WAITING_AS_OF),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            dcc.Graph(id=ids.OV_ISSUED, config=figures.graph_config("issued-per-day")),
                            _caption("", ids.OV_ISSUED_AS_OF),
                        ],
                        lg=6,
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dcc.Graph(id=ids.OV_TODAY, config=figures.graph_config("bookings-today")),
                            _caption(LIVE),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            dcc.Graph(id=ids.OV_WEEK, config=figures.graph_config("bookings-week")),
                            _caption(LIVE),
                        ],
                        lg=6,
                    ),
                ]
            ),
            html.H2("住民記録の取込みからの警告 / alerts from the last register load", className="h5 mt-3"),
            html.Div(id=ids.OV_ALERTS),
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
                table_id=ids.OV_BLOCKED,
            ),
        ]
    )


def _waiting_kpis(data: overview.Overview, missing: bool) -> list[Any]:
    if missing:
        return [dbc.Col(c.no_analytics(ids.OV_NO_ANALYTICS), md=6)]
    waiting = sum(sum(bands.values()) for bands in data.waiting.values())
    source = _as_of(data.waiting_as_of)
    return [
        _kpi("保管中のカード", waiting, kpi_id=ids.KPI_WAITING, source=source),
        _kpi("通知から90日超(再通知待ち)", data.reminders_due, "warning", "kpi-reminders", source),
        _kpi("未交付廃棄の対象", data.disposal_due, "danger", "kpi-disposal", source),
    ]


def _with_marts(session: Any, data: overview.Overview, today: Any) -> bool:
    """Fill the waiting cards and the issuance history from the analytics build; False when there is none."""
    marts = current_duckdb(context.context().settings.data_dir)
    try:
        waiting = overview.mart_waiting(marts)
        data.issued_per_day, data.issued_as_of = overview.mart_issued_per_day(session, marts, today)
    except AnalyticsMissing:
        data.issued_per_day = overview.issued_per_day(session, today)  # the chart stays, all live
        return False
    data.waiting, data.reminders_due, data.disposal_due = (
        waiting.waiting,
        waiting.reminders_due,
        waiting.disposal_due,
    )
    data.waiting_as_of = waiting.built_at
    return True


def _live_kpis(data: overview.Overview) -> list[Any]:
    booked = sum(v.booked for v in data.today)
    cap = sum(v.capacity for v in data.today)
    return [
        _kpi("本日の予約/枠", f"{booked:,}/{cap:,}", kpi_id=ids.KPI_TODAY),
        _kpi("本日の受付済", sum(v.checked_in for v in data.today), "success", "kpi-checked-in"),
        _kpi("本日の交付", data.issued_today, "success", "kpi-issued-today"),
        _kpi("今週の無断キャンセル", sum(v.no_shows for v in data.week), "danger", "kpi-noshow"),
        _kpi("交付停止(住民記録)", data.blocked, "danger", "kpi-blocked"),
    ]


def refresh(_n: int | None) -> tuple[Any, ...]:
    """Recompute the overview: live figures from the database, history from the marts."""
    today = context.today()
    with context.unit_of_work() as s:
        data = overview.build_overview(s, today, live_waiting=False, live_history=False)
        missing = not _with_marts(s, data, today)
    issued_source = (
        f"{_as_of(data.issued_as_of)}(基準日より前)、基準日以降は現在値 / history from the analytics build,"
        " recent days live"
        if not missing
        else LIVE
    )
    return (
        [*_waiting_kpis(data, missing), *_live_kpis(data)],
        figures.waiting_cards(data.waiting),
        figures.venue_load(data.today, "本日の予約と枠 / today"),
        figures.venue_load(data.week, "今週の予約と枠 / this week"),
        figures.issued_per_day(data.issued_per_day, today),
        _alerts(data),
        "" if missing else f"{_as_of(data.waiting_as_of)} / waiting cards as of the analytics build",
        issued_source,
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the overview page and its refreshing callback."""
    registry.page(Page("/overview", "概況", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.OV_KPIS, "children"),
        Output(ids.OV_WAITING, "figure"),
        Output(ids.OV_TODAY, "figure"),
        Output(ids.OV_WEEK, "figure"),
        Output(ids.OV_ISSUED, "figure"),
        Output(ids.OV_ALERTS, "children"),
        Output(ids.OV_WAITING_AS_OF, "children"),
        Output(ids.OV_ISSUED_AS_OF, "children"),
        Input(ids.OV_TIMER, "n_intervals"),
    )(refresh)
