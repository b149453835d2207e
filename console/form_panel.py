"""The person page's 帳票 panel (書かない窓口): choose a form, make it (the same print_form as the CLI:
filled, recorded, kept in the document store, audited), open its PDF; the person's filled forms with
再印刷 links.

A double click or a replayed request does not make a second form: each panel render carries a random token,
and the token with the form kind finds the form it already made (reports.filling.print_form). Another copy
of a form made on this screen is a 再印刷; reloading the page starts a new token."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry
from console.form_pdfs import FORM_ROLES, pdf_url
from core.db.models.forms import FilledForm
from core.domain.errors import DomainError
from core.domain.forms import FormKind, FormSource, form_reference
from core.filestore import FileStore
from core.services.forms import forms_of
from reports.filling import print_form

KIND_OPTIONS = [{"label": kind.label_ja, "value": kind.value} for kind in FormKind]


def form_list(atena_no: str) -> Any:
    """The person's filled forms, newest first, with the kept copy and a reprint (the list is audited)."""
    actor = context.actor()
    with context.unit_of_work() as s:
        forms = forms_of(s, atena_no, actor=actor.name, terminal=actor.terminal)
    if not forms:
        return html.P("記入済みの帳票はありません / no filled forms yet", className="text-muted")

    def cells(form: FilledForm) -> list[Any]:
        reference = form_reference(form.id)
        return [
            html.A(reference, href=pdf_url(reference), target="_blank", title="控えを開く / open the copy"),
            FormKind(form.kind).label_ja,
            FormSource(form.source).label_ja,
            c.fmt(form.created_at),
            form.created_by,
            html.A(
                "再印刷",
                href=pdf_url(reference, reprint=True),
                target="_blank",
                className="md-form-reprint",
                title="記録から再印刷 / reprint from the record",
            ),
        ]

    return c.table(
        ["番号", "帳票", "記入元", "作成", "担当", ""], forms, cells, table_id=ids.PERSON_FORM_TABLE
    )


def panel(atena_no: str) -> Any:
    """The panel: form kind, the make button, the result and the list."""
    return dbc.Card(
        [
            dbc.CardHeader("帳票 / pre-filled forms"),
            dbc.CardBody(
                [
                    dcc.Store(id=ids.PERSON_FORM_TOKEN, data=secrets.token_urlsafe(16)),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    c.hidden_label("帳票の種類", ids.PERSON_FORM_KIND),
                                    dcc.Dropdown(
                                        id=ids.PERSON_FORM_KIND,
                                        options=KIND_OPTIONS,
                                        value=FormKind.RECEIPT.value,
                                        clearable=False,
                                    ),
                                ],
                                md=7,
                            ),
                            dbc.Col(
                                dbc.Button("作成して開く", id=ids.PERSON_FORM_MAKE, color="primary"), md=5
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    html.Div(id=ids.PERSON_FORM_RESULT),
                    html.Div(form_list(atena_no), id=ids.PERSON_FORM_LIST),
                ]
            ),
        ],
        className="mb-3",
    )


def _made(kind: FormKind, reference: str, repeated: bool) -> Any:
    if repeated:
        message = dbc.Alert(
            [
                html.Strong(
                    f"この画面で作成済みの{kind.label_ja}({reference})です。二重には作成しません。"
                    "もう一部必要なときは一覧の「再印刷」を使ってください"
                ),
                html.Br(),
                html.Small(
                    f"already made on this screen ({reference}); not made twice. Use 再印刷 for a copy."
                ),
            ],
            color="info",
        )
    else:
        message = c.ok(
            f"{kind.label_ja}({reference})を作成し、文書として保存しました",
            f"{kind.label_en} {reference} made and kept in the document store",
        )
    link = dbc.Button(
        f"{reference} を開く・印刷",
        href=pdf_url(reference),
        target="_blank",
        external_link=True,
        color="success",
        id=ids.PERSON_FORM_OPEN,
    )
    return html.Div([message, link])


def make(kind_value: str | None, token: str | None, atena: str) -> tuple[Any, Any]:
    """Make the chosen form once for this screen (see the module's note), then show it and the list."""
    try:
        kind = FormKind(kind_value or "")
    except ValueError:
        return c.error(DomainError("帳票の種類を選んでください", "choose a form kind")), form_list(atena)
    actor = context.actor()
    store = FileStore(context.context().settings.documents_dir)
    try:
        with store.written(), context.unit_of_work() as s:
            result = print_form(
                s,
                store,
                kind,
                atena,
                actor=actor.name,
                terminal=actor.terminal,
                client_addr=actor.client_addr,
                request_token=token or "",
                now=context.now(),
            )
    except DomainError as err:
        return c.error(err), form_list(atena)
    return _made(kind, result.reference, result.repeated), form_list(atena)


def register(app: Dash, registry: AccessRegistry, documents: Callable[[str], Any]) -> None:
    """The make button's callback, for the roles that print forms; DOCUMENTS redraws the person's documents
    (the page's list), where the form's kept copy now appears."""
    registry.callback(
        app,
        FORM_ROLES,
        Output(ids.PERSON_FORM_RESULT, "children"),
        Output(ids.PERSON_FORM_LIST, "children"),
        Output(ids.PERSON_DOCUMENT_LIST, "children"),
        Input(ids.PERSON_FORM_MAKE, "n_clicks"),
        State(ids.PERSON_FORM_KIND, "value"),
        State(ids.PERSON_FORM_TOKEN, "data"),
        State(ids.PERSON_ATENA, "data"),
        prevent_initial_call=True,
    )(lambda _n, kind, token, atena: (*make(kind, token, atena), documents(atena)))
