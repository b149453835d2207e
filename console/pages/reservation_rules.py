"""Booking rules (予約担当): how far ahead residents may book, change deadlines, holds, caps, erasure."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import reservations_admin as admin
from core.services import slots

ROLES = frozenset({Role.BOOKING})


def _id(name: str) -> str:
    return f"rr-{name.replace('_', '-')}"


def layout(**_: Any) -> Any:
    """One number per rule, with its current value."""
    with context.unit_of_work() as s:
        rules = slots.load_rules(s)
    rows = [
        dbc.InputGroup(
            [
                c.group_label(label, _id(name), style={"width": "22rem"}),
                dbc.Input(id=_id(name), type="number", min=0, value=getattr(rules, name)),
            ],
            className="mb-2",
        )
        for name, label in admin.RULE_FIELDS.items()
    ]
    return html.Div(
        [
            html.P(
                "予約サイトはこの設定を読み取ります(変更は監査ログに記録されます)。", className="text-muted"
            ),
            html.Div(rows, style={"maxWidth": "40rem"}),
            dbc.Button("保存", id=ids.RR_SAVE, color="primary"),
            html.Div(id=ids.RR_MESSAGE, className="mt-3"),
        ]
    )


def save(values: list[Any]) -> Any:
    """Store the rules."""
    try:
        named = {name: int(v) for name, v in zip(admin.RULE_FIELDS, values, strict=True) if v is not None}
        with context.unit_of_work() as s:
            admin.save_rules(s, context.actor(), named)
    except (DomainError, ValueError) as err:
        return c.error(err)
    return c.ok("予約ルールを保存しました", "booking rules saved")


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the rules page and its callback."""
    registry.page(Page("/reservations/rules", "予約ルール", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.RR_MESSAGE, "children"),
        Input(ids.RR_SAVE, "n_clicks"),
        *[State(_id(name), "value") for name in admin.RULE_FIELDS],
        prevent_initial_call=True,
    )(lambda _n, *values: save(list(values)))
