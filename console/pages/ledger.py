"""Card ledger search (窓口): by 住民票コード, 宛名番号, name or kana with or without the birth date,
birth date or 交付通知書 number; narrowed by 地区 and age."""

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


def _select(label: str, component_id: str, options: list[tuple[str, str]]) -> dbc.Col:
    """A labelled native select whose first option means 'no narrowing'."""
    choices = [{"label": "指定なし", "value": ""}, *[{"label": text, "value": key} for key, text in options]]
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="small mb-0"),
            dbc.Select(id=component_id, options=choices, value="", size="sm"),
        ],
        xs=6,
        md=3,
    )


def hint() -> str:
    """The search box's hint: what can be typed, with examples that all work (tested one by one)."""
    examples = " / ".join(f"「{example}」" for example in ledger_search.HINT_EXAMPLES)
    return (
        "氏名またはカナに生年月日を続けて入力できます(全角・半角、ひらがな・カタカナ、空白の有無は問いません)。"
        f"例: {examples}"
    )


def layout(**_: Any) -> Any:
    """Search box, narrowing by 地区 and age, and results."""
    ages = [
        (key, f"{key.replace('+', '')}歳{'以上' if '+' in key else ''}") for key in ledger_search.AGE_BANDS
    ]
    return html.Div(
        [
            dbc.Label("検索語", html_for=ids.LEDGER_QUERY, className="visually-hidden"),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.LEDGER_QUERY,
                        placeholder="氏名・カナ(+生年月日)・生年月日・住民票コード・宛名番号・交付通知書番号",
                        debounce=True,
                        autoFocus=True,
                    ),
                    dbc.Button("検索", id=ids.LEDGER_SEARCH, color="primary"),
                ],
                className="mb-1",
            ),
            html.Small(hint(), className="text-muted d-block mb-2", id=ids.LEDGER_HINT),
            dbc.Row(
                [
                    _select("地区で絞り込み", ids.LEDGER_DISTRICT, ledger_search.district_choices()),
                    _select("年齢で絞り込み", ids.LEDGER_AGE, ages),
                ],
                className="g-2",
            ),
            dcc.Loading(html.Div(id=ids.LEDGER_RESULTS, className="mt-3")),
            html.Div(dcc.Link("一括処理(交付通知済など) →", href="/ledger/batch"), className="mt-3"),
        ]
    )


def results(query: str | None, district: str | None = None, age_band: str | None = None) -> Any:
    """Search (narrowed by district and age) and render the hits."""
    if not query:
        return html.P("検索語を入力してください。", className="text-muted")
    narrowing = ledger_search.Narrowing(district or None, age_band or None)
    try:
        with context.unit_of_work() as s:
            found = ledger_search.search(
                s, query, context.actor(), today=context.today(), narrowing=narrowing
            )
    except DomainError as err:
        return c.error(err)
    if not found.hits:
        return dbc.Alert("該当する住民はいません / no one found", color="info", id=ids.LEDGER_NONE)
    more = "(上位のみ表示。生年月日・地区・年齢で絞り込んでください)" if found.more else ""
    note = html.P(f"{len(found.hits)}件{more}", id=ids.LEDGER_COUNT)
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
                table_id=ids.LEDGER_HITS,
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
        Input(ids.LEDGER_DISTRICT, "value"),
        Input(ids.LEDGER_AGE, "value"),
        prevent_initial_call=True,
    )(lambda _clicks, query, district, age: results(query, district, age))
