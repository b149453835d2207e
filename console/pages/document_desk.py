"""The indexing desk (索引入力): sheets without a readable QR code, each keyed twice (宛名番号, kind, date)
by two people whose entries must agree; the register's name and birth date beside the image for the check."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from console.document_images import image_url
from console.document_parts import field
from core.domain.document_access import DOCUMENT_ROLES, differences_ja, kinds_for, normalise, parse_entry
from core.domain.documents import DocumentError, DocumentKind
from core.domain.ocr_text import suggest_index
from core.services import document_views
from core.services.document_views import QueueItem

ROLES = DOCUMENT_ROLES
CLEARED = ("", None, "", "")
HIDDEN = {"display": "none"}


def _label(item: QueueItem) -> str:
    keyed = f"入力{item.entries}回" if item.entries else "未入力"
    return f"{item.reference} {item.kind.label_ja}({item.batch or '—'}、{keyed})"


def queue_options() -> list[dict[str, Any]]:
    """The queue as the list's options (oldest first)."""
    with context.unit_of_work() as s:
        queue = document_views.desk_queue(s, roles=context.roles())
    return [{"label": _label(item), "value": item.id} for item in queue]


def layout(**_: Any) -> Any:
    """Queue, page image and the keying form."""
    options = queue_options()
    kinds = [{"label": k.label_ja, "value": k.value} for k in DocumentKind if k in kinds_for(context.roles())]
    form = [
        dbc.Row(
            [
                field(
                    "宛名番号",
                    dbc.Input(id=ids.DESK_ATENA, debounce=True, inputMode="numeric"),
                    ids.DESK_ATENA,
                    md=12,
                ),
                dbc.Col(html.Div(id=ids.DESK_GLANCE, className="mb-2"), md=12),
                field("書類の種類", dbc.Select(id=ids.DESK_KIND, options=kinds), ids.DESK_KIND, md=12),
                field("日付", dbc.Input(id=ids.DESK_DATE, placeholder="2026-12-01"), ids.DESK_DATE, md=6),
                field("交付通知書番号(任意)", dbc.Input(id=ids.DESK_NOTICE), ids.DESK_NOTICE, md=6),
            ],
            className="g-2",
        ),
        dbc.Button("入力を登録", id=ids.DESK_SUBMIT, color="primary", className="mt-3"),
        html.Div(id=ids.DESK_MESSAGE, className="mt-3"),
    ]
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H2("索引待ち / queue", className="h5"),
                    dbc.RadioItems(
                        id=ids.DESK_QUEUE,
                        options=options,
                        value=options[0]["value"] if options else None,
                    ),
                ],
                lg=3,
            ),
            dbc.Col(
                [
                    html.P(id=ids.DESK_ENTRIES, className="small text-muted mb-1"),
                    html.Img(id=ids.DESK_IMAGE, alt="", className="md-desk-page border", style=HIDDEN),
                ],
                lg=5,
            ),
            dbc.Col([html.H2("入力 / keying", className="h5"), *form], lg=4),
        ]
    )


def show(document_id: int | None) -> tuple[Any, ...]:
    """The selected sheet's image and who keyed it so far; the form starts empty for each sheet."""
    item = None
    if document_id is not None:
        with context.unit_of_work() as s:
            queue = document_views.desk_queue(s, roles=context.roles())
        item = next((i for i in queue if i.id == document_id), None)
    if item is None:
        nothing = "索引待ちの書類はありません / nothing to index"
        return "", "", HIDDEN, nothing, *CLEARED, ""
    keyed = "、".join(item.entered_by) if item.entered_by else "まだ誰も入力していません"
    entries = [f"{item.reference}: 入力済み {item.entries}回({keyed})", html.Br(), _suggestion(item)]
    alt = f"{item.reference} {item.kind.label_ja} 1ページ目"
    return image_url(item.id, 1), alt, {}, entries, *CLEARED, ""


def _suggestion(item: QueueItem) -> Any:
    """The OCR text's guess, shown beside the form and never typed into it: both entries stay independent."""
    hint = suggest_index(item.ocr_text, context.today())
    found = [f"宛名番号 {hint.atena_no}"] if hint.atena_no else []
    found += [f"日付 {c.fmt(hint.form_date)}"] if hint.form_date else []
    text = "OCR の候補(画像で確かめてから入力): " + "、".join(found) if found else "OCR の候補はありません"
    return html.Span(text, id=ids.DESK_SUGGESTION)


def glance(atena_no: str | None, document_id: int | None) -> Any:
    """The register's name and birth date for the typed 宛名番号 (audited)."""
    atena = normalise(atena_no)
    if not atena or document_id is None:
        return ""
    if not atena.isdigit():
        return c.error(DocumentError("宛名番号は数字で入れてください", "the atena number is digits"))
    try:
        with context.unit_of_work() as s:
            person = document_views.register_glance(s, atena, document_id=document_id, actor=context.actor())
    except DocumentError as err:
        return c.error(err)
    return dbc.Alert(
        [
            html.Div("住民記録と照合してください / check against the register", className="small"),
            html.Strong(f"{person.name}({person.name_kana})"),
            html.Div(f"生年月日 {c.fmt(person.birth_date)}"),
        ],
        color="info",
        className="py-2",
    )


def submit(document_id: int | None, atena: str, kind: str, day: str, notice: str) -> tuple[Any, ...]:
    """Record one keying; bad input or a disagreement keeps what was typed and says what to fix."""
    keep = (no_update,) * 4
    if document_id is None:
        return c.error(DocumentError("書類を選んでください", "choose a sheet")), *keep, no_update, no_update
    staff = context.user()
    try:
        entry = parse_entry(
            atena,
            kind,
            day,
            notice,
            entered_by=staff.staff_code if staff else "anonymous",
            allowed=kinds_for(context.roles()),
            today=context.today(),
        )
        with context.unit_of_work() as s:
            outcome = document_views.key_entry(
                s, document_id, entry, roles=context.roles(), now=context.now(), actor=context.actor()
            )
    except DocumentError as err:
        return c.error(err), *keep, no_update, no_update
    reference = f"DOC-{document_id:08d}"
    if outcome.indexed:
        message = c.ok(f"{reference} の索引を確定しました(2人の入力が一致)", "indexed: two entries agree")
    elif "entered_by" in outcome.differences and not differences_ja(outcome.differences):
        message = c.error(
            DocumentError(
                "同じ職員の2回目の入力では確定できません。別の職員が入力してください",
                "a second entry must come from someone else",
            )
        )
        return message, *keep, no_update, no_update
    elif outcome.differences:
        message = c.error(
            DocumentError(
                f"索引は確定していません: 先の入力と {differences_ja(outcome.differences)} が違います。"
                "書類を見直して入力し直してください",
                f"not indexed: the entries differ in {', '.join(outcome.differences)}; check and key again",
            )
        )
        return message, *keep, no_update, no_update
    else:
        message = c.ok(
            f"{reference}: 1回目の入力を記録しました。別の職員が2回目を入力します", "first entry recorded"
        )
    options = queue_options()
    selected = options[0]["value"] if options else None
    return message, *CLEARED, options, selected


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the desk and its callbacks."""
    registry.page(Page("/documents/index", "索引入力", ROLES, layout))
    entry_fields = (ids.DESK_ATENA, ids.DESK_KIND, ids.DESK_DATE, ids.DESK_NOTICE)
    registry.callback(
        app,
        ROLES,
        Output(ids.DESK_IMAGE, "src"),
        Output(ids.DESK_IMAGE, "alt"),
        Output(ids.DESK_IMAGE, "style"),
        Output(ids.DESK_ENTRIES, "children"),
        *[Output(f, "value", allow_duplicate=True) for f in entry_fields],
        Output(ids.DESK_GLANCE, "children", allow_duplicate=True),
        Input(ids.DESK_QUEUE, "value"),
        prevent_initial_call="initial_duplicate",
    )(show)
    registry.callback(
        app,
        ROLES,
        Output(ids.DESK_GLANCE, "children"),
        Input(ids.DESK_ATENA, "value"),
        State(ids.DESK_QUEUE, "value"),
        prevent_initial_call=True,
    )(glance)
    registry.callback(
        app,
        ROLES,
        Output(ids.DESK_MESSAGE, "children"),
        *[Output(f, "value") for f in entry_fields],
        Output(ids.DESK_QUEUE, "options"),
        Output(ids.DESK_QUEUE, "value"),
        Input(ids.DESK_SUBMIT, "n_clicks"),
        State(ids.DESK_QUEUE, "value"),
        *[State(f, "value") for f in entry_fields],
        prevent_initial_call=True,
    )(lambda _n, document_id, atena, kind, day, notice: submit(document_id, atena, kind, day, notice))
