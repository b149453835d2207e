"""Pieces the document pages share: the result table, the viewer's details, a labelled field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from console import components as c
from core.services.document_views import DocumentRow, DocumentSheet

VIEWER = "/documents/view"


def viewer_href(reference: str) -> str:
    """The viewer's address for a document."""
    return f"{VIEWER}/{reference}"


def field(label: str, component: Any, component_id: str, **width: int) -> dbc.Col:
    """A small label above its control."""
    return dbc.Col(
        [dbc.Label(label, html_for=component_id, className="small mb-0"), component], **(width or {"md": 3})
    )


def results(documents: Sequence[DocumentRow], table_id: str) -> Any:
    """The result list: each document's reference links to the viewer."""
    if not documents:
        return html.P("該当する書類はありません / no documents found", className="text-muted")
    return c.table(
        ["書類番号", "種類", "宛名番号", "氏名", "日付", "交付通知書番号", "バッチ", "状態", "頁"],
        documents,
        lambda d: [
            dcc.Link(d.reference, href=viewer_href(d.reference), title="画像を表示 / view"),
            d.kind,
            d.atena_no or "—",
            d.name or "—",
            c.fmt(d.form_date),
            d.notice_no or "—",
            d.batch or "—",
            d.status,
            d.pages,
        ],
        table_id=table_id,
    )


def details(sheet: DocumentSheet, details_id: str) -> Any:
    """The index of the document beside its image."""
    row = sheet.row
    person = f"{row.name}({sheet.name_kana})" if row.name else "—"
    items = [
        ("書類番号", row.reference),
        ("種類", row.kind),
        ("状態", row.status),
        ("宛名番号", row.atena_no or "—"),
        ("氏名", person),
        ("生年月日", c.fmt(sheet.birth_date)),
        ("日付", c.fmt(row.form_date)),
        ("交付通知書番号", row.notice_no or "—"),
        ("バッチ", row.batch or "—"),
        ("索引", _indexed_by(sheet.indexed_by)),
    ]
    body = html.Tbody([html.Tr([html.Th(k, className="w-50"), html.Td(v)]) for k, v in items])
    return dbc.Table(body, size="sm", className="md-table", id=details_id)


def _indexed_by(indexed_by: str | None) -> str:
    """Who gave the sheet its index: its QR code, or the staff who keyed it twice ("TDOC1,TCOU1")."""
    if not indexed_by:
        return "—"
    if indexed_by == "qr":
        return "QRコードから"
    return "入力: " + "、".join(indexed_by.split(","))
