"""Incident register (管理者): outages the probes opened, with their cause, notification time and remedy,
and planned maintenance (計画停止) and J-LIS outages entered ahead with the time they were announced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.booking import TOKYO
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.ops import incidents
from core.ops.incidents import IncidentRow

ROLES = frozenset({Role.ADMIN})
LOCAL = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> holds
KIND_OPTIONS = [
    {"label": f"{label}({kind})", "value": kind} for kind, label in incidents.ANNOUNCED_KINDS.items()
]
TARGET_OPTIONS = [
    {"label": "全体 / all", "value": "all"},
    *({"label": f"{label}({t})", "value": t} for t, label in incidents.TARGET_LABELS.items()),
]


def parse_local(value: str | None, what_ja: str, what_en: str) -> datetime | None:
    """A datetime-local input's value as a time in Japan (None when empty)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO)
    except ValueError:
        raise DomainError(
            f"{what_ja}の日時が正しくありません: {value}", f"{what_en} is not a date and time"
        ) from None


def _local(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(TOKYO):{LOCAL}}"


def _table(rows: list[IncidentRow]) -> Any:
    return c.table(
        [
            "番号",
            "種別",
            "対象",
            "開始",
            "終了",
            "検知",
            "通知",
            "復旧",
            "告知",
            "原因・内容",
            "対処",
            "登録",
        ],
        rows,
        lambda r: [
            r.id,
            incidents.KIND_LABELS[r.kind],
            incidents.TARGET_LABELS.get(r.target or "", "全体"),
            c.fmt(r.started_at),
            c.fmt(r.ended_at) if r.ended_at else dbc.Badge("継続中", color="danger"),
            c.fmt(r.detected_at),
            c.fmt(r.notified_at),
            c.fmt(r.recovered_at),
            c.fmt(r.announced_at),
            r.cause or "—",
            r.remedy or "—",
            "自動監視" if r.opened_by == "probe" else r.opened_by,
        ],
        table_id=ids.INC_TABLE,
    )


def _load() -> tuple[Any, list[dict[str, Any]]]:
    with context.unit_of_work() as s:
        rows = incidents.recent(s)
    return _table(rows), [{"label": r.label, "value": r.id} for r in rows]


def _field(label: str, control: Any, for_id: str) -> Any:
    return html.Div([dbc.Label(label, html_for=for_id, className="mb-0 small"), control], className="mb-2")


def layout(**_: Any) -> Any:
    """The register and the two forms: enter an announced stop, record an incident's details."""
    table, options = _load()
    announce = dbc.Card(
        [
            dbc.CardHeader("計画停止・J-LIS停止の登録 / enter a planned stop"),
            dbc.CardBody(
                [
                    _field(
                        "種別 / kind",
                        dbc.Select(id=ids.INC_KIND, options=KIND_OPTIONS, value="planned"),
                        ids.INC_KIND,
                    ),
                    _field(
                        "対象 / target",
                        dbc.Select(id=ids.INC_TARGET, options=TARGET_OPTIONS, value="all"),
                        ids.INC_TARGET,
                    ),
                    _field(
                        "開始 / starts", dbc.Input(id=ids.INC_START, type="datetime-local"), ids.INC_START
                    ),
                    _field("終了 / ends", dbc.Input(id=ids.INC_END, type="datetime-local"), ids.INC_END),
                    _field(
                        "告知日時 / announced (空欄なら現在 / empty: now)",
                        dbc.Input(id=ids.INC_ANNOUNCED, type="datetime-local"),
                        ids.INC_ANNOUNCED,
                    ),
                    _field("内容 / description", dbc.Textarea(id=ids.INC_NOTE, rows=2), ids.INC_NOTE),
                    dbc.Button("登録 / enter", id=ids.INC_ADD, color="primary"),
                ]
            ),
        ]
    )
    annotate = dbc.Card(
        [
            dbc.CardHeader("インシデントの記録 / record an incident"),
            dbc.CardBody(
                [
                    _field(
                        "インシデント / incident",
                        dbc.Select(id=ids.INC_SELECT, options=options, placeholder="選んでください"),
                        ids.INC_SELECT,
                    ),
                    _field("原因 / cause", dbc.Textarea(id=ids.INC_CAUSE, rows=2), ids.INC_CAUSE),
                    _field(
                        "通知日時 / notified at",
                        dbc.Input(id=ids.INC_NOTIFIED, type="datetime-local"),
                        ids.INC_NOTIFIED,
                    ),
                    _field("対処 / remedy", dbc.Textarea(id=ids.INC_REMEDY, rows=2), ids.INC_REMEDY),
                    dbc.Button("保存 / save", id=ids.INC_SAVE, color="primary"),
                ]
            ),
        ]
    )
    return html.Div(
        [
            html.Div(id=ids.INC_MESSAGE),
            dbc.Row([dbc.Col(announce, lg=6), dbc.Col(annotate, lg=6)], className="mb-3"),
            html.H2("インシデント一覧 / incidents", className="h5"),
            html.Div(table, id=ids.INC_TABLE_WRAP),
        ]
    )


def _act(trigger: str, values: dict[str, Any]) -> Any:
    actor, now = context.actor(), context.now()
    with context.unit_of_work() as s:
        if trigger == ids.INC_ADD:
            target = values["target"] if values["target"] in incidents.TARGET_LABELS else None
            done = incidents.add_announced(
                s,
                values["kind"] or "",
                target,
                parse_local(values["start"], "開始", "the start"),
                parse_local(values["end"], "終了", "the end"),
                parse_local(values["announced"], "告知", "the announcement"),
                values["note"],
                actor,
                now,
            )
            return c.ok(f"#{done.id} {incidents.KIND_LABELS[done.kind]}を登録しました", "entered")
        selected = int(values["selected"]) if str(values["selected"] or "").isdigit() else None
        done = incidents.annotate(
            s,
            selected,
            values["cause"],
            parse_local(values["notified"], "通知", "the notification time"),
            values["remedy"],
            actor,
            now,
        )
        return c.ok(f"#{done.id} の記録を保存しました", "saved")


def act(trigger: str, values: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Run one action and refresh the register."""
    try:
        message = _act(trigger, values)
    except DomainError as err:
        message = c.error(err)
    table, options = _load()
    return message, table, options


def selected(incident_id: str | None) -> tuple[str, str, str]:
    """The chosen incident's cause, notification time and remedy, to edit."""
    if not str(incident_id or "").isdigit():
        return "", "", ""
    with context.unit_of_work() as s:
        row = next((r for r in incidents.recent(s) if r.id == int(str(incident_id))), None)
    if row is None:
        return "", "", ""
    return row.cause or "", _local(row.notified_at), row.remedy or ""


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the incidents page and its callbacks."""
    registry.page(Page("/admin/incidents", "インシデント", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        Output(ids.INC_MESSAGE, "children"),
        Output(ids.INC_TABLE_WRAP, "children"),
        Output(ids.INC_SELECT, "options"),
        Input(ids.INC_ADD, "n_clicks"),
        Input(ids.INC_SAVE, "n_clicks"),
        State(ids.INC_KIND, "value"),
        State(ids.INC_TARGET, "value"),
        State(ids.INC_START, "value"),
        State(ids.INC_END, "value"),
        State(ids.INC_ANNOUNCED, "value"),
        State(ids.INC_NOTE, "value"),
        State(ids.INC_SELECT, "value"),
        State(ids.INC_CAUSE, "value"),
        State(ids.INC_NOTIFIED, "value"),
        State(ids.INC_REMEDY, "value"),
        prevent_initial_call=True,
    )(
        lambda _a, _b, kind, target, start, end, announced, note, chosen, cause, notified, remedy: act(
            str(ctx.triggered_id),
            {
                "kind": kind,
                "target": target,
                "start": start,
                "end": end,
                "announced": announced,
                "note": note,
                "selected": chosen,
                "cause": cause,
                "notified": notified,
                "remedy": remedy,
            },
        )
    )
    registry.callback(
        app,
        ROLES,
        Output(ids.INC_CAUSE, "value"),
        Output(ids.INC_NOTIFIED, "value"),
        Output(ids.INC_REMEDY, "value"),
        Input(ids.INC_SELECT, "value"),
        prevent_initial_call=True,
    )(selected)
