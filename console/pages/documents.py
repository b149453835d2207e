"""Scanned documents (書類検索): search by 宛名番号, name/kana, notice number, kind, date range, batch and the
OCR text, and a viewer that pages through a document's images. Every search and view is audited."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from console.document_images import image_url
from console.document_parts import VIEWER, details, field, results
from core.domain.document_access import DOCUMENT_ROLES, kinds_for
from core.domain.documents import DocumentError, DocumentKind, parse_reference
from core.filestore import FileStore
from core.services import document_views

ROLES = DOCUMENT_ROLES
LABELS: Any = {  # the dropdown's own words, in Japanese
    "select_all": "すべて選択",
    "deselect_all": "選択を解除",
    "selected_count": "{num_selected}件を選択",
    "search": "種類を検索",
    "clear_search": "検索語を消去",
    "clear_selection": "選択を解除",
    "no_options_found": "該当する種類はありません",
}


def _text(component_id: str, placeholder: str) -> dbc.Input:
    return dbc.Input(id=component_id, placeholder=placeholder, size="sm", debounce=True)


def layout(**_: Any) -> Any:
    """The search form and its results."""
    kinds = [{"label": k.label_ja, "value": k.value} for k in DocumentKind if k in kinds_for(context.roles())]
    return html.Div(
        [
            dbc.Row(
                [
                    field("宛名番号", _text(ids.DOCS_ATENA, "例: 900000012"), ids.DOCS_ATENA),
                    field("氏名・カナ", _text(ids.DOCS_NAME, "例: 藤沢 花子 / フジサワ"), ids.DOCS_NAME),
                    field("交付通知書番号", _text(ids.DOCS_NOTICE, "例: FJS-000123"), ids.DOCS_NOTICE),
                    field(
                        "種類",
                        dcc.Dropdown(
                            id=ids.DOCS_KIND, options=kinds, multi=True, placeholder="すべて", labels=LABELS
                        ),
                        ids.DOCS_KIND,
                    ),
                    field("日付(から)", _text(ids.DOCS_FROM, "2026-04-01"), ids.DOCS_FROM, md=2),
                    field("日付(まで)", _text(ids.DOCS_TO, "2026-12-31"), ids.DOCS_TO, md=2),
                    field("バッチ", _text(ids.DOCS_BATCH, "BAT-00000012"), ids.DOCS_BATCH, md=2),
                    field("本文(OCR)", _text(ids.DOCS_TEXT, "書類に書かれた語"), ids.DOCS_TEXT, md=4),
                    dbc.Col(dbc.Button("検索", id=ids.DOCS_SEARCH, color="primary", className="mt-3"), md=2),
                ],
                className="g-2 mb-3",
            ),
            html.Div(id=ids.DOCS_MESSAGE),
            html.Div(id=ids.DOCS_RESULTS),
        ]
    )


def search(*values: Any) -> tuple[Any, Any]:
    """Run the search (audited); bad input says what to fix and leaves the form as typed."""
    atena, name, notice, kinds, date_from, date_to, batch, text = values
    try:
        query = document_views.query_from_form(
            atena_no=atena,
            name=name,
            notice_no=notice,
            kinds=kinds,
            date_from=date_from,
            date_to=date_to,
            batch=batch,
            text=text,
        )
        with context.unit_of_work() as s:
            found = document_views.search(s, query, roles=context.roles(), actor=context.actor())
    except DocumentError as err:
        return c.error(err), no_update
    count = html.P(f"{len(found)}件 / {len(found)} found", className="small text-muted mb-1")
    return count, results(found, ids.DOCS_HITS)


def viewer(parameter: str | None = None, **_: Any) -> Any:
    """One document: its index beside its page images (the view and each image are audited)."""
    document_id = parse_reference(parameter or "", "DOC")
    if document_id is None:
        return c.error(
            DocumentError("書類番号は DOC-00000012 の形です", "a document reads like DOC-00000012")
        )
    store = FileStore(context.context().settings.documents_dir)
    try:
        with context.unit_of_work() as s:
            sheet = document_views.open_document(s, document_id, roles=context.roles(), actor=context.actor())
            pages = document_views.page_count(s, store, document_id)
    except document_views.NotAllowed as refused:
        with context.unit_of_work() as s:
            document_views.record_refusal(s, context.actor(), refused)
        return c.error(refused)
    except DocumentError as err:
        return c.error(err)
    return dbc.Row(
        [
            dcc.Store(id=ids.DOCV_STATE, data={"id": document_id, "pages": pages, "page": 1}),
            dbc.Col([html.H2(sheet.row.reference, className="h5"), details(sheet, ids.DOCV_DETAILS)], lg=4),
            dbc.Col(
                [
                    html.Div(
                        [
                            dbc.Button("前のページ", id=ids.DOCV_PREV, size="sm", color="secondary"),
                            html.Span(f"1 / {pages}", id=ids.DOCV_PAGE, className="mx-3", role="status"),
                            dbc.Button("次のページ", id=ids.DOCV_NEXT, size="sm", color="secondary"),
                        ],
                        className="mb-2",
                    ),
                    html.Img(
                        id=ids.DOCV_IMAGE,
                        src=image_url(document_id, 1) if pages else "",
                        alt=f"{sheet.row.reference} {sheet.row.kind} 1ページ目",
                        className="md-document-page border",
                    ),
                ],
                lg=8,
            ),
        ]
    )


def turn(state: dict[str, int]) -> tuple[Any, Any, Any, Any]:
    """The previous or next page (the image route audits the view of each page)."""
    step = -1 if ctx.triggered_id == ids.DOCV_PREV else 1
    page = min(max(1, state["page"] + step), max(1, state["pages"]))
    label = f"{page} / {state['pages']}"
    alt = f"DOC-{state['id']:08d} {page}ページ目"
    return image_url(state["id"], page), alt, label, {**state, "page": page}


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the search page, the viewer and their callbacks."""
    registry.page(Page("/documents", "書類検索", ROLES, layout))
    registry.page(Page(VIEWER, "書類の表示", ROLES, viewer, in_menu=False, prefix=True))
    fields = (
        ids.DOCS_ATENA,
        ids.DOCS_NAME,
        ids.DOCS_NOTICE,
        ids.DOCS_KIND,
        ids.DOCS_FROM,
        ids.DOCS_TO,
        ids.DOCS_BATCH,
        ids.DOCS_TEXT,
    )
    registry.callback(
        app,
        ROLES,
        Output(ids.DOCS_MESSAGE, "children"),
        Output(ids.DOCS_RESULTS, "children"),
        Input(ids.DOCS_SEARCH, "n_clicks"),
        *[State(f, "value") for f in fields],
        prevent_initial_call=True,
    )(lambda _n, *values: search(*values))
    registry.callback(
        app,
        ROLES,
        Output(ids.DOCV_IMAGE, "src"),
        Output(ids.DOCV_IMAGE, "alt"),
        Output(ids.DOCV_PAGE, "children"),
        Output(ids.DOCV_STATE, "data"),
        Input(ids.DOCV_PREV, "n_clicks"),
        Input(ids.DOCV_NEXT, "n_clicks"),
        State(ids.DOCV_STATE, "data"),
        prevent_initial_call=True,
    )(lambda _p, _n, state: turn(state))
