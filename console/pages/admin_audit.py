"""Administration (管理者): the audit log viewer with filters and CSV export."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.audit_actions import action_label_ja
from core.domain.roles import Role
from core.services import audit_query, site_access
from core.services.audit_query import AuditFilter

ROLES = frozenset({Role.ADMIN})


def layout(**_: Any) -> Any:
    """Filters, the newest matching entries and the export button."""
    with context.unit_of_work() as s:
        actions = [{"label": f"{action_label_ja(a)}({a})", "value": a} for a in audit_query.actions(s)]
    today = context.today().isoformat()
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("期間 / period", html_for=ids.AUDIT_FROM_START),
                            dcc.DatePickerRange(
                                id=ids.AUDIT_FROM,
                                start_date_id=ids.AUDIT_FROM_START,
                                end_date_id=ids.AUDIT_FROM_END,
                                start_date=today,
                                end_date=today,
                                display_format="YYYY-MM-DD",
                            ),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("職員番号 / staff", html_for=ids.AUDIT_ACTOR),
                            dbc.Input(id=ids.AUDIT_ACTOR),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("操作 / action", html_for=ids.AUDIT_ACTION),
                            dcc.Dropdown(id=ids.AUDIT_ACTION, options=actions),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("宛名番号 / subject", html_for=ids.AUDIT_SUBJECT),
                            dbc.Input(id=ids.AUDIT_SUBJECT),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Button("表示", id=ids.AUDIT_SEARCH, color="primary", className="me-2 mt-4"),
                            dbc.Button("CSV出力", id=ids.AUDIT_EXPORT, color="secondary", className="mt-4"),
                        ],
                        md=2,
                    ),
                ],
                className="mb-3 g-2",
            ),
            dcc.Download(id=ids.AUDIT_DOWNLOAD),
            dcc.Loading(html.Div(id=ids.AUDIT_TABLE)),
        ]
    )


def _filters(
    start: str | None, end: str | None, actor: str | None, action: str | None, subject: str | None
) -> AuditFilter:
    return AuditFilter(
        date.fromisoformat(start) if start else None,
        date.fromisoformat(end) if end else None,
        actor or None,
        action or None,
        subject or None,
    )


def _role(code: str | None) -> Any:
    """The acting role's name (窓口 …); system roles such as etl or site stay as they are."""
    known = {role.value: role.label_ja for role in Role}
    return c.coded(known.get(code or "", code or ""), code) if code else ""


def show(filters: AuditFilter) -> Any:
    """The newest 500 matching entries."""
    with context.unit_of_work() as s:
        site_access.copy_site_access(s)  # the reservation site's own log joins the audit log first
        rows = audit_query.entries(s, filters)
    if not rows:
        return dbc.Alert("該当する記録はありません / no entries", color="info")
    return html.Div(
        [
            html.P(f"新しい順に{len(rows)}件(最大500件)"),
            c.table(
                ["日時", "職員番号", "役割", "操作", "対象", "宛名番号", "端末", "概要"],
                rows,
                lambda e: [
                    c.fmt(e.at),
                    e.actor,
                    _role(e.actor_role),
                    c.coded(action_label_ja(e.action), e.action),
                    f"{e.object_type} {e.object_id or ''}",
                    e.subject_atena_no or "",
                    str(e.client_addr or ""),
                    e.summary or "",
                ],
                table_id=ids.AUDIT_ROWS,
            ),
        ]
    )


def export(filters: AuditFilter) -> dict[str, Any]:
    """The matching entries as a CSV download (the export itself is audited)."""
    with context.unit_of_work() as s:
        text = audit_query.export_csv(s, filters, context.actor())
    download: dict[str, Any] = dcc.send_string(  # type: ignore[attr-defined, no-untyped-call]
        text, f"audit-{context.today().isoformat()}.csv"
    )
    return download


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the audit page and its callbacks."""
    registry.page(Page("/admin/audit", "監査ログ", ROLES, layout))
    filters = (
        State(ids.AUDIT_FROM, "start_date"),
        State(ids.AUDIT_FROM, "end_date"),
        State(ids.AUDIT_ACTOR, "value"),
        State(ids.AUDIT_ACTION, "value"),
        State(ids.AUDIT_SUBJECT, "value"),
    )
    registry.callback(
        app,
        ROLES,
        Output(ids.AUDIT_TABLE, "children"),
        Input(ids.AUDIT_SEARCH, "n_clicks"),
        *filters,
    )(lambda _n, *values: show(_filters(*values)))
    registry.callback(
        app,
        ROLES,
        Output(ids.AUDIT_DOWNLOAD, "data"),
        Input(ids.AUDIT_EXPORT, "n_clicks"),
        *filters,
        prevent_initial_call=True,
    )(lambda _n, *values: export(_filters(*values)))
