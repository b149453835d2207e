"""Issuance (窓口): today's pickups or a notice number → register check → identity check → handover."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from console.pages import card_read
from core.domain.cards import CardState
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import issuance
from core.services.issuance import Candidate, CertificateChoice, IdentityCheck

ROLES = frozenset({Role.COUNTER})
DOCUMENTS = (
    "交付通知書+運転免許証",
    "交付通知書+パスポート",
    "交付通知書+在留カード",
    "交付通知書+健康保険証等2点",
    "交付通知書+その他(備考)",
)
CHECKS = [
    {"label": "顔写真を照合した / face matches", "value": "face"},
    {"label": "暗証番号を設定した / PINs set", "value": "pins"},
    {"label": "受領書に署名を受けた / receipt signed", "value": "receipt"},
]


def _pickups() -> Any:
    with context.unit_of_work() as s:
        rows = issuance.todays_pickups(s, context.today(), context.actor())
    if not rows:
        return html.P("本日の受取予約はありません / no pickups booked today", className="text-muted")
    return c.table(
        ["時刻", "会場", "予約番号", "交付通知書番号", "氏名", "カード状態"],
        rows,
        lambda p: [
            c.fmt(p.starts_at)[-5:],
            p.venue,
            p.booking_no,
            dcc.Link(p.notice_no, href=f"/issuance?notice={p.notice_no}") if p.notice_no else "未入力",
            p.name or "—",
            c.state_badge(p.state) if p.state else "台帳にカードなし" if p.notice_no else "—",
        ],
        table_id=ids.ISSUE_TODAY,
    )


def layout(search: str = "", **_: Any) -> Any:
    """The flow on one page, top to bottom."""
    notice = (parse_qs(search.lstrip("?")).get("notice") or [""])[0]
    return html.Div(
        [
            dcc.Store(id=ids.ISSUE_CARD),
            dcc.Store(id=ids.ISSUE_BOOKING),
            dcc.Store(id=ids.ISSUE_HOLDER),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("1. 本日の受取予定 / today's pickups", className="h5"),
                            html.Div(_pickups(), id=ids.ISSUE_PICKUPS),
                        ],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.H2("2. カードの確認 / find the card", className="h5"),
                            dbc.InputGroup(
                                [
                                    c.group_label("交付通知書番号", ids.ISSUE_NOTICE),
                                    dbc.Input(
                                        id=ids.ISSUE_NOTICE,
                                        value=notice,
                                        placeholder="交付通知書番号 ABC-123456",
                                    ),
                                    dbc.Button("照会", id=ids.ISSUE_FIND, color="primary"),
                                ]
                            ),
                            dcc.Loading(html.Div(id=ids.ISSUE_CHECK, className="mt-2")),
                            html.H2("3. 本人確認 / identity check", className="h5 mt-3"),
                            dbc.Label("本人確認書類 / ID document", html_for=ids.ISSUE_DOCUMENT),
                            dcc.Dropdown(
                                id=ids.ISSUE_DOCUMENT, options=list(DOCUMENTS), placeholder="本人確認書類"
                            ),
                            card_read.panel(),
                            dbc.Checklist(id=ids.ISSUE_CHECKS, options=CHECKS, value=[]),
                            html.H2("4. 電子証明書 / certificates", className="h5 mt-3"),
                            dbc.Checklist(
                                id=ids.ISSUE_CERTS,
                                value=["user", "signature"],
                                options=[
                                    {"label": "利用者証明用電子証明書を発行", "value": "user"},
                                    {"label": "署名用電子証明書を発行(15歳以上)", "value": "signature"},
                                ],
                            ),
                            dbc.Button(
                                "5. 交付する / hand over",
                                id=ids.ISSUE_HANDOVER,
                                color="success",
                                className="mt-3",
                            ),
                            dcc.Loading(html.Div(id=ids.ISSUE_RESULT, className="mt-2")),
                        ],
                        lg=7,
                    ),
                ]
            ),
        ]
    )


def _candidate_view(found: Candidate) -> Any:
    colour = "success" if found.check.allowed else "danger"
    return html.Div(
        [
            html.P(
                [
                    html.Strong(found.name or "(住民記録なし)"),
                    f"({found.name_kana or ''}) ",
                    c.state_badge(found.state),
                    f" 予約 {found.booking_no}" if found.booking_no else " 本日の予約なし",
                ]
            ),
            dbc.Alert(
                [html.Strong(found.check.message_ja), html.Br(), html.Small(found.check.message_en)],
                color=colour,
                id=ids.ISSUE_REGISTER_CHECK,
            ),
        ]
    )


def find(text: str | None) -> tuple[Any, Any, Any, Any, Any]:
    """Look the card up and run the register check."""
    if not text:
        return (
            html.P("交付通知書番号を入力してください", className="text-muted"),
            None,
            None,
            ["user", "signature"],
            None,
        )
    try:
        with context.unit_of_work() as s:
            found = issuance.find_candidate(s, text, context.today(), context.actor())
    except DomainError as err:
        return c.error(err), None, None, ["user", "signature"], None
    certs = ["user", "signature"] if found.signature_by_default else ["user"]
    card_id = found.card_id if found.check.allowed else None
    return _candidate_view(found), card_id, found.booking_no, certs, found.holder_atena_no


def hand_over(
    card_id: int | None,
    booking: str | None,
    document: str | None,
    checks: list[str] | None,
    certs: list[str] | None,
    chip_ok: bool | None = None,
) -> Any:
    """Hand the card over; the result names who and when."""
    if card_id is None:
        return c.error(
            DomainError(
                "交付できるカードが選ばれていません(手順2)", "no card that may be handed over (step 2)"
            )
        )
    checks, certs = checks or [], certs or []
    identity = IdentityCheck(document or "", "face" in checks, "pins" in checks, "receipt" in checks, chip_ok)
    try:
        with context.unit_of_work() as s:
            card = issuance.hand_over(
                s,
                card_id,
                context.actor(),
                identity,
                context.now(),
                CertificateChoice(user="user" in certs, signature="signature" in certs),
                booking_no=booking,
            )
    except DomainError as err:
        return c.error(err)
    return html.Div(
        c.ok(
            f"{card.notice_no}: {CardState(card.state).label_ja}({card.handed_over_by}、"
            f"{c.fmt(card.handed_over_at)})",
            "handed over",
        ),
        id=ids.ISSUE_DONE,
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the issuance page and its callbacks."""
    registry.page(Page("/issuance", "交付", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.ISSUE_CHECK, "children"),
        Output(ids.ISSUE_CARD, "data"),
        Output(ids.ISSUE_BOOKING, "data"),
        Output(ids.ISSUE_CERTS, "value"),
        Output(ids.ISSUE_HOLDER, "data"),
        Input(ids.ISSUE_FIND, "n_clicks"),
        State(ids.ISSUE_NOTICE, "value"),
    )(lambda _n, text: find(text))
    registry.callback(
        app,
        ROLES,
        Output(ids.ISSUE_RESULT, "children"),
        Output(ids.ISSUE_PICKUPS, "children"),
        Input(ids.ISSUE_HANDOVER, "n_clicks"),
        State(ids.ISSUE_CARD, "data"),
        State(ids.ISSUE_BOOKING, "data"),
        State(ids.ISSUE_DOCUMENT, "value"),
        State(ids.ISSUE_CHECKS, "value"),
        State(ids.ISSUE_CERTS, "value"),
        State(ids.ISSUE_CHIP_OK, "data"),
        prevent_initial_call=True,
    )(lambda _n, *values: (hand_over(*values), _pickups()))
    card_read.register(app, registry, ROLES)
