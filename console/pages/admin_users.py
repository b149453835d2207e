"""Administration (管理者): staff users and their roles."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import staff
from core.services.staff import StaffUser

ROLES = frozenset({Role.ADMIN})
ROLE_OPTIONS = [{"label": f"{r.label_ja}({r.value})", "value": r.value} for r in Role]


def _users_table(users: list[StaffUser]) -> Any:
    return c.table(
        ["職員番号", "氏名", "役割", "状態", "最終ログイン", "パスワード"],
        users,
        lambda u: [
            u.staff_code,
            u.display_name,
            "・".join(r.label_ja for r in sorted(u.roles)) or "—",
            "有効" if u.active else "無効",
            c.fmt(u.last_login_at),
            "変更待ち" if u.must_change_password else "設定済",
        ],
        table_id=ids.USERS_LIST,
    )


def _load() -> tuple[Any, list[dict[str, str]]]:
    with context.unit_of_work() as s:
        users = list(staff.list_users(s))
    return _users_table(users), [
        {"label": f"{u.staff_code} {u.display_name}", "value": u.staff_code} for u in users
    ]


def layout(**_: Any) -> Any:
    """The user list, the add form and the edit form."""
    table, options = _load()
    add = dbc.Card(
        [
            dbc.CardHeader("利用者の追加 / add a user"),
            dbc.CardBody(
                [
                    dbc.Input(id=ids.USERS_CODE, placeholder="職員番号", className="mb-2"),
                    dbc.Input(id=ids.USERS_NAME, placeholder="氏名", className="mb-2"),
                    dbc.Input(
                        id=ids.USERS_PASSWORD,
                        type="password",
                        placeholder="初期パスワード(10文字以上)",
                        className="mb-2",
                    ),
                    dbc.Checklist(id=ids.USERS_ROLES, options=ROLE_OPTIONS, value=[], inline=True),
                    dbc.Button("追加", id=ids.USERS_ADD, color="primary", className="mt-2"),
                ]
            ),
        ]
    )
    edit = dbc.Card(
        [
            dbc.CardHeader("役割・状態の変更 / roles and status"),
            dbc.CardBody(
                [
                    c.hidden_label("利用者 / user", ids.USERS_SELECT),
                    dbc.Select(
                        id=ids.USERS_SELECT, options=options, placeholder="利用者を選ぶ", className="mb-2"
                    ),
                    dbc.Checklist(id=ids.USERS_EDIT_ROLES, options=ROLE_OPTIONS, value=[], inline=True),
                    dbc.Button("役割を保存", id=ids.USERS_SAVE_ROLES, color="primary", className="mt-2 me-2"),
                    dbc.Button("有効/無効を切替", id=ids.USERS_TOGGLE, color="secondary", className="mt-2"),
                    dbc.Input(
                        id=ids.USERS_RESET_PASSWORD,
                        type="password",
                        placeholder="新しい初期パスワード",
                        className="mt-3 mb-2",
                    ),
                    dbc.Button("パスワードを再設定", id=ids.USERS_RESET, color="warning"),
                ]
            ),
        ]
    )
    return html.Div(
        [
            html.Div(id=ids.USERS_MESSAGE),
            dbc.Row(
                [dbc.Col(html.Div(table, id=ids.USERS_TABLE), lg=7), dbc.Col([add, html.Br(), edit], lg=5)]
            ),
        ]
    )


def _act(trigger: str, values: dict[str, Any]) -> Any:
    actor = context.actor()
    with context.unit_of_work() as s:
        if trigger == ids.USERS_ADD:
            roles = staff.parse_roles(values["roles"] or [])
            done = staff.create_user(
                s, values["code"] or "", values["name"] or "", values["password"] or "", roles, actor
            )
            return c.ok(f"{done.staff_code} を追加しました(初回ログイン時にパスワード変更)", "user added")
        code = values["selected"]
        if not code:
            raise DomainError("利用者を選んでください", "choose a user")
        if trigger == ids.USERS_SAVE_ROLES:
            staff.set_roles(s, code, staff.parse_roles(values["edit_roles"] or []), actor, context.now())
            return c.ok(f"{code} の役割を保存しました", "roles saved")
        if trigger == ids.USERS_TOGGLE:
            current = next(u for u in staff.list_users(s) if u.staff_code == code)
            staff.set_active(s, code, not current.active, actor, context.now())
            return c.ok(f"{code} を{'無効' if current.active else '有効'}にしました", "status changed")
        staff.reset_password(s, code, values["reset"] or "", actor, context.now())
        return c.ok(f"{code} のパスワードを再設定しました(次回ログイン時に変更)", "password reset")


def act(trigger: str, values: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Run one administration action and refresh the list."""
    try:
        message = _act(trigger, values)
    except DomainError as err:
        message = c.error(err)
    table, options = _load()
    return message, table, options


def selected_roles(code: str | None) -> list[str]:
    """The roles of the selected user, to edit."""
    if not code:
        return []
    with context.unit_of_work() as s:
        user = next((u for u in staff.list_users(s) if u.staff_code == code), None)
    return sorted(r.value for r in user.roles) if user else []


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the users page and its callbacks."""
    registry.page(Page("/admin/users", "利用者管理", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.USERS_MESSAGE, "children"),
        Output(ids.USERS_TABLE, "children"),
        Output(ids.USERS_SELECT, "options"),
        Input(ids.USERS_ADD, "n_clicks"),
        Input(ids.USERS_SAVE_ROLES, "n_clicks"),
        Input(ids.USERS_TOGGLE, "n_clicks"),
        Input(ids.USERS_RESET, "n_clicks"),
        State(ids.USERS_CODE, "value"),
        State(ids.USERS_NAME, "value"),
        State(ids.USERS_PASSWORD, "value"),
        State(ids.USERS_ROLES, "value"),
        State(ids.USERS_SELECT, "value"),
        State(ids.USERS_EDIT_ROLES, "value"),
        State(ids.USERS_RESET_PASSWORD, "value"),
        prevent_initial_call=True,
    )(
        lambda _a, _b, _c, _d, code, name, password, roles, selected, edit_roles, reset: act(
            str(ctx.triggered_id),
            {
                "code": code,
                "name": name,
                "password": password,
                "roles": roles,
                "selected": selected,
                "edit_roles": edit_roles,
                "reset": reset,
            },
        )
    )
    registry.callback(
        app,
        ROLES,
        Output(ids.USERS_EDIT_ROLES, "value"),
        Input(ids.USERS_SELECT, "value"),
        prevent_initial_call=True,
    )(selected_roles)
