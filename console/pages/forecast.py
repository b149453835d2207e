"""Expiry waves and forecast (管理職): 36 months or 10 years, by district and age band, demand vs capacity."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from console import components as c
from console import context, figures, ids
from console.access import AccessRegistry, Page
from core.analytics import queries
from core.analytics.marts import current_duckdb
from core.analytics.queries import AnalyticsMissing
from core.domain.capacity import SHORTFALL_MIN_VISITS
from core.domain.roles import Role
from core.services import capacity, forecast
from core.services.forecast import DemandModel

ROLES = frozenset({Role.MANAGER})


def _missing() -> tuple[Any, ...]:
    """The page without an analytics build: say what to run, leave the charts empty."""
    return c.no_analytics(ids.FC_NO_ANALYTICS), {}, {}, {}, None


def _control(label: str, component: Any, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=component.id, className="small fw-bold"), component], md=width)


def layout(**_: Any) -> Any:
    """Controls on top, charts and the months over capacity below."""
    controls = dbc.Row(
        [
            _control(
                "期間 / horizon",
                dbc.RadioItems(
                    id=ids.FC_HORIZON,
                    value=36,
                    inline=True,
                    options=[{"label": "36か月", "value": 36}, {"label": "10年", "value": 120}],
                ),
                2,
            ),
            _control(
                "来庁率 / take-up (%)",
                dcc.Slider(
                    id=ids.FC_TAKE_UP,
                    min=50,
                    max=100,
                    step=5,
                    value=85,
                    marks={50: "50", 75: "75", 100: "100"},
                ),
            ),
            _control(
                "窓口が開いた月に来る割合 / come early (%)",
                dcc.Slider(
                    id=ids.FC_EARLY, min=10, max=90, step=5, value=40, marks={10: "10", 50: "50", 90: "90"}
                ),
            ),
            _control(
                "1件の処理時間(分)", dbc.Input(id=ids.FC_MINUTES, type="number", min=5, max=120, value=15), 2
            ),
            _control(
                "月の処理能力(空欄=予約枠の設定から)",
                dbc.Input(id=ids.FC_CAPACITY, type="number", min=0, placeholder="予約枠から計算"),
                2,
            ),
        ],
        className="g-3 mb-2",
    )
    return html.Div(
        [
            controls,
            html.Div(id=ids.FC_SUMMARY),
            dcc.Loading(dcc.Graph(id=ids.FC_WAVES, config=figures.graph_config("expiry-waves"))),
            dcc.Loading(dcc.Graph(id=ids.FC_DEMAND, config=figures.graph_config("demand-vs-capacity"))),
            dbc.RadioItems(
                id=ids.FC_BREAKDOWN,
                value="district",
                inline=True,
                options=[{"label": "地区別", "value": "district"}, {"label": "年齢別", "value": "age"}],
            ),
            dcc.Loading(dcc.Graph(id=ids.FC_SPLIT, config=figures.graph_config("expiry-breakdown"))),
            html.H2("処理能力を超える月 / months over capacity", className="h5 mt-3"),
            html.Div(id=ids.FC_GAPS),
        ]
    )


def compute(
    horizon: int, take_up: float, early: float, minutes: int | None, cap: int | None, split: str
) -> tuple[Any, ...]:
    """Recompute the forecast for the chosen parameters."""
    today = context.today()
    path = current_duckdb(context.context().settings.data_dir)
    try:
        marts = forecast.mart_expiries(path, today, horizon, split)
        as_of = queries.as_of_text(queries.build_time(path))
    except AnalyticsMissing:
        return _missing()
    model = DemandModel(
        take_up=take_up / 100,
        arrival_weights=forecast.arrival_weights(early / 100),
        minutes_per_visit=int(minutes or 15),
    )
    month_list = forecast.months(today, horizon)
    if cap is None:
        with context.unit_of_work() as s:
            caps: list[int] | int = capacity.monthly_capacity(s, month_list)
    else:
        caps = int(cap)
    result = forecast.build_forecast(marts.items, today, horizon, model, caps, marts.notices)
    over = [r for r in result.rows if r.gap >= SHORTFALL_MIN_VISITS]
    gaps = (
        c.table(
            ["月", "来庁見込み", "処理能力", "不足件数", "必要な追加窓口時間"],
            over,
            lambda r: [
                r.month.strftime("%Y-%m"),
                f"{r.demand:,.0f}",
                f"{r.capacity:,}",
                f"{r.gap:,.0f}",
                f"{result.extra_hours(r):,.1f} 時間",
            ],
            table_id=ids.FC_GAP_TABLE,
        )
        if over
        else dbc.Alert("期間中、処理能力を超える月はありません", color="success")
    )
    total = sum(r.card_expiries for r in result.rows)
    certs = sum(r.certificate_expiries for r in result.rows)
    summary = html.Div(
        [
            html.P(
                f"期間中のカード有効期限 {total:,}件、電子証明書 {certs:,}件、能力超過 {len(over)}か月、"
                f"追加窓口時間 合計 {sum(result.extra_hours(r) for r in over):,.0f} 時間",
                id=ids.FC_SUMMARY_TEXT,
                className="mb-0",
            ),
            html.Small(
                f"{as_of}。年齢帯は有効期限日時点の年齢(更新に来る時の年齢)です"
                " / age bands are the age on the expiry date",
                className="text-muted",
                id=ids.FC_AS_OF,
            ),
        ]
    )
    groups = list(forecast.SPLIT_GROUPS[split])
    counts = marts.split
    title = (
        "地区別の有効期限 / by district"
        if split == "district"
        else "有効期限日の年齢別 / by age band on the expiry date"
    )
    return (
        summary,
        figures.expiry_waves(result),
        figures.demand_vs_capacity(result),
        figures.breakdown(counts, groups, title),
        gaps,
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the forecast page and its callback."""
    registry.page(Page("/forecast", "有効期限・需要予測", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.FC_SUMMARY, "children"),
        Output(ids.FC_WAVES, "figure"),
        Output(ids.FC_DEMAND, "figure"),
        Output(ids.FC_SPLIT, "figure"),
        Output(ids.FC_GAPS, "children"),
        Input(ids.FC_HORIZON, "value"),
        Input(ids.FC_TAKE_UP, "value"),
        Input(ids.FC_EARLY, "value"),
        Input(ids.FC_MINUTES, "value"),
        Input(ids.FC_CAPACITY, "value"),
        Input(ids.FC_BREAKDOWN, "value"),
    )(compute)
