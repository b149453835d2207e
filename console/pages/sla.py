"""SLA report (サービスレベル実施状況報告, 管理者・管理職): the month's figures with their formulas and
inputs, and the same report as PDF or XLSX (the export is audited); the figures come only from
core.services.sla."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.domain.sla import SlaReport
from core.services import sla
from reports import sla as sla_report

ROLES = frozenset({Role.ADMIN, Role.MANAGER})
FORMATS = {ids.SLA_PDF: "pdf", ids.SLA_XLSX: "xlsx"}


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
                            dbc.Input(id=ids.SLA_MONTH, value=f"{month:%Y-%m}", placeholder="2026-11"),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                "表示 / show", id=ids.SLA_SHOW, color="primary", className="mt-4 me-2"
                            ),
                            dbc.Button("PDF", id=ids.SLA_PDF, color="secondary", className="mt-4 me-2"),
                            dbc.Button("Excel", id=ids.SLA_XLSX, color="secondary", className="mt-4"),
                        ],
                        md=5,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Small(
                "MynaDesk 自身の計測値(監視・応答時間・インシデント登録・バックアップ・監査ログ)から"
                "集計します。各指標は計算式と入力値を示しますので、市で再計算できます。"
                "障害・計画停止・日別の表と図は PDF / Excel にあります。",
                className="text-muted",
            ),
            html.Div(id=ids.SLA_MESSAGE, className="mt-2"),
            dcc.Download(id=ids.SLA_DOWNLOAD),
            dcc.Loading(html.Div(id=ids.SLA_REPORT, className="mt-2")),
        ]
    )


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


def _report(result: SlaReport) -> Any:
    return html.Div(
        [
            html.H2(sla_report.title(result), className="h5"),
            html.Div(f"集計期間: {sla_report.period(result)}", id=ids.SLA_PERIOD, className="small mb-2"),
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
        State(ids.SLA_MONTH, "value"),
    )(lambda _show, _pdf, _xlsx, value: act(str(ctx.triggered_id), value))
