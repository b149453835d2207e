"""Top page: what the logged-in user can open; for the 管理者, the security alerts and the backups first."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, dcc, html

from console import components as c
from console import context, ids
from console.access import ALL_ROLES, AccessRegistry, Page
from console.backup_panel import backup_panel
from core.domain.booking import TOKYO
from core.domain.roles import Role
from core.services import security_alerts


def _cells(alert: security_alerts.Alert) -> list[str]:
    return [f"{alert.at.astimezone(TOKYO):%Y-%m-%d %H:%M}", alert.message, alert.subject]


def _alerts() -> Any:
    """The 管理者's alert panel: lockouts, notice numbers under attack and storms of refused site requests."""
    with context.unit_of_work() as s:
        alerts = security_alerts.current_alerts(s, context.now())
    if not alerts:
        return dbc.Alert("セキュリティ警告はありません(過去7日間)", color="light", id=ids.HOME_ALERTS)
    return dbc.Alert(
        [
            html.H2(f"セキュリティ警告 {len(alerts)}件", className="h6"),
            c.table(["日時", "内容", "対象"], alerts, _cells, table_id=ids.HOME_ALERT_ROWS),
            dcc.Link("監査ログを開く", href="/admin/audit", className="alert-link"),
        ],
        color="danger",
        id=ids.HOME_ALERTS,
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the top page."""

    def layout(**_: Any) -> Any:
        staff = context.user()
        cards = [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [html.H2(page.title, className="h5"), dbc.Button("開く", href=page.path, size="sm")]
                    )
                ),
                md=3,
                className="mb-3",
            )
            for page in registry.pages_for(context.roles())
            if page.in_menu and page.path != "/"
        ]
        name = staff.display_name if staff else ""
        alerts = [_alerts(), backup_panel()] if Role.ADMIN in context.roles() else []
        greeting = html.P(f"{name} さん、お疲れさまです。利用できる機能:")
        return html.Div([*alerts, greeting, dbc.Row(cards, id=ids.HOME_PAGES)])

    registry.page(Page("/", "トップ", ALL_ROLES, layout))
