"""Small building blocks shared by the pages: tables, alerts, labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import dash_bootstrap_components as dbc
from dash import html

from core.domain.booking import TOKYO
from core.domain.cards import CardState
from core.domain.errors import DomainError
from core.domain.register import MoveReason
from core.domain.reservations import ReservationStatus

T = TypeVar("T")

SEX = {1: "男", 2: "女"}
RESIDENT_STATUS = {1: "住民", 2: "転出", 3: "死亡", 9: "その他消除"}
BOOKING_STATUS = {status.value: status.label_ja for status in ReservationStatus}
CHANNEL = {"web": "Web", "counter": "窓口", "phone": "電話"}
EVENT_KINDS = {"certificate": "電子証明書", "flag": "記録", "register_effect": "住民記録の反映"}
STATE_COLOURS = {
    "issued": "success",
    "reserved": "info",
    "notified": "primary",
    "reminded": "warning",
    "mail_returned": "warning",
    "revoked": "secondary",
    "destroyed": "dark",
    "suspended": "danger",
    "expired": "secondary",
}


def fmt(value: Any) -> str:
    """A value as shown on screen (dates in Japan time)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def coded(label: str, code: str | None) -> Any:
    """A label staff read, with the raw code beside it in small text (and as a tooltip)."""
    if not code:
        return "—"
    if label == code:
        return code
    return html.Span([label, " ", html.Small(code, className="text-muted")], title=code)


def move_reason(code: str | None) -> Any:
    """異動事由 as its label (A01 → 国内転入) with the code beside it."""
    known = {reason.value: reason.label_ja for reason in MoveReason}
    return coded(known.get(code or "", code or ""), code)


def state_badge(state: str) -> dbc.Badge:
    """A card state as a coloured badge with its Japanese label."""
    colour = STATE_COLOURS.get(state, "light")
    text_colour = "dark" if colour in ("light", "warning", "info") else None  # readable on pale badges
    return dbc.Badge(CardState(state).label_ja, color=colour, text_color=text_colour, className="me-1")


def group_label(text: str, for_id: str, **kwargs: Any) -> dbc.Label:
    """An input group's leading text as the <label> of its input (its name for screen readers)."""
    return dbc.Label(text, html_for=for_id, className="input-group-text mb-0", **kwargs)


def hidden_label(text: str, for_id: str) -> dbc.Label:
    """A label read by screen readers only, for a control whose placeholder already shows what it is."""
    return dbc.Label(text, html_for=for_id, className="visually-hidden")


def table(
    headers: Sequence[str],
    rows: Sequence[T],
    cells: Callable[[T], Sequence[Any]],
    table_id: str | None = None,
) -> dbc.Table:
    """A compact striped table."""
    head = html.Thead(html.Tr([html.Th(h) for h in headers]))
    body = html.Tbody([html.Tr([html.Td(c) for c in cells(row)]) for row in rows])
    kwargs = {"id": table_id} if table_id else {}
    return dbc.Table(
        [head, body], striped=True, bordered=False, hover=True, size="sm", className="md-table", **kwargs
    )


def error(err: Exception) -> dbc.Alert:
    """A refused action: Japanese first, English beside it."""
    if isinstance(err, DomainError):
        return dbc.Alert([html.Strong(err.message_ja), html.Br(), html.Small(err.message_en)], color="danger")
    return dbc.Alert(str(err), color="danger")


NO_ANALYTICS = "分析データがありません。`mynadesk etl analytics` を実行してください"


def no_analytics(alert_id: str) -> dbc.Alert:
    """The console has no analytics build to read yet: say what to run."""
    return dbc.Alert(
        [NO_ANALYTICS, html.Br(), html.Small("No analytics build yet: run `mynadesk etl analytics`.")],
        color="warning",
        id=alert_id,
    )


def ok(message_ja: str, message_en: str = "") -> dbc.Alert:
    """A success message."""
    return dbc.Alert([html.Strong(message_ja), html.Br(), html.Small(message_en)], color="success")
