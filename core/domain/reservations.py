"""Reservation statuses and the changes allowed between them (the one table every path checks)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from core.domain.booking import TOKYO, BookingError


class ReservationStatus(StrEnum):
    """Where a reservation is: booked until the visit, then checked in, completed, missed or cancelled."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def label_ja(self) -> str:
        """The 表示 shown on screens."""
        return _LABELS_JA[self]


_LABELS_JA: dict[ReservationStatus, str] = {
    ReservationStatus.BOOKED: "予約中",
    ReservationStatus.CHECKED_IN: "受付済",
    ReservationStatus.COMPLETED: "完了",
    ReservationStatus.NO_SHOW: "無断キャンセル",
    ReservationStatus.CANCELLED: "取消",
}

_R = ReservationStatus
# A walk-in starts as CHECKED_IN, every other reservation as BOOKED. Only BOOKED may also move to another slot
# (site change, console move), which is no change of status.
_TRANSITIONS: dict[ReservationStatus, frozenset[ReservationStatus]] = {
    _R.BOOKED: frozenset({_R.CHECKED_IN, _R.NO_SHOW, _R.CANCELLED, _R.COMPLETED}),
    _R.CHECKED_IN: frozenset({_R.COMPLETED}),
    _R.COMPLETED: frozenset(),
    _R.NO_SHOW: frozenset(),
    _R.CANCELLED: frozenset(),
}

# The visit may still happen: the pickup list shows these and the handover completes them.
OPEN_STATUSES: tuple[ReservationStatus, ...] = (_R.BOOKED, _R.CHECKED_IN)
# Every status but CANCELLED keeps its seats: a slot's `booked` is the party sizes of these.
SEAT_KEEPING_STATUSES: tuple[ReservationStatus, ...] = tuple(
    s for s in ReservationStatus if s is not _R.CANCELLED
)


class StatusRefused(BookingError):  # noqa: N818 - named for what happened, like the other domain errors
    """A reservation's status may not change that way (or it may not move to another slot)."""

    def __init__(self, current: ReservationStatus, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.current = current


def allowed_targets(current: str) -> frozenset[ReservationStatus]:
    """Statuses a reservation in CURRENT may change to."""
    return _TRANSITIONS[ReservationStatus(current)]


def can_become(current: str, target: ReservationStatus) -> bool:
    """Whether a reservation in CURRENT may change to TARGET."""
    return target in allowed_targets(current)


def _labels_ja(statuses: frozenset[ReservationStatus]) -> str:
    return "、".join(s.label_ja for s in ReservationStatus if s in statuses) or "なし"


def _labels_en(statuses: frozenset[ReservationStatus]) -> str:
    return ", ".join(s.value for s in ReservationStatus if s in statuses) or "none"


def check_transition(current: str, target: ReservationStatus) -> ReservationStatus:
    """TARGET if a reservation in CURRENT may change to it; StatusRefused naming both otherwise."""
    now = ReservationStatus(current)
    if can_become(now, target):
        return target
    if now is target is ReservationStatus.CANCELLED:
        raise StatusRefused(
            now, "この予約はすでに取り消されています", "This booking has already been cancelled."
        )
    if now is target:
        raise StatusRefused(
            now, f"この予約はすでに「{now.label_ja}」です", f"This booking is already {now.value}."
        )
    allowed = allowed_targets(now)
    raise StatusRefused(
        now,
        f"予約の状態「{now.label_ja}」から「{target.label_ja}」へは変更できません"
        f"(変更できる状態: {_labels_ja(allowed)})",
        f"cannot change a booking from {now.value} to {target.value} (allowed: {_labels_en(allowed)})",
    )


def check_movable(current: str) -> None:
    """Refuse moving a reservation that is no longer BOOKED to another slot."""
    now = ReservationStatus(current)
    if now is ReservationStatus.BOOKED:
        return
    if now is ReservationStatus.CANCELLED:
        raise StatusRefused(
            now, "この予約はすでに取り消されています", "This booking has already been cancelled."
        )
    raise StatusRefused(
        now,
        f"「{now.label_ja}」の予約は変更できません(受付前の予約だけ変更できます)",
        f"a {now.value} booking cannot move; only bookings not yet checked in can",
    )


class VisitDayRefused(BookingError):  # noqa: N818 - named for what happened, like the other domain errors
    """A check-in or no-show refused for its day or time (a wrong day may be overridden with a reason)."""


# Only these two record what happened at the visit, so only they depend on the visit's day.
_VISIT_OUTCOMES = frozenset({_R.CHECKED_IN, _R.NO_SHOW})


def check_visit_day(
    target: ReservationStatus, slot_starts_at: datetime, now: datetime, override_reason: str | None = None
) -> bool:
    """Whether a change to TARGET at NOW needs the clerk's override: True when the slot is on another day than
    NOW's (in Japan) and OVERRIDE_REASON explains it, False when no override is needed; VisitDayRefused when
    the day differs without a reason. A no-show is refused before its slot has started, override or not:
    nobody can have missed a visit that is still to come."""
    if target not in _VISIT_OUTCOMES:
        return False
    if target is _R.NO_SHOW and now < slot_starts_at:
        raise VisitDayRefused(
            f"予約の時間({_when(slot_starts_at)})がまだ始まっていないため、無断キャンセルにはできません",
            f"the booking's time ({_when(slot_starts_at)}) has not started yet, so it cannot be a no-show",
        )
    booking_day, today = slot_starts_at.astimezone(TOKYO).date(), now.astimezone(TOKYO).date()
    if booking_day == today:
        return False
    if override_reason is None:
        action_ja = "受付" if target is _R.CHECKED_IN else "無断キャンセルに"
        action_en = "checked in" if target is _R.CHECKED_IN else "marked as a no-show"
        raise VisitDayRefused(
            f"この予約は{_day(booking_day)}の予約のため、本日({_day(today)})は{action_ja}できません。"
            "日付違いを承知で処理するときは「日付違いを承知で処理する」にチェックし、理由を入力してください",
            f"this booking is for {booking_day.isoformat()}, not today ({today.isoformat()}), so it cannot be"
            f" {action_en}; to go ahead anyway, tick the override and give a reason",
        )
    if not override_reason.strip():
        raise VisitDayRefused(
            f"日付違い({_day(booking_day)}の予約)で処理する理由を入力してください",
            f"give a reason for handling a booking of {booking_day.isoformat()} today",
        )
    return True


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _when(moment: datetime) -> str:
    local = moment.astimezone(TOKYO)
    return f"{_day(local.date())} {local:%H:%M}"
