"""カード読取 in the issuance flow: the browser reads the chip's 4 items through the card agent on the staff
PC (reader/API.md); the server audits the read and compares the items with the register."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry
from core.domain.errors import DomainError
from core.domain.identity import IdentityComparison, Match, PersonFace
from core.services.card_reads import compare_card_read

# Runs in the browser: the PIN goes to the agent on 127.0.0.1 only, never to the console server.
READ_JS = """
async function(clicks, pin, url) {
    const none = window.dash_clientside.no_update;
    if (!clicks) { return [none, none]; }
    const agent = window.__mynadeskReader || (window.__mynadeskReader = new MynaDeskCardReader(url));
    try {
        const card = await agent.read(pin || "");
        return [{ok: true, card: card}, ""];
    } catch (e) {
        return [{ok: false, code: e.code || "error", message_ja: e.messageJa || String(e),
                 message_en: e.messageEn || ""}, ""];
    }
}
"""


def panel() -> Any:
    """The reader box: PIN, button, result."""
    return html.Div(
        [
            html.Strong("カード読取(ICチップ照合)"),
            html.Small(
                " 住民に暗証番号(4桁)を入力してもらい、カードをリーダーに置いて読み取ります。",
                className="text-muted",
            ),
            dcc.Store(id=ids.ISSUE_READER_URL, data=context.context().options.reader_url),
            dcc.Store(id=ids.ISSUE_CHIP),
            dcc.Store(id=ids.ISSUE_CHIP_OK),
            dbc.InputGroup(
                [
                    c.group_label("暗証番号", ids.ISSUE_PIN),
                    dbc.Input(
                        id=ids.ISSUE_PIN,
                        type="password",
                        inputMode="numeric",
                        maxLength=4,
                        placeholder="暗証番号(4桁)",
                        autoComplete="off",
                    ),
                    dbc.Button("カード読取", id=ids.ISSUE_READ, color="secondary"),
                ],
                size="sm",
                className="my-1",
                style={"maxWidth": "24rem"},
            ),
            html.Div(
                id=ids.ISSUE_CHIP_RESULT,
                children=html.Small(
                    "未読取 / not read (読み取らずに交付することもできます)", className="text-muted"
                ),
            ),
        ],
        className="md-placeholder p-2 my-2",
        id=ids.ISSUE_READER,
    )


def _face(card: dict[str, Any]) -> PersonFace:
    birth = card.get("birth_date")
    return PersonFace(
        name=str(card.get("name", "")),
        address=str(card.get("address", "")),
        birth_date=date.fromisoformat(birth) if birth else None,
        sex=str(card.get("sex", "9")),
    )


def _table(result: IdentityComparison) -> Any:
    colour = {Match.SAME: "text-success", Match.DIFFERENT: "text-danger"}
    rows = c.table(
        ["項目", "カード", "住民記録", "照合"],
        list(result.fields),
        lambda f: [
            f.label_ja,
            f.card,
            f.register,
            html.Span(f.match.label_ja, className=colour.get(f.match, "text-warning")),
        ],
        table_id=ids.ISSUE_CHIP_TABLE,
    )
    notes = []
    if not result.same_person_likely:
        notes.append(
            dbc.Alert(
                "生年月日または性別が違います。本人のカードではない可能性があります(交付できません)",
                color="danger",
            )
        )
    elif result.face_change_needed:
        notes.append(dbc.Alert("氏名・住所が違います。券面記載事項変更届を案内してください", color="warning"))
    return html.Div([rows, *notes])


def compare(raw: dict[str, Any] | None, holder: str | None) -> tuple[Any, bool | None]:
    """Audit the read (or the failure) and show the comparison; the flag feeds the handover."""
    if not raw:
        return html.Small("未読取", className="text-muted"), None
    if not holder:
        return c.error(
            DomainError("先にカードを照会してください(手順2)", "look the card up first (step 2)")
        ), None
    try:
        with context.unit_of_work() as s:
            result = compare_card_read(
                s,
                holder,
                _face(raw["card"]) if raw.get("ok") else None,
                actor=context.actor(),  # with the role the staff member acts in
                outcome=str(raw.get("code", "ok")),
            )
    except DomainError as err:
        return c.error(err), None
    if result is None:
        return c.error(
            DomainError(
                str(raw.get("message_ja", "読み取れませんでした")),
                str(raw.get("message_en", "the card could not be read")),
            )
        ), None
    return _table(result), result.same_person_likely


def register(app: Dash, registry: AccessRegistry, roles: frozenset[Any]) -> None:
    """The browser-side read and the server-side comparison."""
    registry.clientside(
        app,
        roles,
        READ_JS,
        Output(ids.ISSUE_CHIP, "data"),
        Output(ids.ISSUE_PIN, "value"),
        Input(ids.ISSUE_READ, "n_clicks"),
        State(ids.ISSUE_PIN, "value"),
        State(ids.ISSUE_READER_URL, "data"),
        prevent_initial_call=True,
    )
    registry.callback(
        app,
        roles,
        Output(ids.ISSUE_CHIP_RESULT, "children"),
        Output(ids.ISSUE_CHIP_OK, "data"),
        Input(ids.ISSUE_CHIP, "data"),
        State(ids.ISSUE_HOLDER, "data"),
        prevent_initial_call=True,
    )(compare)
