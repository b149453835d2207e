"""The day's reservations per venue: 窓口 and 予約担当 see the list, check people in and register walk-ins;
only 予約担当 marks no-shows, changes or cancels on behalf (each callback is checked by role on the server).
A check-in or no-show on another day than the booking's needs the override box and a reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html

from console import components as c
from console import context, figures, ids
from console.access import AccessRegistry, Page
from core.domain.errors import DomainError
from core.domain.reservations import ReservationStatus
from core.domain.roles import Role
from core.services import places
from core.services import reservation_day as day_ops
from core.services import reservations_admin as admin

ROLES = frozenset({Role.BOOKING, Role.COUNTER})  # the page, the list, check-in and walk-in
BOOKING_ROLES = frozenset({Role.BOOKING})  # no-show, change and cancellation on behalf


def venue_options() -> list[dict[str, Any]]:
    """Active venues for a dropdown."""
    with context.unit_of_work() as s:
        venues = places.venues(s, active_only=True)
    return [{"label": v.name_ja, "value": v.id} for v in venues]


def layout(**_: Any) -> Any:
    """Venue and day on top, the list, the actions and the calendar (no-show, change and cancellation are
    shown to 予約担当 only; the server refuses them to anyone else anyway)."""
    venues = venue_options()
    booking_clerk = bool(context.roles() & BOOKING_ROLES)
    actions = dbc.Card(
        dbc.CardBody(
            [
                dbc.InputGroup(
                    [
                        c.group_label("予約番号", ids.RV_BOOKING),
                        dbc.Input(id=ids.RV_BOOKING),
                        dbc.Button("受付", id=ids.RV_CHECK_IN, color="primary"),
                        dbc.Button(
                            "無断キャンセル", id=ids.RV_NO_SHOW, color="warning", style=_shown(booking_clerk)
                        ),
                        dbc.Button(
                            "取消(代理)", id=ids.RV_CANCEL, color="danger", style=_shown(booking_clerk)
                        ),
                    ],
                    className="mb-2",
                ),
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(
                            dbc.Checkbox(
                                id=ids.RV_OVERRIDE,
                                label="日付違いを承知で処理する / override the day",
                                value=False,
                            )
                        ),
                        dbc.Input(id=ids.RV_OVERRIDE_REASON, placeholder="理由(日付違いのとき必須) / reason"),
                    ],
                    className="mb-2",
                ),
                html.Div(
                    dbc.InputGroup(
                        [
                            c.group_label("変更先の枠", ids.RV_MOVE_SLOT),
                            dbc.Select(id=ids.RV_MOVE_SLOT),
                            dbc.Button("変更(代理)", id=ids.RV_MOVE, color="secondary"),
                        ],
                        className="mb-2",
                    ),
                    id=ids.RV_BOOKING_ONLY,
                    hidden=not booking_clerk,
                ),
                dbc.InputGroup(
                    [
                        c.group_label("窓口受付の枠", ids.RV_WALK_SLOT),
                        dbc.Select(id=ids.RV_WALK_SLOT),
                        c.hidden_label("窓口受付の氏名", ids.RV_WALK_NAME),
                        dbc.Input(id=ids.RV_WALK_NAME, placeholder="氏名"),
                        dbc.Input(id=ids.RV_WALK_NOTICE, placeholder="交付通知書番号(任意)"),
                        dbc.Button("登録", id=ids.RV_WALK, color="success"),
                    ]
                ),
            ]
        ),
        className="mb-3",
    )
    setup = (
        dcc.Link("会場・手続・予約枠・休業日の設定 →", href="/reservations/setup") if booking_clerk else None
    )
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("会場", html_for=ids.RV_VENUE),
                            dcc.Dropdown(
                                id=ids.RV_VENUE, options=venues, value=venues[0]["value"] if venues else None
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("日付", html_for=ids.RV_DAY),
                            dcc.DatePickerSingle(
                                id=ids.RV_DAY, date=context.today().isoformat(), display_format="YYYY-MM-DD"
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        setup,
                        md=6,
                        className="mt-4",
                    ),
                ],
                className="mb-2",
            ),
            html.Div(id=ids.RV_MESSAGE),
            actions,
            dcc.Loading(html.Div(id=ids.RV_LIST)),
            dcc.Graph(id=ids.RV_CAL, config=figures.graph_config("capacity-calendar")),
        ]
    )


def _shown(visible: bool) -> dict[str, str]:
    return {} if visible else {"display": "none"}


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else context.today()


def _slot_options(venue_id: int, day: date) -> list[dict[str, Any]]:
    with context.unit_of_work() as s:
        loads = day_ops.open_slots(s, venue_id, day)
    return [
        {
            "label": f"{c.fmt(slot.starts_at)[-5:]} {name}(空き{slot.capacity - slot.booked - slot.held})",
            "value": slot.id,
        }
        for slot, name in loads
    ]


def refresh(venue_id: int | None, day_text: str | None, message: Any = None) -> tuple[Any, ...]:
    """The day's list, the slot choices and the 5-week calendar."""
    if venue_id is None:
        return message, html.P("会場を登録してください / add a venue first"), [], [], figures.Fig()
    day = _day(day_text)
    with context.unit_of_work() as s:
        rows = day_ops.day_list(s, venue_id, day, context.actor())
        loads = admin.calendar(s, venue_id, day - timedelta(days=day.weekday()), day + timedelta(days=34))
    table = (
        c.table(
            ["時刻", "予約番号", "手続", "氏名", "交付通知書番号", "状態", "経路"],
            rows,
            lambda r: [
                c.fmt(r[1].starts_at)[-5:],
                r[0].booking_no,
                r[2],
                r[0].name or "—",
                r[0].notice_no or "—",
                c.BOOKING_STATUS.get(r[0].status, r[0].status),
                c.CHANNEL.get(r[0].channel, r[0].channel),
            ],
            table_id=ids.RV_ROWS,
        )
        if rows
        else html.P("この日の予約はありません / no bookings", className="text-muted")
    )
    fig = figures.Fig()
    fig.add_bar(
        x=[d.day.strftime("%m/%d") for d in loads],
        y=[d.capacity for d in loads],
        name="枠",
        marker_color="#ced4da",
    )
    fig.add_bar(
        x=[d.day.strftime("%m/%d") for d in loads],
        y=[d.booked for d in loads],
        name="予約",
        marker_color="#0d6efd",
    )
    figures.style(fig, "予約枠と予約(5週間) / capacity vs bookings", height=320)
    fig.update_layout(barmode="overlay", xaxis={"type": "category", **figures.GRID})
    options = _slot_options(venue_id, day)
    return message, table, options, options, fig


_STATUS_OF_BUTTON = {
    ids.RV_CHECK_IN: ReservationStatus.CHECKED_IN,
    ids.RV_NO_SHOW: ReservationStatus.NO_SHOW,
    ids.RV_CANCEL: ReservationStatus.CANCELLED,
}


def _override_reason(override: bool | None, reason: str | None) -> str | None:
    """The clerk's reason when the override box is ticked (an empty one is refused by the domain rule)."""
    return (reason or "") if override else None


def _set_status(trigger: str, booking: str | None, override: bool | None, reason: str | None) -> Any:
    status = _STATUS_OF_BUTTON[trigger]
    with context.unit_of_work() as s:
        done = day_ops.set_status(
            s, context.actor(), booking or "", status, context.now(), _override_reason(override, reason)
        )
    if override and status in (ReservationStatus.CHECKED_IN, ReservationStatus.NO_SHOW):
        return c.ok(
            f"予約 {done.booking_no}: {c.BOOKING_STATUS[status]}(日付違いを承知で処理・記録しました)",
            f"{status} (override recorded)",
        )
    return c.ok(f"予約 {done.booking_no}: {c.BOOKING_STATUS[status]}", status)


def counter_act(
    trigger: str,
    venue_id: int | None,
    day_text: str | None,
    booking: str | None,
    walk_slot: str | None,
    name: str | None,
    notice: str | None,
    override: bool | None,
    reason: str | None,
) -> tuple[Any, ...]:
    """Check in or register a walk-in (窓口 and 予約担当), then refresh the list."""
    try:
        if trigger == ids.RV_CHECK_IN:
            message = _set_status(trigger, booking, override, reason)
        else:
            if not walk_slot:
                raise DomainError("枠を選んでください", "choose a slot")
            with context.unit_of_work() as s:
                done = day_ops.walk_in(s, context.actor(), int(walk_slot), name or "", context.now(), notice)
            message = c.ok(f"窓口受付 {done.booking_no} を登録しました", "walk-in registered")
    except DomainError as err:
        message = c.error(err)
    return refresh(venue_id, day_text, message)


def booking_act(
    trigger: str,
    venue_id: int | None,
    day_text: str | None,
    booking: str | None,
    move_slot: str | None,
    override: bool | None,
    reason: str | None,
) -> tuple[Any, ...]:
    """Mark a no-show, change or cancel on behalf (予約担当), then refresh the list."""
    try:
        if trigger in (ids.RV_NO_SHOW, ids.RV_CANCEL):
            message = _set_status(trigger, booking, override, reason)
        else:
            if not move_slot:
                raise DomainError("変更先の枠を選んでください", "choose the new slot")
            with context.unit_of_work() as s:
                done = day_ops.move(s, context.actor(), booking or "", int(move_slot), context.now())
            message = c.ok(f"予約 {done.booking_no} を変更しました", "booking moved")
    except DomainError as err:
        message = c.error(err)
    return refresh(venue_id, day_text, message)


def register(app: Dash, registry: AccessRegistry) -> None:
    """Register the page and its callbacks, each with the roles that may fire it."""
    registry.page(Page("/reservations", "予約管理", ROLES, layout))
    outputs = (
        Output(ids.RV_MESSAGE, "children"),
        Output(ids.RV_LIST, "children"),
        Output(ids.RV_MOVE_SLOT, "options"),
        Output(ids.RV_WALK_SLOT, "options"),
        Output(ids.RV_CAL, "figure"),
    )
    again = [Output(o.component_id, o.component_property, allow_duplicate=True) for o in outputs]
    registry.callback(app, ROLES, *outputs, Input(ids.RV_VENUE, "value"), Input(ids.RV_DAY, "date"))(
        lambda venue, day: refresh(venue, day)
    )
    registry.callback(
        app,
        ROLES,
        *again,
        Input(ids.RV_CHECK_IN, "n_clicks"),
        Input(ids.RV_WALK, "n_clicks"),
        State(ids.RV_VENUE, "value"),
        State(ids.RV_DAY, "date"),
        State(ids.RV_BOOKING, "value"),
        State(ids.RV_WALK_SLOT, "value"),
        State(ids.RV_WALK_NAME, "value"),
        State(ids.RV_WALK_NOTICE, "value"),
        State(ids.RV_OVERRIDE, "value"),
        State(ids.RV_OVERRIDE_REASON, "value"),
        prevent_initial_call=True,
    )(lambda _a, _b, *values: counter_act(str(ctx.triggered_id), *values))
    registry.callback(
        app,
        BOOKING_ROLES,
        *again,
        Input(ids.RV_NO_SHOW, "n_clicks"),
        Input(ids.RV_CANCEL, "n_clicks"),
        Input(ids.RV_MOVE, "n_clicks"),
        State(ids.RV_VENUE, "value"),
        State(ids.RV_DAY, "date"),
        State(ids.RV_BOOKING, "value"),
        State(ids.RV_MOVE_SLOT, "value"),
        State(ids.RV_OVERRIDE, "value"),
        State(ids.RV_OVERRIDE_REASON, "value"),
        prevent_initial_call=True,
    )(lambda _a, _b, _c, *values: booking_act(str(ctx.triggered_id), *values))
