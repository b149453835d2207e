"""The managers' overview: cards waiting at the city, bookings against capacity, check-ins, no-shows, issuance
per day and alerts from the last register load (aggregates only, no personal data).

Live from PostgreSQL (indexed range queries, cheap at any scale): today's and this week's bookings, capacity,
check-ins and no-shows per venue; today's handovers; the blocked-card alerts. From the analytic marts in the
console: the waiting cards (`mart_waiting`) and the issuance history up to the build's 基準日
(`mart_issued_per_day`, completed live for the days since). `build_overview(..., live_waiting=True)` computes
everything from PostgreSQL instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select, true
from sqlalchemy.orm import Session

from core.analytics import queries
from core.db.models.booking import Reservation, Slot, Venue
from core.db.models.cards import Card
from core.db.models.register import ExtractFile
from core.domain.booking import TOKYO
from core.domain.cards import PRE_ISSUE_STATES, CardState
from core.domain.reservations import ReservationStatus
from core.domain.undelivered import DEFAULT_POLICY, UndeliveredPolicy

WAITING_STATES = tuple(s.value for s in CardState if s in PRE_ISSUE_STATES)
CAME_STATUSES = (ReservationStatus.CHECKED_IN.value, ReservationStatus.COMPLETED.value)
NOTICE_AGE_BANDS = ((0, 29, "30日未満"), (30, 89, "30〜89日"), (90, 100000, "90日以上"))
BEFORE_NOTICE = "通知前"


@dataclass(frozen=True)
class VenueLoad:
    """Bookings against capacity at one venue for a period."""

    venue: str
    capacity: int
    booked: int
    no_shows: int
    checked_in: int = 0  # 受付済 and 完了

    @property
    def rate(self) -> float:
        """Share of the capacity booked."""
        return self.booked / self.capacity if self.capacity else 0.0


@dataclass
class Overview:
    """Everything the overview page shows."""

    waiting: dict[str, dict[str, int]] = field(default_factory=dict)  # state → notice-age band → count
    reminders_due: int = 0
    disposal_due: int = 0
    today: list[VenueLoad] = field(default_factory=list)
    week: list[VenueLoad] = field(default_factory=list)
    issued_per_day: list[tuple[date, int]] = field(default_factory=list)
    issued_today: int = 0
    issued_as_of: datetime | None = None  # the build the issuance history comes from (None: all live)
    blocked: int = 0
    blocked_reasons: list[tuple[str, int]] = field(default_factory=list)
    last_load: ExtractFile | None = None
    waiting_as_of: datetime | None = None  # when the analytics build the waiting figures come from was made


@dataclass(frozen=True)
class WaitingFigures:
    """Waiting cards by state and notice age, those due for 再通知 and 未交付廃棄, and the build's time."""

    waiting: dict[str, dict[str, int]]
    reminders_due: int
    disposal_due: int
    built_at: datetime | None


def mart_waiting(duckdb_file: Path) -> WaitingFigures:
    """The waiting-card figures from the analytics build (`waiting_cards`, core.domain.undelivered rules).

    Raises core.analytics.queries.AnalyticsMissing when there is no build yet."""
    frame = queries.waiting_by_notice_age(duckdb_file, NOTICE_AGE_BANDS, BEFORE_NOTICE)
    waiting: dict[str, dict[str, int]] = {}
    for state, band, cards in frame[["state", "band", "cards"]].itertuples(index=False, name=None):
        waiting.setdefault(str(state), {})[str(band)] = int(cards)
    build = queries.build_time(duckdb_file)
    built = build[0] if build is not None else None
    return WaitingFigures(waiting, int(frame["reminder_due"].sum()), int(frame["disposal_due"].sum()), built)


def _waiting(session: Session, today: date) -> dict[str, dict[str, int]]:
    age = func.coalesce(literal(today, Date) - Card.notified_on, -1)
    band = case(
        *[(and_(age >= low, age <= high), label) for low, high, label in NOTICE_AGE_BANDS],
        else_=BEFORE_NOTICE,
    )
    rows = session.execute(
        select(Card.state, band, func.count())
        .where(Card.state.in_(WAITING_STATES))
        .group_by(Card.state, band)
    ).all()
    result: dict[str, dict[str, int]] = {}
    for state, label, count in rows:
        result.setdefault(state, {})[label] = int(count)
    return result


def _reminders_due(session: Session, today: date, policy: UndeliveredPolicy) -> int:
    cutoff = today - timedelta(days=policy.reminder_after_days)
    return int(
        session.scalar(
            select(func.count()).where(
                Card.state.in_(("notified", "mail_returned", "reserved")),
                Card.reminded_on.is_(None),
                Card.notified_on <= cutoff,
            )
        )
        or 0
    )


def _disposal_due(session: Session, today: date, policy: UndeliveredPolicy) -> int:
    after_reminder = Card.reminded_on + func.make_interval(0, policy.disposal_after_reminder_months)
    after_notice = Card.notified_on + func.make_interval(0, policy.disposal_after_notice_months)
    return int(
        session.scalar(
            select(func.count()).where(
                Card.state.in_(WAITING_STATES),
                Card.on_hold.is_(False),
                Card.reminded_on.is_not(None),
                after_reminder <= today,
                after_notice <= today,
            )
        )
        or 0
    )


def venue_loads(session: Session, first: date, last: date) -> list[VenueLoad]:
    """Capacity, bookings and no-shows per venue for the days FIRST..LAST (inclusive)."""
    start = datetime.combine(first, time(0), TOKYO)
    end = datetime.combine(last + timedelta(days=1), time(0), TOKYO)
    # Per slot, a lateral count over the reservations index: the slots come from ix_slots_venue_start for
    # each venue, so neither table is scanned whole at any scale.
    visits = (
        select(
            func.count().filter(Reservation.status == ReservationStatus.NO_SHOW.value).label("no_show"),
            func.count().filter(Reservation.status.in_(CAME_STATUSES)).label("checked_in"),
        )
        .where(Reservation.slot_id == Slot.id)
        .lateral()
    )
    rows = session.execute(
        select(
            Venue.name_ja,
            func.coalesce(func.sum(Slot.capacity), 0),
            func.coalesce(func.sum(Slot.booked), 0),
            func.coalesce(func.sum(visits.c.no_show), 0),
            func.coalesce(func.sum(visits.c.checked_in), 0),
        )
        .join(
            Slot, and_(Slot.venue_id == Venue.id, Slot.starts_at >= start, Slot.starts_at < end), isouter=True
        )
        .join(visits, true(), isouter=True)
        .where(Venue.active.is_(True))
        .group_by(Venue.id, Venue.name_ja)
        .order_by(Venue.id)
    ).all()
    return [VenueLoad(name, int(c), int(b), int(n), int(v)) for name, c, b, n, v in rows]


def _handovers_since(session: Session, first: date) -> dict[date, int]:
    """Cards handed over per day from FIRST on, live (index on handed_over_at)."""
    since = datetime.combine(first, time(0), TOKYO)
    day = cast(func.timezone("Asia/Tokyo", Card.handed_over_at), Date)
    rows = session.execute(select(day, func.count()).where(Card.handed_over_at >= since).group_by(day)).all()
    return {d: int(n) for d, n in rows}


def _last_days(today: date, days: int) -> list[date]:
    return [today - timedelta(days=i) for i in range(days - 1, -1, -1)]


def issued_per_day(session: Session, today: date, days: int = 30) -> list[tuple[date, int]]:
    """Cards handed over per day for the last DAYS days (zeros included), live."""
    counts = _handovers_since(session, today - timedelta(days=days - 1))
    return [(d, counts.get(d, 0)) for d in _last_days(today, days)]


def mart_issued_per_day(
    session: Session, duckdb_file: Path, today: date, days: int = 30
) -> tuple[list[tuple[date, int]], datetime | None]:
    """Cards handed over per day for the last DAYS days: the days before the build's 基準日 from the marts
    (`issuance_daily`), the 基準日 and later live; and the build's time.

    Raises core.analytics.queries.AnalyticsMissing when there is no build yet."""
    first = today - timedelta(days=days - 1)
    build = queries.build_time(duckdb_file)
    built, as_of = build if build is not None else (None, first)
    history = queries.issuance_daily(duckdb_file, first, min(as_of, today + timedelta(days=1)))
    counts = {d.date(): int(n) for d, n in zip(history["day"], history["handed_over"], strict=True)}
    counts.update(_handovers_since(session, max(as_of, first)))
    return [(d, counts.get(d, 0)) for d in _last_days(today, days)], built


def build_overview(
    session: Session,
    today: date,
    policy: UndeliveredPolicy = DEFAULT_POLICY,
    *,
    live_waiting: bool = True,
    live_history: bool = True,
) -> Overview:
    """The whole overview for TODAY (without the waiting-card figures unless LIVE_WAITING, without the
    issuance history unless LIVE_HISTORY: the console takes both from the marts)."""
    monday = today - timedelta(days=today.weekday())
    reasons = session.execute(
        select(Card.blocked_reason, func.count())
        .where(Card.blocked_reason.is_not(None), or_(*[Card.state == s for s in WAITING_STATES]))
        .group_by(Card.blocked_reason)
        .order_by(func.count().desc())
        .limit(10)
    ).all()
    data = Overview(
        today=venue_loads(session, today, today),
        week=venue_loads(session, monday, monday + timedelta(days=6)),
        issued_per_day=issued_per_day(session, today) if live_history else [],
        issued_today=_handovers_since(session, today).get(today, 0),
        blocked=sum(int(n) for _, n in reasons),
        blocked_reasons=[(str(r), int(n)) for r, n in reasons],
        last_load=session.scalars(
            select(ExtractFile).order_by(ExtractFile.loaded_at.desc()).limit(1)
        ).first(),
    )
    if live_waiting:
        data.waiting = _waiting(session, today)
        data.reminders_due = _reminders_due(session, today, policy)
        data.disposal_due = _disposal_due(session, today, policy)
    return data
