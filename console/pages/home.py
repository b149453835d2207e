"""Top page: what the logged-in user can open."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from console import context, ids
from console.access import ALL_ROLES, AccessRegistry, Page


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
        return html.Div(
            [html.P(f"{name} さん、お疲れさまです。利用できる機能:"), dbc.Row(cards, id=ids.HOME_PAGES)]
        )

    registry.page(Page("/", "トップ", ALL_ROLES, layout))
