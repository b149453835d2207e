"""Reservations setup (予約担当): venues, counters, procedures, slot templates, closures, slot generation —
the city configures all of it itself.

One callback serves the six forms: Dash hands it every field by name (a `SetupForm`), and the pressed button
picks the one service call in `ACTIONS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from sqlalchemy.orm import Session

from console import components as c
from console import context, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services import booking_setup, places
from core.services import reservations_admin as admin
from core.services.audit import Actor

ROLES = frozenset({Role.BOOKING})
WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]


@dataclass(frozen=True)
class SetupForm:
    """Every field of the six forms as the browser sends it (None when empty)."""

    venue_code: str | None = None
    venue_ja: str | None = None
    venue_en: str | None = None
    venue_address: str | None = None
    counter_venue: int | None = None
    counter_name: str | None = None
    procedure_code: str | None = None
    procedure_ja: str | None = None
    procedure_en: str | None = None
    procedure_minutes: int | None = None
    procedure_notice: list[str] | None = None
    procedure_venues: list[int] | None = None
    template_venue: int | None = None
    template_procedure: int | None = None
    template_weekday: int | None = None
    template_start: str | None = None
    template_end: str | None = None
    template_minutes: int | None = None
    template_capacity: int | None = None
    closure_venue: int | None = None
    closure_first: str | None = None
    closure_last: str | None = None
    closure_reason: str | None = None
    generate_first: str | None = None
    generate_last: str | None = None


FIELDS: dict[str, State] = {  # SetupForm's fields, each read from its component
    "venue_code": State(ids.RS_VENUE_CODE, "value"),
    "venue_ja": State(ids.RS_VENUE_JA, "value"),
    "venue_en": State(ids.RS_VENUE_EN, "value"),
    "venue_address": State(ids.RS_VENUE_ADDRESS, "value"),
    "counter_venue": State(ids.RS_COUNTER_VENUE, "value"),
    "counter_name": State(ids.RS_COUNTER_NAME, "value"),
    "procedure_code": State(ids.RS_PROCEDURE_CODE, "value"),
    "procedure_ja": State(ids.RS_PROCEDURE_JA, "value"),
    "procedure_en": State(ids.RS_PROCEDURE_EN, "value"),
    "procedure_minutes": State(ids.RS_PROCEDURE_MINUTES, "value"),
    "procedure_notice": State(ids.RS_PROCEDURE_NOTICE, "value"),
    "procedure_venues": State(ids.RS_PROCEDURE_VENUES, "value"),
    "template_venue": State(ids.RS_TEMPLATE_VENUE, "value"),
    "template_procedure": State(ids.RS_TEMPLATE_PROCEDURE, "value"),
    "template_weekday": State(ids.RS_TEMPLATE_WEEKDAY, "value"),
    "template_start": State(ids.RS_TEMPLATE_START, "value"),
    "template_end": State(ids.RS_TEMPLATE_END, "value"),
    "template_minutes": State(ids.RS_TEMPLATE_MINUTES, "value"),
    "template_capacity": State(ids.RS_TEMPLATE_CAPACITY, "value"),
    "closure_venue": State(ids.RS_CLOSURE_VENUE, "value"),
    "closure_first": State(ids.RS_CLOSURE_RANGE, "start_date"),
    "closure_last": State(ids.RS_CLOSURE_RANGE, "end_date"),
    "closure_reason": State(ids.RS_CLOSURE_REASON, "value"),
    "generate_first": State(ids.RS_GENERATE_RANGE, "start_date"),
    "generate_last": State(ids.RS_GENERATE_RANGE, "end_date"),
}


def _input(component_id: str, label: str, **kwargs: Any) -> dbc.InputGroup:
    return dbc.InputGroup(
        [c.group_label(label, component_id), dbc.Input(id=component_id, **kwargs)],
        size="sm",
        className="mb-1",
    )


def _card(title: str, body: list[Any], button: str, label: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(title),
                dbc.CardBody(
                    [*body, dbc.Button(label, id=button, color="primary", size="sm", className="mt-1")]
                ),
            ]
        ),
        lg=4,
        className="mb-3",
    )


def layout(**_: Any) -> Any:
    """Six small forms and the current configuration."""
    with context.unit_of_work() as s:
        venues = [{"label": v.name_ja, "value": v.id} for v in places.venues(s)]
        procs = [{"label": p.name_ja, "value": p.id} for p in places.procedures(s)]
    drop: dict[str, Any] = {"options": venues, "placeholder": "会場"}
    forms = dbc.Row(
        [
            _card(
                "会場 / venue",
                [
                    _input(ids.RS_VENUE_CODE, "会場コード"),
                    _input(ids.RS_VENUE_JA, "会場名"),
                    _input(ids.RS_VENUE_EN, "英語名"),
                    _input(ids.RS_VENUE_ADDRESS, "住所"),
                ],
                ids.RS_VENUE_SAVE,
                "保存",
            ),
            _card(
                "窓口 / counter",
                [
                    c.hidden_label("窓口の会場", ids.RS_COUNTER_VENUE),
                    dcc.Dropdown(id=ids.RS_COUNTER_VENUE, **drop),
                    _input(ids.RS_COUNTER_NAME, "窓口名(例 3番窓口)"),
                ],
                ids.RS_COUNTER_ADD,
                "追加",
            ),
            _card(
                "手続 / procedure",
                [
                    _input(ids.RS_PROCEDURE_CODE, "コード"),
                    _input(ids.RS_PROCEDURE_JA, "手続名"),
                    _input(ids.RS_PROCEDURE_EN, "英語名"),
                    _input(ids.RS_PROCEDURE_MINUTES, "所要分", type="number", value=15),
                    dbc.Checklist(
                        id=ids.RS_PROCEDURE_NOTICE,
                        options=[{"label": "交付通知書番号が必要", "value": "yes"}],
                        value=[],
                    ),
                    c.hidden_label("手続を扱う会場", ids.RS_PROCEDURE_VENUES),
                    dcc.Dropdown(id=ids.RS_PROCEDURE_VENUES, multi=True, **drop),
                ],
                ids.RS_PROCEDURE_SAVE,
                "保存",
            ),
            _card(
                "予約枠テンプレート / slot template",
                [
                    c.hidden_label("テンプレートの会場", ids.RS_TEMPLATE_VENUE),
                    dcc.Dropdown(id=ids.RS_TEMPLATE_VENUE, **drop),
                    c.hidden_label("テンプレートの手続", ids.RS_TEMPLATE_PROCEDURE),
                    dcc.Dropdown(id=ids.RS_TEMPLATE_PROCEDURE, options=procs, placeholder="手続"),
                    c.hidden_label("曜日", ids.RS_TEMPLATE_WEEKDAY),
                    dcc.Dropdown(
                        id=ids.RS_TEMPLATE_WEEKDAY,
                        options=[{"label": w, "value": i} for i, w in enumerate(WEEKDAYS)],
                        placeholder="曜日",
                    ),
                    _input(ids.RS_TEMPLATE_START, "開始 08:30"),
                    _input(ids.RS_TEMPLATE_END, "終了 17:00"),
                    _input(ids.RS_TEMPLATE_MINUTES, "枠の長さ(分)", type="number", value=15),
                    _input(ids.RS_TEMPLATE_CAPACITY, "定員", type="number", value=1),
                ],
                ids.RS_TEMPLATE_ADD,
                "追加",
            ),
            _card(
                "休業日 / closure",
                [
                    c.hidden_label("休業する会場", ids.RS_CLOSURE_VENUE),
                    dcc.Dropdown(id=ids.RS_CLOSURE_VENUE, options=venues, placeholder="全会場"),
                    c.hidden_label("休業日", ids.RS_CLOSURE_RANGE),
                    dcc.DatePickerRange(
                        id=ids.RS_CLOSURE_RANGE,
                        display_format="YYYY-MM-DD",
                        start_date_placeholder_text="開始日",
                        end_date_placeholder_text="終了日",
                    ),
                    _input(ids.RS_CLOSURE_REASON, "理由(例 年末年始、J-LISシステム停止)"),
                ],
                ids.RS_CLOSURE_ADD,
                "登録",
            ),
            _card(
                "予約枠の生成 / generate slots (全会場、祝日・年末年始・休業日を除く)",
                [
                    c.hidden_label("予約枠を生成する期間", ids.RS_GENERATE_RANGE),
                    dcc.DatePickerRange(
                        id=ids.RS_GENERATE_RANGE,
                        display_format="YYYY-MM-DD",
                        start_date_placeholder_text="開始日",
                        end_date_placeholder_text="終了日",
                    ),
                ],
                ids.RS_GENERATE_RUN,
                "生成",
            ),
        ]
    )
    return html.Div([html.Div(id=ids.RS_MESSAGE), forms, html.Div(_listing(), id=ids.RS_LISTING)])


def _listing() -> Any:
    with context.unit_of_work() as s:
        found = booking_setup.listing(s)
    name = {v.id: v.name_ja for v in found.venues}
    procedure = {p.id: p.name_ja for p in found.procedures}
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H2("会場・窓口", className="h6"),
                    c.table(
                        ["コード", "会場", "窓口"],
                        found.venues,
                        lambda v: [v.code, v.name_ja, "、".join(found.counters.get(v.id, [])) or "—"],
                        table_id=ids.RS_VENUES,
                    ),
                    html.H2("手続", className="h6"),
                    c.table(
                        ["コード", "手続", "分"],
                        found.procedures,
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
                        found.templates,
                        lambda t: [
                            name.get(t.venue_id),
                            procedure[t.procedure_id] if t.procedure_id else "全手続",
                            WEEKDAYS[t.weekday],
                            f"{t.starts_at:%H:%M}-{t.ends_at:%H:%M}",
                            f"{t.slot_minutes}分",
                            t.capacity,
                        ],
                        table_id=ids.RS_TEMPLATES,
                    ),
                ],
                lg=4,
            ),
            dbc.Col(
                [
                    html.H2("休業日", className="h6"),
                    c.table(
                        ["会場", "期間", "理由"],
                        found.closures,
                        lambda x: [
                            name.get(x.venue_id, "全会場") if x.venue_id else "全会場",
                            f"{c.fmt(x.starts_at)[:10]}〜{c.fmt(x.ends_at)[:10]}",
                            x.reason_ja,
                        ],
                        table_id=ids.RS_CLOSURES,
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


def _save_venue(s: Session, actor: Actor, f: SetupForm) -> str:
    venue = admin.save_venue(
        s, actor, f.venue_code or "", f.venue_ja or "", f.venue_en or "", f.venue_address
    )
    return venue.name_ja


def _add_counter(s: Session, actor: Actor, f: SetupForm) -> str:
    return admin.add_counter(s, actor, int(f.counter_venue or 0), f.counter_name or "").name


def _save_procedure(s: Session, actor: Actor, f: SetupForm) -> str:
    procedure = admin.save_procedure(
        s,
        actor,
        f.procedure_code or "",
        f.procedure_ja or "",
        f.procedure_en or "",
        int(f.procedure_minutes or 0),
        bool(f.procedure_notice),
        f.procedure_venues or [],
    )
    return procedure.name_ja


def _add_template(s: Session, actor: Actor, f: SetupForm) -> str:
    if f.template_venue is None or f.template_procedure is None or f.template_weekday is None:
        raise DomainError("会場・手続・曜日を選んでください", "choose venue, procedure and weekday")
    admin.add_template(
        s,
        actor,
        int(f.template_venue),
        int(f.template_procedure),
        int(f.template_weekday),
        _time(f.template_start),
        _time(f.template_end),
        int(f.template_minutes or 0),
        int(f.template_capacity or 0),
    )
    return "予約枠テンプレート"


def _add_closure(s: Session, actor: Actor, f: SetupForm) -> str:
    first, last = _date(f.closure_first, "開始日"), _date(f.closure_last, "終了日")
    admin.add_closure(s, actor, f.closure_venue, first, last, f.closure_reason or "")
    return "休業日"


def _generate(s: Session, actor: Actor, f: SetupForm) -> str:
    count = admin.generate_slots(
        s, actor, _date(f.generate_first, "開始日"), _date(f.generate_last, "終了日")
    )
    return f"予約枠 {count}件"


ACTIONS: dict[str, Callable[[Session, Actor, SetupForm], str]] = {  # button -> the form's service call
    ids.RS_VENUE_SAVE: _save_venue,
    ids.RS_COUNTER_ADD: _add_counter,
    ids.RS_PROCEDURE_SAVE: _save_procedure,
    ids.RS_TEMPLATE_ADD: _add_template,
    ids.RS_CLOSURE_ADD: _add_closure,
    ids.RS_GENERATE_RUN: _generate,
}


def act(button: str, form: SetupForm) -> tuple[Any, Any]:
    """Run the form of BUTTON, then refresh the listing."""
    actor = context.actor()
    try:
        with context.unit_of_work() as s:
            saved = ACTIONS[button](s, actor, form)
        message = c.ok(f"{saved} を保存しました", "saved")
    except DomainError as err:
        message = c.error(err)
    return message, _listing()


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the setup page and its callback."""
    registry.page(Page("/reservations/setup", "予約設定", ROLES, layout))
    registry.callback(
        app,
        ROLES,
        output=[Output(ids.RS_MESSAGE, "children"), Output(ids.RS_LISTING, "children")],
        inputs={"clicks": [Input(button, "n_clicks") for button in ACTIONS]},
        state={"form": FIELDS},
        prevent_initial_call=True,
    )(lambda clicks, form: act(str(ctx.triggered_id), SetupForm(**form)))
