"""Card ledger search (窓口): by 住民票コード, 宛名番号, name or kana, birth date or 交付通知書 number."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import ledger_search

ROLES = frozenset({Role.COUNTER})


def layout(**_: Any) -> Any:
    """Search box and results."""
    return html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.LEDGER_QUERY,
                        placeholder="住民票コード・宛名番号・氏名・カナ・生年月日・交付通知書番号",
                        debounce=True,
                        autoFocus=True,
                    ),
                    dbc.Button("検索", id=ids.LEDGER_SEARCH, color="primary"),
                ],
                className="mb-2",
            ),
            html.Small(
                "全角・半角、空白の有無は問いません。生年月日は 1985-10-10 / 昭和60年10月10日 / S60.10.10",
                className="text-muted",
            ),
            dcc.Loading(html.Div(id=ids.LEDGER_RESULTS, className="mt-3")),
            html.Div(dcc.Link("一括処理(交付通知済など) →", href="/ledger/batch"), className="mt-3"),
        ]
    )


def results(query: str | None) -> Any:
    """Search and render the hits."""
    if not query:
        return html.P("検索語を入力してください。", className="text-muted")
    try:
        with context.unit_of_work() as s:
            found = ledger_search.search(s, query, context.actor())
    except DomainError as err:
        return c.error(err)
    if not found.hits:
        return dbc.Alert("該当する住民はいません / no one found", color="info", id="ledger-none")
    note = html.P(f"{len(found.hits)}件" + ("(上位のみ表示。条件を絞ってください)" if found.more else ""))
    return html.Div(
        [
            note,
            c.table(
                ["氏名", "カナ", "生年月日", "性別", "住所", "住民状態", "宛名番号", "住民票コード"],
                found.hits,
                lambda h: [
                    dcc.Link(h.name, href=f"/ledger/person/{h.atena_no}"),
                    h.name_kana,
                    c.fmt(h.birth_date),
                    c.SEX.get(h.sex, ""),
                    h.address,
                    c.RESIDENT_STATUS.get(h.resident_status, ""),
                    h.atena_no,
                    h.juminhyo_code,
                ],
                table_id="ledger-hits",
            ),
        ]
    )


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the ledger search page and its callback."""
    registry.page(Page("/ledger", "カード台帳", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.LEDGER_RESULTS, "children"),
        Input(ids.LEDGER_SEARCH, "n_clicks"),
        Input(ids.LEDGER_QUERY, "value"),
        prevent_initial_call=True,
    )(lambda _clicks, query: results(query))
