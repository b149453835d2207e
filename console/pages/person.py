"""A person's page in the card ledger: register record (today and history), cards, certificates, bookings,
event timeline, and the state changes the state machine allows."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from console import components as c
from console import context, form_panel, ids
from console.access import AccessRegistry, Page
from console.document_parts import results
from core.db.models.cards import Card
from core.domain.cards import CardState, CertificateKind, CertificateState, RevokeReason, city_holds_card
from core.domain.documents import DocumentError
from core.domain.errors import DomainError
from core.domain.register import COLUMN_LABELS_JA
from core.domain.roles import Role
from core.services import card_actions, document_views, ledger_search
from core.services.documents import DocumentQuery
from core.services.ledger_search import PersonRecord

ROLES = frozenset({Role.COUNTER})
REGISTER_FIELDS = (
    ("氏名", "name"),
    ("カナ", "name_kana"),
    ("生年月日", "birth_date"),
    ("住所", "address"),
    ("住民状態", "resident_status"),
    ("住民種別", "resident_kind"),
    ("異動事由", "move_reason"),
    ("異動日", "move_date"),
    ("世帯番号", "household_no"),
    ("続柄", "relation"),
    ("在留資格", "residence_status"),
    ("在留期間満了日", "residence_expiry"),
    ("宛名番号", "atena_no"),
    ("住民票コード", "juminhyo_code"),
)


def _register(record: PersonRecord) -> Any:
    r = record.resident
    rows = []
    for label, name in REGISTER_FIELDS:
        value = getattr(r, name)
        if name == "resident_status":
            value = c.RESIDENT_STATUS.get(value, value)
        if name == "resident_kind":
            value = {1: "日本人", 2: "外国人"}.get(value, value)
        shown = c.move_reason(value) if name == "move_reason" else c.fmt(value)
        rows.append(html.Tr([html.Th(label, className="w-25"), html.Td(shown, id=f"person-register-{name}")]))
    warn = []
    if r.resident_status != 1:
        warn.append(
            dbc.Alert(
                f"住民状態: {c.RESIDENT_STATUS.get(r.resident_status)}(カードは交付できません)",
                color="danger",
                id=ids.PERSON_BLOCKED,
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader("住民記録(本日現在) / register record today"),
            dbc.CardBody([*warn, dbc.Table(html.Tbody(rows), size="sm", className="md-table")]),
        ]
    )


CHANGE_KINDS = {"new": "新規", "changed": "変更", "removed": "消除", "unchanged": "変更なし"}


def _history(record: PersonRecord) -> Any:
    if not record.versions:
        return html.P("履歴はありません / no earlier versions", className="text-muted")
    return c.table(
        ["版", "有効開始", "有効終了", "種別", "変更項目", "氏名", "住所", "住民状態", "異動事由"],
        record.versions,
        lambda v: [
            v.version,
            c.fmt(v.valid_from),
            c.fmt(v.valid_to),
            CHANGE_KINDS.get(v.change_kind, v.change_kind),
            "、".join(COLUMN_LABELS_JA.get(col, col) for col in (v.changed_columns or "").split(",") if col),
            v.name,
            v.address,
            c.RESIDENT_STATUS.get(v.resident_status, ""),
            c.move_reason(v.move_reason),
        ],
    )


def _certificates(view: ledger_search.CardView) -> str:
    parts = [
        f"{CertificateKind(cert.kind).label_ja}: {CertificateState(cert.state).label_ja}"
        + (f"(〜{cert.expires_on})" if cert.expires_on else "")
        for cert in view.certificates
    ]
    return "、".join(parts) or "—"


HANDOVER_FROM = ("notified", "reserved", "reminded")


def _notice_cell(notice_no: str | None, state: str) -> Any:
    """The notice number; a link to the issuance flow when the card can be handed over there."""
    if notice_no and state in HANDOVER_FROM:
        return dcc.Link(notice_no, href=f"/issuance?notice={notice_no}", title="交付画面へ / to issuance")
    return notice_no or "—"


def _storage(card: Card) -> str:
    """The storage box, only while the city still holds the card (after handover the box is history)."""
    held = city_holds_card(CardState(card.state), card.handed_over_at is not None)
    return (card.storage_box or "—") if held else "—"


def cards_section(record: PersonRecord) -> Any:
    """The person's cards with their certificates."""
    return c.table(
        [
            "交付通知書番号",
            "状態",
            "発行日",
            "有効期限",
            "通知日",
            "交付日時",
            "交付者",
            "保管",
            "電子証明書",
        ],
        record.cards,
        lambda v: [
            _notice_cell(v.card.notice_no, v.card.state),
            c.state_badge(v.card.state),
            c.fmt(v.card.issued_on),
            c.fmt(v.card.expires_on),
            c.fmt(v.card.notified_on),
            c.fmt(v.card.handed_over_at),
            v.card.handed_over_by or "—",
            _storage(v.card),
            _certificates(v),
        ],
        table_id=ids.PERSON_CARD_TABLE,
    )


def _event_text(from_state: str | None, to_state: str | None, kind: str) -> str:
    if to_state is None:
        return c.EVENT_KINDS.get(kind, kind)
    before = CardState(from_state).label_ja if from_state else "登録"
    return f"{before} → {CardState(to_state).label_ja}"


def _timeline(record: PersonRecord) -> Any:
    notice = {v.card.id: v.card.notice_no for v in record.cards}
    items = [
        html.Li(
            [
                html.Code(c.fmt(e.at)),
                f" {notice.get(e.card_id) or e.card_id}: ",
                _event_text(e.from_state, e.to_state, e.kind),
                html.Small(f"({e.actor}{' / ' + e.reason if e.reason else ''})", className="text-muted"),
            ]
        )
        for e in record.events
    ]
    return html.Ul(items, className="md-timeline", id=ids.PERSON_TIMELINE) if items else html.P("記録なし")


def _bookings(record: PersonRecord) -> Any:
    if not record.bookings:
        return html.P("予約はありません / no bookings", className="text-muted")
    return c.table(
        ["予約番号", "日時", "会場", "手続", "状態", "交付通知書番号", "経路"],
        record.bookings,
        lambda b: [
            b.booking_no,
            c.fmt(b.starts_at),
            b.venue,
            b.procedure,
            c.BOOKING_STATUS.get(b.status, b.status),
            b.notice_no or "",
            c.CHANNEL.get(b.channel, b.channel),
        ],
    )


def _change_form(record: PersonRecord) -> Any:
    options: list[dict[str, Any]] = [
        {"label": f"{v.card.notice_no or v.card.id}({CardState(v.card.state).label_ja})", "value": v.card.id}
        for v in record.cards
    ]
    return dbc.Card(
        [
            dbc.CardHeader("状態の変更 / change a card's state"),
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                c.hidden_label("カード", ids.PERSON_CARD),
                                dcc.Dropdown(
                                    id=ids.PERSON_CARD,
                                    options=options,
                                    placeholder="カード",
                                    value=options[-1]["value"] if options else None,
                                ),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                c.hidden_label("変更先の状態", ids.PERSON_TARGET),
                                dcc.Dropdown(id=ids.PERSON_TARGET, placeholder="変更先の状態"),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                c.hidden_label("廃止理由", ids.PERSON_REASON),
                                dcc.Dropdown(id=ids.PERSON_REASON, placeholder="廃止理由(廃止のとき)"),
                            ],
                            md=2,
                        ),
                        dbc.Col(
                            [
                                c.hidden_label("備考", ids.PERSON_NOTE),
                                dbc.Input(id=ids.PERSON_NOTE, placeholder="備考"),
                            ],
                            md=2,
                        ),
                        dbc.Col(dbc.Button("変更する", id=ids.PERSON_APPLY, color="warning"), md=2),
                    ],
                    className="g-2",
                )
            ),
            dbc.CardFooter(html.Div(id=ids.PERSON_RESULT)),
        ],
        className="mb-3",
    )


def _documents(atena_no: str) -> Any:
    """The person's scanned and printed documents, each linked to the viewer (the listing is audited)."""
    try:
        with context.unit_of_work() as s:
            found = document_views.search(
                s, DocumentQuery(atena_no=atena_no), roles=context.roles(), actor=context.actor()
            )
    except DocumentError as err:
        return c.error(err)
    return results(found, ids.PERSON_DOCUMENTS)


def layout(parameter: str | None = None, **_: Any) -> Any:
    """The whole person page (the view is audited)."""
    try:
        with context.unit_of_work() as s:
            record = ledger_search.person_record(s, parameter or "", context.actor())
    except DomainError as err:
        return c.error(err)
    r = record.resident
    return html.Div(
        [
            dcc.Store(id=ids.PERSON_ATENA, data=r.atena_no),
            html.H2(f"{r.name}({r.name_kana})", className="h4", id=ids.PERSON_NAME),
            dbc.Row(
                [
                    dbc.Col(_register(record), lg=5),
                    dbc.Col(
                        [
                            html.H3("カード / cards", className="h5"),
                            html.Div(cards_section(record), id=ids.PERSON_CARDS),
                            _change_form(record),
                            form_panel.panel(r.atena_no),
                            html.H3("予約 / bookings", className="h5"),
                            _bookings(record),
                            html.H3("書類 / documents", className="h5"),
                            html.Div(_documents(r.atena_no), id=ids.PERSON_DOCUMENT_LIST),
                        ],
                        lg=7,
                    ),
                ]
            ),
            html.H3("経過 / event timeline", className="h5 mt-3"),
            _timeline(record),
            html.H3("住民記録の履歴 / register history", className="h5 mt-3"),
            html.Div(_history(record), id=ids.PERSON_HISTORY),
        ]
    )


def target_options(card_id: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The states (and revocation reasons) offered for the selected card."""
    if card_id is None:
        return [], []
    with context.unit_of_work() as s:
        offers = card_actions.offers_for(s, card_id)
    targets = [
        {
            "label": o.target.label_ja + ("(交付画面で)" if o.via_issuance else ""),
            "value": o.target.value,
            "disabled": o.via_issuance,
        }
        for o in offers
    ]
    reasons = [{"label": r.value, "value": r.value} for o in offers for r in o.reasons]
    return targets, reasons


def apply(card_id: int | None, target: str | None, reason: str | None, note: str | None, atena: str) -> Any:
    """Make the change, then show the refreshed cards."""
    if card_id is None or not target:
        return c.error(
            DomainError("カードと変更先を選んでください", "choose a card and a target state")
        ), no_update
    try:
        with context.unit_of_work() as s:
            card = card_actions.apply_change(
                s,
                card_id,
                CardState(target),
                context.actor(),
                now=context.now(),
                reason=RevokeReason(reason) if reason else None,
                note=note,
            )
            message = c.ok(
                f"{card.notice_no}: {CardState(card.state).label_ja} に変更しました",
                f"changed to {card.state}",
            )
            record = ledger_search.person_record(s, atena, context.actor())
    except DomainError as err:
        return c.error(err), no_update
    return message, cards_section(record)


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the person page and its callbacks."""
    registry.page(Page("/ledger/person", "住民・カード詳細", ROLES, layout, in_menu=False, prefix=True))
    form_panel.register(app, registry, _documents)
    registry.callback(
        app,
        ROLES,
        Output(ids.PERSON_TARGET, "options"),
        Output(ids.PERSON_REASON, "options"),
        Input(ids.PERSON_CARD, "value"),
    )(target_options)
    registry.callback(
        app,
        ROLES,
        Output(ids.PERSON_RESULT, "children"),
        Output(ids.PERSON_CARDS, "children"),
        Input(ids.PERSON_APPLY, "n_clicks"),
        State(ids.PERSON_CARD, "value"),
        State(ids.PERSON_TARGET, "value"),
        State(ids.PERSON_REASON, "value"),
        State(ids.PERSON_NOTE, "value"),
        State(ids.PERSON_ATENA, "data"),
        prevent_initial_call=True,
    )(lambda _n, card, target, reason, note, atena: apply(card, target, reason, note, atena))
