"""Batch changes by 交付通知書 number (scan or paste a box of cards): all or nothing, with a clear report."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.cards import CardState
from core.domain.roles import Role
from core.services import issuance
from core.services.issuance import BatchReport

ROLES = frozenset({Role.COUNTER})
TARGETS = (
    CardState.ARRIVED,
    CardState.PRESET,
    CardState.NOTIFIED,
    CardState.REMINDED,
    CardState.MAIL_RETURNED,
)


def layout(**_: Any) -> Any:
    """Target state, date, the list of numbers and the two buttons."""
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("変更先 / target", html_for=ids.BATCH_TARGET),
                            dcc.Dropdown(
                                id=ids.BATCH_TARGET,
                                value=CardState.NOTIFIED.value,
                                clearable=False,
                                options=[{"label": t.label_ja, "value": t.value} for t in TARGETS],
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("日付 / date", html_for=ids.BATCH_DATE),
                            dcc.DatePickerSingle(
                                id=ids.BATCH_DATE,
                                date=context.today().isoformat(),
                                display_format="YYYY-MM-DD",
                            ),
                        ],
                        md=3,
                    ),
                ],
                className="mb-2",
            ),
            dbc.Label(
                "交付通知書番号(1行に1つ。バーコードで読み取るか貼り付け)/ one notice number per line",
                html_for=ids.BATCH_NUMBERS,
            ),
            dbc.Textarea(id=ids.BATCH_NUMBERS, rows=10, placeholder="ABC-123456\nABC-123457\n…"),
            html.Div(
                [
                    dbc.Button(
                        "確認のみ / check only", id=ids.BATCH_CHECK, color="secondary", className="me-2"
                    ),
                    dbc.Button("一括で変更 / apply to all", id=ids.BATCH_APPLY, color="warning"),
                ],
                className="my-2",
            ),
            dcc.Loading(html.Div(id=ids.BATCH_REPORT)),
        ]
    )


def render(report: BatchReport) -> Any:
    """The report: every line with its outcome; a headline that says whether anything changed."""
    if not report.lines:
        return dbc.Alert("番号を入力してください / list at least one number", color="warning")
    failures = report.failures
    if report.applied:
        head = c.ok(
            f"{len(report.lines)}枚を「{report.target.label_ja}」にしました",
            f"{len(report.lines)} cards changed to {report.target.value}",
        )
    elif failures:
        head = dbc.Alert(
            [
                html.Strong(f"{len(failures)}件に問題があるため、1枚も変更していません"),
                html.Br(),
                html.Small(f"nothing was changed: {len(failures)} line(s) need fixing"),
            ],
            color="danger",
            id=ids.BATCH_REFUSED,
        )
    else:
        head = dbc.Alert(
            f"確認のみ: {len(report.lines)}枚すべて変更できます / all {len(report.lines)} can change",
            color="info",
        )
    table = c.table(
        ["行", "入力", "交付通知書番号", "結果"],
        report.lines,
        lambda line: [
            line.line,
            line.text,
            line.notice_no or "—",
            html.Span(line.message, className="text-success" if line.ok else "text-danger"),
        ],
        table_id=ids.BATCH_LINES,
    )
    return html.Div([head, table])


def run(which: str, target: str, day: str | None, numbers: str | None) -> Any:
    """Check or apply the batch (a check runs in a transaction that is rolled back)."""
    lines = (numbers or "").splitlines()
    on = date.fromisoformat(day) if day else None
    checked_only = which == ids.BATCH_CHECK
    with context.context().session_factory() as s:
        report = issuance.batch_change(s, lines, CardState(target), context.actor(), context.now(), on=on)
        if checked_only:
            report.applied = False
            s.rollback()
        else:
            s.commit()
    return render(report)


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the batch page and its callback."""
    registry.page(Page("/ledger/batch", "一括処理", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.BATCH_REPORT, "children"),
        Input(ids.BATCH_CHECK, "n_clicks"),
        Input(ids.BATCH_APPLY, "n_clicks"),
        State(ids.BATCH_TARGET, "value"),
        State(ids.BATCH_DATE, "date"),
        State(ids.BATCH_NUMBERS, "value"),
        prevent_initial_call=True,
    )(lambda _a, _b, target, day, numbers: run(str(ctx.triggered_id), target, day, numbers))
