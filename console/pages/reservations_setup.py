"""Reservations setup (予約担当): venues, counters, procedures, slot templates, closures, slot generation —
the city configures all of it itself."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from sqlalchemy import select

from console import components as c
from console import context
from console.access import AccessRegistry, Page
from core.db.models.booking import Closure, Counter, Procedure, SlotTemplate, Venue
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import reservations_admin as admin

ROLES = frozenset({Role.BOOKING})
WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]
P = "rs-"  # id prefix
FIELDS = (
    "v-code",
    "v-ja",
    "v-en",
    "v-addr",
    "c-venue",
    "c-name",
    "p-code",
    "p-ja",
    "p-en",
    "p-min",
    "p-notice",
    "p-venues",
    "t-venue",
    "t-proc",
    "t-weekday",
    "t-start",
    "t-end",
    "t-len",
    "t-cap",
    "x-venue",
    "x-range",
    "x-reason",
    "g-range",
)
BUTTONS = ("v-save", "c-add", "p-save", "t-add", "x-add", "g-run")


def _input(name: str, label: str, **kwargs: Any) -> dbc.InputGroup:
    return dbc.InputGroup(
        [c.group_label(label, P + name), dbc.Input(id=P + name, **kwargs)], size="sm", className="mb-1"
    )


def _card(title: str, body: list[Any], button: str, label: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(title),
                dbc.CardBody(
                    [*body, dbc.Button(label, id=P + button, color="primary", size="sm", className="mt-1")]
                ),
            ]
        ),
        lg=4,
        className="mb-3",
    )


def layout(**_: Any) -> Any:
    """Six small forms and the current configuration."""
    venues = [{"label": v["label"], "value": v["value"]} for v in _venues()]
    procs = _procedures()
    drop: dict[str, Any] = {"options": venues, "placeholder": "会場"}
    forms = dbc.Row(
        [
            _card(
                "会場 / venue",
                [
                    _input("v-code", "会場コード"),
                    _input("v-ja", "会場名"),
                    _input("v-en", "英語名"),
                    _input("v-addr", "住所"),
                ],
                "v-save",
                "保存",
            ),
            _card(
                "窓口 / counter",
                [
                    c.hidden_label("窓口の会場", P + "c-venue"),
                    dcc.Dropdown(id=P + "c-venue", **drop),
                    _input("c-name", "窓口名(例 3番窓口)"),
                ],
                "c-add",
                "追加",
            ),
            _card(
                "手続 / procedure",
                [
                    _input("p-code", "コード"),
                    _input("p-ja", "手続名"),
                    _input("p-en", "英語名"),
                    _input("p-min", "所要分", type="number", value=15),
                    dbc.Checklist(
                        id=P + "p-notice",
                        options=[{"label": "交付通知書番号が必要", "value": "yes"}],
                        value=[],
                    ),
                    c.hidden_label("手続を扱う会場", P + "p-venues"),
                    dcc.Dropdown(id=P + "p-venues", multi=True, **drop),
                ],
                "p-save",
                "保存",
            ),
            _card(
                "予約枠テンプレート / slot template",
                [
                    c.hidden_label("テンプレートの会場", P + "t-venue"),
                    dcc.Dropdown(id=P + "t-venue", **drop),
                    c.hidden_label("テンプレートの手続", P + "t-proc"),
                    dcc.Dropdown(id=P + "t-proc", options=procs, placeholder="手続"),
                    c.hidden_label("曜日", P + "t-weekday"),
                    dcc.Dropdown(
                        id=P + "t-weekday",
                        options=[{"label": w, "value": i} for i, w in enumerate(WEEKDAYS)],
                        placeholder="曜日",
                    ),
                    _input("t-start", "開始 08:30"),
                    _input("t-end", "終了 17:00"),
                    _input("t-len", "枠の長さ(分)", type="number", value=15),
                    _input("t-cap", "定員", type="number", value=1),
                ],
                "t-add",
                "追加",
            ),
            _card(
                "休業日 / closure",
                [
                    c.hidden_label("休業する会場", P + "x-venue"),
                    dcc.Dropdown(id=P + "x-venue", options=venues, placeholder="全会場"),
                    c.hidden_label("休業日", P + "x-range"),
                    dcc.DatePickerRange(
                        id=P + "x-range",
                        display_format="YYYY-MM-DD",
                        start_date_placeholder_text="開始日",
                        end_date_placeholder_text="終了日",
                    ),
                    _input("x-reason", "理由(例 年末年始、J-LISシステム停止)"),
                ],
                "x-add",
                "登録",
            ),
            _card(
                "予約枠の生成 / generate slots (全会場、祝日・年末年始・休業日を除く)",
                [
                    c.hidden_label("予約枠を生成する期間", P + "g-range"),
                    dcc.DatePickerRange(
                        id=P + "g-range",
                        display_format="YYYY-MM-DD",
                        start_date_placeholder_text="開始日",
                        end_date_placeholder_text="終了日",
                    ),
                ],
                "g-run",
                "生成",
            ),
        ]
    )
    return html.Div([html.Div(id=P + "message"), forms, html.Div(_listing(), id=P + "listing")])


def _venues() -> list[dict[str, Any]]:
    with context.unit_of_work() as s:
        return [{"label": v.name_ja, "value": v.id} for v in s.scalars(select(Venue).order_by(Venue.id))]


def _procedures() -> list[dict[str, Any]]:
    with context.unit_of_work() as s:
        return [
            {"label": p.name_ja, "value": p.id} for p in s.scalars(select(Procedure).order_by(Procedure.id))
        ]


def _listing() -> Any:
    with context.unit_of_work() as s:
        venues = {v.id: v for v in s.scalars(select(Venue).order_by(Venue.id))}
        counters = s.scalars(select(Counter).order_by(Counter.venue_id, Counter.name)).all()
        procedures = {p.id: p for p in s.scalars(select(Procedure).order_by(Procedure.id))}
        templates = s.scalars(
            select(SlotTemplate).order_by(SlotTemplate.venue_id, SlotTemplate.weekday)
        ).all()
        closures = s.scalars(select(Closure).order_by(Closure.starts_at.desc()).limit(20)).all()
    name = {i: v.name_ja for i, v in venues.items()}
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H2("会場・窓口", className="h6"),
                    c.table(
                        ["コード", "会場", "窓口"],
                        list(venues.values()),
                        lambda v: [
                            v.code,
                            v.name_ja,
                            "、".join(x.name for x in counters if x.venue_id == v.id) or "—",
                        ],
                        table_id="rs-venues",
                    ),
                    html.H2("手続", className="h6"),
                    c.table(
                        ["コード", "手続", "分"],
                        list(procedures.values()),
                        lambda p: [p.code, p.name_ja, p.duration_minutes],
                    ),
                ],
                lg=4,
            ),
            dbc.Col(
                [
                    html.H2("予約枠テンプレート", className="h6"),
                    c.table(
                        ["会場", "手続", "曜日", "時間", "枠", "定員"],
                        templates,
                        lambda t: [
                            name.get(t.venue_id),
                            procedures[t.procedure_id].name_ja if t.procedure_id else "全手続",
                            WEEKDAYS[t.weekday],
                            f"{t.starts_at:%H:%M}-{t.ends_at:%H:%M}",
                            f"{t.slot_minutes}分",
                            t.capacity,
                        ],
                        table_id="rs-templates",
                    ),
                ],
                lg=4,
            ),
            dbc.Col(
                [
                    html.H2("休業日", className="h6"),
                    c.table(
                        ["会場", "期間", "理由"],
                        closures,
                        lambda x: [
                            name.get(x.venue_id, "全会場") if x.venue_id else "全会場",
                            f"{c.fmt(x.starts_at)[:10]}〜{c.fmt(x.ends_at)[:10]}",
                            x.reason_ja,
                        ],
                        table_id="rs-closures",
                    ),
                ],
                lg=4,
            ),
        ]
    )


def _time(text: str | None) -> time:
    try:
        return time.fromisoformat((text or "").strip().zfill(5))
    except ValueError as error:
        raise DomainError(f"時刻「{text}」は 08:30 の形で入力してください", "use HH:MM for times") from error


def _date(text: str | None, what: str) -> date:
    if not text:
        raise DomainError(f"{what}を選んでください", f"choose the {what}")
    return date.fromisoformat(text)


def _act(trigger: str, v: dict[str, Any]) -> str:
    actor = context.actor()
    with context.unit_of_work() as s:
        if trigger == "v-save":
            return admin.save_venue(
                s, actor, v["v-code"] or "", v["v-ja"] or "", v["v-en"] or "", v["v-addr"]
            ).name_ja
        if trigger == "c-add":
            return admin.add_counter(s, actor, int(v["c-venue"] or 0), v["c-name"] or "").name
        if trigger == "p-save":
            return admin.save_procedure(
                s,
                actor,
                v["p-code"] or "",
                v["p-ja"] or "",
                v["p-en"] or "",
                int(v["p-min"] or 0),
                bool(v["p-notice"]),
                v["p-venues"] or [],
            ).name_ja
        if trigger == "t-add":
            if v["t-venue"] is None or v["t-proc"] is None or v["t-weekday"] is None:
                raise DomainError("会場・手続・曜日を選んでください", "choose venue, procedure and weekday")
            admin.add_template(
                s,
                actor,
                int(v["t-venue"]),
                int(v["t-proc"]),
                int(v["t-weekday"]),
                _time(v["t-start"]),
                _time(v["t-end"]),
                int(v["t-len"] or 0),
                int(v["t-cap"] or 0),
            )
            return "予約枠テンプレート"
        if trigger == "x-add":
            first, last = v["x-range"]
            admin.add_closure(
                s, actor, v["x-venue"], _date(first, "開始日"), _date(last, "終了日"), v["x-reason"] or ""
            )
            return "休業日"
        first, last = v["g-range"]
        count = admin.generate_slots(s, actor, _date(first, "開始日"), _date(last, "終了日"))
        return f"予約枠 {count}件"


def act(trigger: str, values: list[Any]) -> tuple[Any, Any]:
    """Run one form, then refresh the listing."""
    named: dict[str, Any] = {}
    index = 0
    for field in FIELDS:
        if field.endswith("-range"):
            named[field] = (values[index], values[index + 1])
            index += 2
        else:
            named[field] = values[index]
            index += 1
    try:
        message = c.ok(f"{_act(trigger.removeprefix(P), named)} を保存しました", "saved")
    except DomainError as err:
        message = c.error(err)
    return message, _listing()


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the setup page and its callback."""
    registry.page(Page("/reservations/setup", "予約設定", ROLES, layout))
    states = []
    for field in FIELDS:
        if field.endswith("-range"):
            states += [State(P + field, "start_date"), State(P + field, "end_date")]
        else:
            states.append(State(P + field, "value"))
    registry.callback(
        app,
        ROLES,
        Output(P + "message", "children"),
        Output(P + "listing", "children"),
        *[Input(P + b, "n_clicks") for b in BUTTONS],
        *states,
        prevent_initial_call=True,
    )(lambda *args: act(str(ctx.triggered_id), list(args[len(BUTTONS) :])))
