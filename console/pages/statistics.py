"""Statistics (統計): counts by period, district, age, procedure and venue from the analytic marts (read-only,
データ時点 shown); CSV/XLSX; cells under 5 hidden."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from console import components as c
from console import context, figures, ids
from console.access import AccessRegistry, Page
from core.analytics import queries
from core.analytics.marts import current_duckdb
from core.analytics.queries import AnalyticsMissing
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import statistics
from core.services.statistics import StatsQuery

ROLES = frozenset({Role.ANALYST, Role.MANAGER})


def _choice(label: str, component_id: str, labels: dict[str, str], value: str) -> Any:
    """A labelled drop-down of LABELS (key → Japanese label)."""
    options = [{"label": text, "value": key} for key, text in labels.items()]
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Dropdown(id=component_id, options=options, value=value, clearable=False),
        ],
        md=2,
    )


def layout(**_: Any) -> Any:
    """Choices, the table, a chart and the export buttons."""
    today = context.today()
    return html.Div(
        [
            dbc.Row(
                [
                    _choice("集計項目", ids.ST_MEASURE, statistics.MEASURES, "issued"),
                    _choice("内訳", ids.ST_DIMENSION, statistics.DIMENSIONS, "none"),
                    _choice("単位", ids.ST_PERIOD, statistics.PERIODS, "month"),
                    dbc.Col(
                        [
                            dbc.Label("期間", html_for=ids.ST_RANGE),
                            dcc.DatePickerRange(
                                id=ids.ST_RANGE,
                                start_date=(today - timedelta(days=365)).isoformat(),
                                end_date=today.isoformat(),
                                display_format="YYYY-MM-DD",
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Button("集計", id=ids.ST_SHOW, color="primary", className="mt-4 me-2"),
                            dbc.Button("CSV", id=ids.ST_CSV, color="secondary", className="mt-4 me-2"),
                            dbc.Button("Excel", id=ids.ST_XLSX, color="secondary", className="mt-4"),
                        ],
                        md=3,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Small(
                "集計値のみを表示・出力します。5未満のセルは「<5」と表示します(秘匿)。"
                "分析データ(`mynadesk etl analytics` の作成時点)から集計します。交付数・更新数は交付日、"
                "予約数・無断キャンセルは予約の日で数え、年齢は交付日時点の年齢です。",
                className="text-muted",
            ),
            html.Div(id=ids.ST_AS_OF, className="small fw-bold mt-1"),
            dcc.Download(id=ids.ST_DOWNLOAD),
            dcc.Loading(html.Div(id=ids.ST_TABLE, className="mt-2")),
            dcc.Graph(id=ids.ST_CHART, config=figures.graph_config("statistics")),
        ]
    )


def _query(measure: str, dimension: str, period: str, start: str, end: str) -> StatsQuery:
    return StatsQuery(measure, dimension, period, date.fromisoformat(start), date.fromisoformat(end))


def _marts() -> Any:
    return current_duckdb(context.context().settings.data_dir)


def show(query: StatsQuery) -> tuple[Any, Any, figures.Fig]:
    """データ時点, the suppressed table and a chart of the same (suppressed cells drawn as 0)."""
    try:
        frame = statistics.table(_marts(), query)
        as_of = queries.as_of_text(queries.build_time(_marts()))
    except AnalyticsMissing:
        return "", c.no_analytics(ids.ST_NO_ANALYTICS), figures.blank()
    except DomainError as err:
        return "", c.error(err), figures.blank()
    if frame.empty:
        return as_of, dbc.Alert("該当するデータはありません / no data", color="info"), figures.blank()
    periods = statistics.spans(_marts(), query)
    shown = statistics.suppress(frame)
    headers = [shown.index.name or "", *[str(col) for col in shown.columns]]
    labels = statistics.marked(frame, periods)
    rows = [[label, *values] for label, values in zip(labels, shown.to_numpy().tolist(), strict=True)]
    title = f"{statistics.MEASURES[query.measure]}(5未満のセルは0で表示 / cells under 5 drawn as 0)"
    fig = figures.period_bars(frame, periods, title, statistics.MIN_CELL)
    notes = [periods[label].note for label in frame.index if periods[label].partial]
    caption = html.Small(
        "(途中)の行は期間の一部だけを数えています: " + "、".join(notes),
        className="text-muted",
        id=ids.ST_PARTIAL,
    )
    table = html.Div(
        [c.table(headers, rows, lambda row: row, table_id=ids.ST_ROWS), caption if notes else ""]
    )
    return as_of, table, fig


def download(which: str, query: StatsQuery) -> Any:
    """CSV or XLSX of the suppressed table (the export is audited)."""
    fmt = "csv" if which == ids.ST_CSV else "xlsx"
    try:
        with context.unit_of_work() as s:
            name, data = statistics.export(s, _marts(), query, fmt, context.actor())
    except DomainError:  # no build or a bad choice: the table beside the buttons already says which
        return no_update
    return dcc.send_bytes(data, name)  # type: ignore[attr-defined, no-untyped-call]


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the statistics page and its callbacks."""
    registry.page(Page("/statistics", "統計", ROLES, layout))
    states = (
        State(ids.ST_MEASURE, "value"),
        State(ids.ST_DIMENSION, "value"),
        State(ids.ST_PERIOD, "value"),
        State(ids.ST_RANGE, "start_date"),
        State(ids.ST_RANGE, "end_date"),
    )
    registry.callback(
        app,
        ROLES,
        Output(ids.ST_AS_OF, "children"),
        Output(ids.ST_TABLE, "children"),
        Output(ids.ST_CHART, "figure"),
        Input(ids.ST_SHOW, "n_clicks"),
        *states,
    )(lambda _n, *values: show(_query(*values)))
    registry.callback(
        app,
        ROLES,
        Output(ids.ST_DOWNLOAD, "data"),
        Input(ids.ST_CSV, "n_clicks"),
        Input(ids.ST_XLSX, "n_clicks"),
        *states,
        prevent_initial_call=True,
    )(lambda _a, _b, *values: download(str(ctx.triggered_id), _query(*values)))
