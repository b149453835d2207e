"""Reservations administration (予約担当): venues, counters, procedures, slot templates, closures, slots from
templates, the capacity calendar and the booking rules. The day's list (check-in, no-show, walk-in,
change/cancel on behalf) is core.services.reservation_day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db.models.booking import (
    Closure,
    Counter,
    Procedure,
    Rules,
    Slot,
    SlotTemplate,
    Venue,
    VenueProcedure,
)
from core.domain.booking import TOKYO, BookingRules
from core.domain.errors import DomainError
from core.services import slots
from core.services.audit import Actor, record


class BookingAdminError(DomainError):
    """A reservations-admin action was refused."""


def _audit(session: Session, actor: Actor, action: str, kind: str, object_id: object, summary: str) -> None:
    record(session, actor, action, kind, str(object_id), summary=summary)


def save_venue(
    session: Session,
    actor: Actor,
    code: str,
    name_ja: str,
    name_en: str,
    address_ja: str | None = None,
    active: bool = True,
) -> Venue:
    """Add a venue, or update the one with CODE."""
    if not code.strip() or not name_ja.strip() or not name_en.strip():
        raise BookingAdminError(
            "会場コード・会場名(日本語・英語)を入力してください", "code and both names are required"
        )
    venue = session.scalars(select(Venue).where(Venue.code == code.strip())).one_or_none() or Venue(
        code=code.strip()
    )
    venue.name_ja, venue.name_en, venue.address_ja, venue.active = (
        name_ja.strip(),
        name_en.strip(),
        address_ja,
        active,
    )
    session.add(venue)
    session.flush()
    _audit(session, actor, "venue_save", "venue", venue.code, f"会場 {venue.name_ja}")
    return venue


def add_counter(session: Session, actor: Actor, venue_id: int, name: str) -> Counter:
    """Add a counter (窓口) to a venue."""
    if not name.strip():
        raise BookingAdminError("窓口名を入力してください", "a counter name is required")
    if session.scalars(
        select(Counter).where(Counter.venue_id == venue_id, Counter.name == name.strip())
    ).first():
        raise BookingAdminError(f"窓口「{name}」はこの会場に登録済みです", f"counter {name} already exists")
    counter = Counter(venue_id=venue_id, name=name.strip())
    session.add(counter)
    session.flush()
    _audit(session, actor, "counter_add", "counter", counter.id, f"窓口 {counter.name}")
    return counter


def save_procedure(
    session: Session,
    actor: Actor,
    code: str,
    name_ja: str,
    name_en: str,
    minutes: int,
    needs_notice_no: bool = False,
    venue_ids: list[int] | None = None,
) -> Procedure:
    """Add or update a procedure and the venues that offer it."""
    if minutes <= 0:
        raise BookingAdminError("所要時間は1分以上にしてください", "the duration must be at least one minute")
    procedure = session.scalars(select(Procedure).where(Procedure.code == code.strip())).one_or_none()
    procedure = procedure or Procedure(code=code.strip())
    procedure.name_ja, procedure.name_en = name_ja.strip(), name_en.strip()
    procedure.duration_minutes, procedure.needs_notice_no = minutes, needs_notice_no
    session.add(procedure)
    session.flush()
    for venue_id in venue_ids or []:
        session.execute(
            insert(VenueProcedure)
            .values(venue_id=venue_id, procedure_id=procedure.id)
            .on_conflict_do_nothing()
        )
    _audit(session, actor, "procedure_save", "procedure", procedure.code, f"手続 {procedure.name_ja}")
    return procedure


def add_template(
    session: Session,
    actor: Actor,
    venue_id: int,
    procedure_id: int,
    weekday: int,
    starts: time,
    ends: time,
    slot_minutes: int,
    capacity: int,
    counter_id: int | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> SlotTemplate:
    """Add opening hours for a weekday (0 = Monday) from which slots are generated."""
    if not 0 <= weekday <= 6 or starts >= ends or slot_minutes <= 0 or capacity <= 0:
        raise BookingAdminError(
            "曜日・時間帯・枠の長さ・定員を確認してください(開始は終了より前、定員は1以上)",
            "check weekday, times (start before end), slot length and capacity",
        )
    template = SlotTemplate(
        venue_id=venue_id,
        procedure_id=procedure_id,
        counter_id=counter_id,
        weekday=weekday,
        starts_at=starts,
        ends_at=ends,
        slot_minutes=slot_minutes,
        capacity=capacity,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(template)
    session.flush()
    _audit(
        session, actor, "template_add", "slot_template", template.id, f"予約枠 曜日{weekday} {starts}-{ends}"
    )
    return template


def add_closure(
    session: Session,
    actor: Actor,
    venue_id: int | None,
    first: date,
    last: date,
    reason_ja: str,
    kind: str = "closure",
) -> Closure:
    """Close a venue (or every venue) for whole days FIRST..LAST; slots already generated are released."""
    if last < first or not reason_ja.strip():
        raise BookingAdminError("期間と理由を確認してください", "check the period and give a reason")
    closure = Closure(
        venue_id=venue_id,
        kind=kind,
        starts_at=datetime.combine(first, time(0), TOKYO),
        ends_at=datetime.combine(last + timedelta(days=1), time(0), TOKYO),
        reason_ja=reason_ja.strip(),
        created_by=actor.name,
    )
    session.add(closure)
    session.flush()
    _audit(session, actor, "closure_add", "closure", closure.id, f"休業 {first}〜{last} {reason_ja}")
    return closure


def generate_slots(session: Session, actor: Actor, first: date, last: date) -> int:
    """Create the slots every template describes for FIRST..LAST with the booking rules of core.services.slots
    (holidays, 年末年始, the J-LIS Sunday, closures, 19:30); existing slots are kept."""
    if last < first:
        raise BookingAdminError("期間の終わりが始まりより前です", "the period ends before it starts")
    created = slots.generate_slots(session, first, last)
    _audit(
        session,
        actor,
        "slots_generate",
        "slots",
        f"{first}:{last}",
        f"予約枠を生成 {first}〜{last}: {created}枠",
    )
    return created


@dataclass(frozen=True)
class DayLoad:
    """Capacity and bookings of one venue on one day."""

    day: date
    capacity: int
    booked: int


def calendar(session: Session, venue_id: int, first: date, last: date) -> list[DayLoad]:
    """Capacity against bookings per day."""
    day = cast(func.timezone("Asia/Tokyo", Slot.starts_at), Date)
    start, end = (
        datetime.combine(first, time(0), TOKYO),
        datetime.combine(last + timedelta(days=1), time(0), TOKYO),
    )
    rows = session.execute(
        select(day, func.sum(Slot.capacity), func.sum(Slot.booked))
        .where(Slot.venue_id == venue_id, Slot.starts_at >= start, Slot.starts_at < end)
        .group_by(day)
        .order_by(day)
    ).all()
    return [DayLoad(d, int(c), int(b)) for d, c, b in rows]


RULE_FIELDS = {
    "min_days_ahead": "何日前から予約できなくなるか(日)",
    "max_days_ahead": "何日先まで予約できるか(日)",
    "change_deadline_days": "変更・取消の締切(何日前)",
    "hold_minutes": "入力中の仮押さえ(分)",
    "max_active_per_contact": "1連絡先あたりの予約数上限",
    "release_delay_minutes": "取消枠の再公開までの時間(分)",
    "anonymise_after_days": "来庁後に個人情報を消すまで(日)",
    "pickup_transfer_days": "他会場での受取(何日先から・0=不可)",
}


def save_rules(session: Session, actor: Actor, values: dict[str, int]) -> BookingRules:
    """Change the city's booking rules (one row); the change and its old values are audited."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown or any(v is None or int(v) < 0 for v in values.values()):
        raise BookingAdminError(
            "予約ルールの値を確認してください(0以上の整数)", "rules must be whole numbers ≥ 0"
        )
    if values.get("max_days_ahead", 1) < values.get("min_days_ahead", 0) or values.get("hold_minutes", 1) < 1:
        raise BookingAdminError(
            "予約できる期間(最短 ≤ 最長)と仮押さえ(1分以上)を確認してください",
            "check the booking window (min ≤ max) and the hold (at least one minute)",
        )
    row = session.get(Rules, 1, with_for_update=True) or Rules(id=1)
    before = {name: getattr(row, name) for name in RULE_FIELDS}
    for name, value in values.items():
        setattr(row, name, int(value))
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "booking_rules",
        "booking_rules",
        "1",
        summary="予約ルールを変更 / booking rules changed",
        detail={"before": before, "after": {k: int(v) for k, v in values.items()}},
    )
    return slots.load_rules(session)
