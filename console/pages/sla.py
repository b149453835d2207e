"""SLA report (サービスレベル実施状況報告, 管理者・管理職): the month's figures with their formulas and
inputs, and the same report as PDF or XLSX (the export is audited); the figures come only from
core.services.sla."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from console import components as c
from console import context, figures, ids, sla_figures
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.domain.sla import KINDS, NOT_AVAILABLE, IncidentRow, PlannedRow, SlaReport
from core.services import sla
from reports import sla as sla_report

ROLES = frozenset({Role.ADMIN, Role.MANAGER})
FORMATS = {ids.SLA_PDF: "pdf", ids.SLA_XLSX: "xlsx"}


MONTHS_LISTED = 24  # the chooser suggests this many months back (any earlier month can still be typed)


def month_choices(today: date) -> list[str]:
    """`YYYY-MM` of this month and the MONTHS_LISTED before it, newest first."""
    month, out = today.replace(day=1), []
    for _ in range(MONTHS_LISTED + 1):
        out.append(f"{month:%Y-%m}")
        month = sla.previous_month(month)
    return out


def layout(**_: Any) -> Any:
    """The month, the buttons and the report (the previous month at first)."""
    month = sla.previous_month(context.today())
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("対象月 / month (YYYY-MM)", html_for=ids.SLA_MONTH),
                            dbc.Input(
                                id=ids.SLA_MONTH,
                                value=f"{month:%Y-%m}",
                                placeholder="2026-11",
                                list=ids.SLA_MONTHS,
                                autoComplete="off",
                            ),
                            html.Datalist(
                                [html.Option(value=m) for m in month_choices(context.today())],
                                id=ids.SLA_MONTHS,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                "表示 / show", id=ids.SLA_SHOW, color="primary", className="mt-4 me-2"
                            ),
                            dbc.Button(
                                "PDFで保存 / PDF", id=ids.SLA_PDF, color="secondary", className="mt-4 me-2"
                            ),
                            dbc.Button(
                                "Excelで保存 / XLSX", id=ids.SLA_XLSX, color="secondary", className="mt-4"
                            ),
                        ],
                        md=6,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Small(
                "MynaDesk 自身の計測値(監視・応答時間・インシデント登録・バックアップ・監査ログ)から"
                "集計します。各指標は計算式と入力値を示しますので、市で再計算できます。"
                "PDF / Excel は同じ内容の提出用です(出力は監査ログに残ります)。",
                className="text-muted",
            ),
            html.Div(id=ids.SLA_MESSAGE, className="mt-2"),
            dcc.Download(id=ids.SLA_DOWNLOAD),
            dcc.Loading(html.Div(id=ids.SLA_REPORT, className="mt-2")),
        ]
    )


VERDICT = {True: ("達成", "success"), False: ("未達成", "danger"), None: ("—", "secondary")}


def _summary(result: SlaReport) -> Any:
    """One card per service level: the figure, its target and 達成 / 未達成 at a glance."""
    cards = []
    for f in result.figures:
        word, colour = VERDICT[f.met]
        target = "目標なし" if f.target is None else f"目標 {f.target:g}%以上"
        cards.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(f.name, className="small text-muted"),
                            html.Div(f.value_text, className="fs-5 fw-bold"),
                            html.Div(
                                [dbc.Badge(word, color=colour, className="me-2"), html.Small(target)],
                            ),
                        ],
                        className="p-2",
                    ),
                    color=colour if f.met is False else None,
                    outline=True,
                    id=f"{ids.SLA_SUMMARY}-{f.key}",
                ),
                md=True,
            )
        )
    return dbc.Row(cards, className="g-2 mb-3", id=ids.SLA_SUMMARY)


def _figures(result: SlaReport) -> Any:
    return c.table(
        ["指標", "実績", "目標", "判定", "計算式(数値を代入したもの)"],
        result.figures,
        lambda f: [
            f.name,
            f.value_text,
            "—" if f.target is None else f"{f.target}%以上",
            sla_report.met_text(f.met),
            f.formula,
        ],
        table_id=ids.SLA_FIGURES,
    )


def _inputs(result: SlaReport) -> Any:
    rows = [
        ("" if i else f.name, name, value) for f in result.figures for i, (name, value) in enumerate(f.inputs)
    ]
    return c.table(["指標", "入力値", "値"], rows, lambda r: list(r), table_id=ids.SLA_INPUTS)


def _graph(graph_id: str, figure: Any, name: str) -> Any:
    return dcc.Graph(id=graph_id, figure=figure, config=figures.graph_config(name))


def _charts(result: SlaReport) -> Any:
    if not result.days:
        return html.P(f"日別サービス稼働率: {NOT_AVAILABLE}", className="text-muted")
    charts = [_graph(ids.SLA_AVAILABILITY_CHART, sla_figures.availability(result), "sla-availability")]
    if result.requests:
        charts.append(
            dbc.Row(
                [
                    dbc.Col(
                        _graph(ids.SLA_SHARE_CHART, sla_figures.response_share(result), "sla-share"), lg=6
                    ),
                    dbc.Col(
                        _graph(ids.SLA_TIME_CHART, sla_figures.response_times(result), "sla-times"), lg=6
                    ),
                ],
                className="g-2",
            )
        )
    else:
        none = NOT_AVAILABLE if result.requests is None else "当月の記録なし"
        charts.append(html.P(f"日別応答時間: {none}", className="text-muted"))
    return html.Div(charts)


def _stop_rows(result: SlaReport) -> list[IncidentRow | PlannedRow]:
    rows: list[IncidentRow | PlannedRow] = [*(result.incidents or ()), *(result.planned or ())]
    return sorted(rows, key=lambda r: (r.stop.started_at, r.stop.id))


def _stops(result: SlaReport) -> Any:
    """Outages, planned and J-LIS stops touching the month: when, how long, why, and how each counts."""
    if result.incidents is None:
        return html.P(NOT_AVAILABLE, className="text-muted", id=ids.SLA_STOPS)
    rows = _stop_rows(result)
    if not rows:
        return html.P("当月の障害・計画停止はありません。", id=ids.SLA_STOPS)
    when, minutes = sla_report.when, sla_report.minutes
    return c.table(
        ["番号", "種別", "対象", "開始", "終了", "当月の時間(分)", "原因・対処", "通知", "稼働率での扱い"],
        rows,
        lambda r: [
            r.stop.id,
            KINDS.get(r.stop.kind, r.stop.kind),
            sla_report.TARGET_NAMES.get(r.stop.target, r.stop.target),
            when(r.stop.started_at),
            when(r.stop.ended_at) if r.stop.ended_at else html.Strong("継続中"),
            minutes(r.minutes_in_month),
            " / ".join(t for t in (r.stop.cause, r.stop.remedy) if t) or "—",
            sla_report.notify_text(r) if isinstance(r, IncidentRow) else "—",
            sla_report.treatment(r, result.policy),
        ],
        table_id=ids.SLA_STOPS,
    )


def _report(result: SlaReport) -> Any:
    return html.Div(
        [
            html.H2(sla_report.title(result), className="h5"),
            html.Div(f"集計期間: {sla_report.period(result)}", id=ids.SLA_PERIOD, className="small mb-2"),
            _summary(result),
            html.H3("グラフ / charts", className="h6"),
            _charts(result),
            html.H3("障害・計画停止 / incidents and planned stops", className="h6 mt-3"),
            _stops(result),
            html.Small(
                f"停止時間は計画サービス時間内の部分だけを数え、重なりは1回とします。"
                f"{result.policy.notice_days}日以上前に告知した計画停止・J-LIS停止は計画サービス時間から除きます。",
                className="text-muted d-block mb-3",
            ),
            html.H3("指標の実績 / figures", className="h6"),
            _figures(result),
            html.H3("入力値 / inputs", className="h6 mt-3"),
            _inputs(result),
        ]
    )


def act(trigger: str, value: str | None) -> tuple[Any, Any, Any]:
    """Show the chosen month's report or send it as PDF / XLSX; a bad month only says so."""
    now = context.now()
    try:
        month = sla.chosen_month(value, context.today())
    except DomainError as err:
        return c.error(err), no_update, no_update
    with context.unit_of_work() as s:
        result = sla.monthly_report(s, month, now, context.context().settings.sla)
    fmt = FORMATS.get(trigger)
    if fmt is None:
        return "", _report(result), no_update
    data = sla_report.render(result, now) if fmt == "pdf" else sla_report.xlsx(result)
    with context.unit_of_work() as s:  # audited once the file exists; the chain's lock is held only briefly
        sla.record_export(s, context.actor(), result, fmt)
    name = sla_report.file_name(result, fmt)
    return "", no_update, dcc.send_bytes(data, name)  # type: ignore[attr-defined, no-untyped-call]


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the SLA report page and its callback."""
    registry.page(Page("/sla", "SLA報告", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.SLA_MESSAGE, "children"),
        Output(ids.SLA_REPORT, "children"),
        Output(ids.SLA_DOWNLOAD, "data"),
        Input(ids.SLA_SHOW, "n_clicks"),
        Input(ids.SLA_PDF, "n_clicks"),
        Input(ids.SLA_XLSX, "n_clicks"),
        Input(ids.SLA_MONTH, "n_submit"),  # Enter in the month shows it
        State(ids.SLA_MONTH, "value"),
    )(lambda _show, _pdf, _xlsx, _enter, value: act(str(ctx.triggered_id), value))
