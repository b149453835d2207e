"""The monthly SLA report (サービスレベル実施状況報告) from its inputs, every formula and input kept.

Definitions (the contract, issue 16), all in Japan time and counted only inside the report month:
- 計画サービス時間: the reservation site 24 h every day; the console in opening hours (weekdays and
  the 2nd/4th Saturdays, 08:30–17:00, not on national holidays or 年末年始), minus planned stops
  (計画停止 / J-LIS) announced at least `notice_days` before they began;
- 停止時間: outages and the planned stops announced later than that, merged (an overlap counts once),
  counted only inside the planned service time; a 'database' stop stops both the site and the console;
- サービス稼働率 = (計画サービス時間 − 停止時間) ÷ 計画サービス時間 × 100;
- 基準応答時間達成率 = requests answered within 3 s ÷ all requests × 100;
- 障害通知の適時率 = outages notified within 1 hour of detection ÷ outages × 100;
- 定時バックアップ率 = nights with a good (verified) backup ÷ nights × 100; a night is the calendar
  day (JST) the nightly run starts on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.domain.booking import TOKYO, is_year_end, week_of_month
from core.domain.intervals import Interval, intersect, merge, subtract, total

TARGETS = {"site": "予約サイト", "console": "窓口コンソール"}
KINDS = {"outage": "障害", "planned": "計画停止", "jlis": "J-LIS停止"}
NOT_AVAILABLE = "not available(計測データなし)"


@dataclass(frozen=True)
class ServiceHours:
    """When each service is planned to run: the site always; the console in opening hours."""

    console_open: time = time(8, 30)
    console_close: time = time(17, 0)
    console_saturdays: tuple[int, ...] = (2, 4)  # which Saturdays of the month the counter opens
    closed_days: frozenset[date] = frozenset()  # national holidays (年末年始 are closed anyway)

    def console_day(self, day: date) -> bool:
        """Whether the console is planned to run on DAY."""
        if day in self.closed_days or is_year_end(day):
            return False
        return day.weekday() < 5 or (day.weekday() == 5 and week_of_month(day) in self.console_saturdays)


@dataclass(frozen=True)
class SlaPolicy:
    """The contract's targets and rules (settings)."""

    availability_target: float = 99.5
    response_target: float = 99.0
    notice_days: int = 30
    notify_within: timedelta = timedelta(hours=1)
    response_limit_ms: int = 3000


@dataclass(frozen=True)
class Stop:
    """One row of the incident register: an outage, a planned stop or a J-LIS stop."""

    id: int
    kind: str  # outage | planned | jlis
    target: str  # site | console | database
    started_at: datetime
    ended_at: datetime | None  # None: still going on
    detected_at: datetime | None = None
    notified_at: datetime | None = None
    recovered_at: datetime | None = None
    announced_at: datetime | None = None
    cause: str | None = None
    remedy: str | None = None

    def stops(self, target: str) -> bool:
        """Whether this stop takes TARGET (site / console) down."""
        return self.target in (target, "database")


@dataclass(frozen=True)
class DayRequests:
    """One app's requests on one day (summed from the per-minute buckets)."""

    day: date
    app: str
    requests: int
    within_3s: int
    total_ms: int = 0
    max_ms: int = 0


@dataclass(frozen=True)
class Backup:
    """One nightly backup run: when it started and whether it finished good and verified."""

    name: str
    started_at: datetime
    good: bool


@dataclass(frozen=True)
class Drill:
    """One restore drill and its measured RTO."""

    backup_name: str
    started_at: datetime
    ok: bool
    rto_seconds: float | None


@dataclass(frozen=True)
class ChainHead:
    """The audit chain's head recorded for one day (sequence number and hash)."""

    day: date
    seq: int
    hash: str


@dataclass(frozen=True)
class SlaInputs:
    """Everything the month's figures are computed from; None where the measurement does not exist yet."""

    month: date  # the first day of the month
    until: datetime  # the end of what is counted: the month's end, or now if the month is still running
    hours: ServiceHours = field(default_factory=ServiceHours)
    policy: SlaPolicy = field(default_factory=SlaPolicy)
    stops: tuple[Stop, ...] | None = None
    requests: tuple[DayRequests, ...] | None = None
    backups: tuple[Backup, ...] | None = None
    drills: tuple[Drill, ...] | None = None
    chain_heads: tuple[ChainHead, ...] | None = None


@dataclass(frozen=True)
class Figure:
    """One reported figure, its formula with the numbers filled in, and the inputs to recompute it."""

    key: str
    name: str
    value: float | None  # percent; None when there is nothing to measure or no data
    target: float | None
    formula: str
    inputs: tuple[tuple[str, str], ...]

    @property
    def met(self) -> bool | None:
        """Whether the target was reached (None without a value or a target)."""
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target

    @property
    def value_text(self) -> str:
        """`99.792%`, or why there is no value."""
        if self.value is None:
            return NOT_AVAILABLE if "not available" in self.formula else "該当なし"
        return f"{self.value:.3f}%"


@dataclass(frozen=True)
class DayAvailability:
    """One day's 稼働率 per service (None on a day the service is not planned to run)."""

    day: date
    site: float | None
    console: float | None


@dataclass(frozen=True)
class IncidentRow:
    """An outage in the month: 検知・通知・復旧 and whether 通知 came within the limit."""

    stop: Stop
    minutes_in_month: float
    notify_minutes: float | None
    notified_in_time: bool


@dataclass(frozen=True)
class PlannedRow:
    """A planned or J-LIS stop in the month and its notice period."""

    stop: Stop
    minutes_in_month: float
    notice_days: float | None
    excluded: bool


@dataclass(frozen=True)
class SlaReport:
    """The month's figures and the tables behind them."""

    month: date
    until: datetime
    figures: tuple[Figure, ...]
    days: tuple[DayAvailability, ...]
    requests: tuple[DayRequests, ...] | None
    incidents: tuple[IncidentRow, ...] | None
    planned: tuple[PlannedRow, ...] | None
    backups_nights: tuple[tuple[date, bool], ...] | None
    drills: tuple[Drill, ...] | None
    chain_heads: tuple[ChainHead, ...] | None
    policy: SlaPolicy
    hours: ServiceHours

    def figure(self, key: str) -> Figure:
        """The figure named KEY."""
        return next(f for f in self.figures if f.key == key)


def month_span(month: date) -> Interval:
    """The month as [first day 00:00, next month's first day 00:00) in Japan time."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Interval(datetime.combine(first, time(), TOKYO), datetime.combine(following, time(), TOKYO))


def counted_span(inputs: SlaInputs) -> Interval:
    """The part of the month that is counted: from its start to `until` (at most the month's end)."""
    span = month_span(inputs.month)
    return Interval(span.start, max(span.start, min(span.end, inputs.until)))


def days_of(span: Interval) -> list[date]:
    """The calendar days (JST) that SPAN touches."""
    day, last = span.start.astimezone(TOKYO).date(), (span.end - timedelta(microseconds=1)).astimezone(TOKYO)
    out = []
    while span.end > span.start and day <= last.date():
        out.append(day)
        day += timedelta(days=1)
    return out


def service_windows(target: str, span: Interval, hours: ServiceHours) -> list[Interval]:
    """When TARGET is planned to run inside SPAN (before planned stops are taken out)."""
    windows = []
    for day in days_of(span):
        if target == "site":
            start = datetime.combine(day, time(), TOKYO)
            windows.append(Interval(start, start + timedelta(days=1)))
        elif hours.console_day(day):
            windows.append(
                Interval(
                    datetime.combine(day, hours.console_open, TOKYO),
                    datetime.combine(day, hours.console_close, TOKYO),
                )
            )
    return intersect(windows, [span])


def _interval(stop: Stop, until: datetime) -> Interval:
    return Interval(stop.started_at, stop.ended_at or until)


def excluded(stop: Stop, policy: SlaPolicy) -> bool:
    """Whether a planned/J-LIS stop is left out of 停止時間 (announced ≥ `notice_days` before it began)."""
    if stop.kind == "outage" or stop.announced_at is None:
        return False
    return stop.started_at - stop.announced_at >= timedelta(days=policy.notice_days)


def _minutes(length: timedelta) -> float:
    return length.total_seconds() / 60


def _num(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


@dataclass(frozen=True)
class _Downtime:
    planned: list[Interval]  # 計画サービス時間 (after excluded planned stops)
    excluded: list[Interval]  # excluded planned stops inside the service windows
    down: list[Interval]  # 停止時間 inside the planned service time


def _downtime(target: str, span: Interval, inputs: SlaInputs, stops: tuple[Stop, ...]) -> _Downtime:
    windows = service_windows(target, span, inputs.hours)
    mine = [s for s in stops if s.stops(target)]
    skip = [_interval(s, inputs.until) for s in mine if excluded(s, inputs.policy)]
    counted = [_interval(s, inputs.until) for s in mine if not excluded(s, inputs.policy)]
    planned = subtract(windows, skip)
    return _Downtime(planned, intersect(windows, skip), intersect(merge(counted), planned))


def _rate(planned: timedelta, down: timedelta) -> float | None:
    if planned <= timedelta(0):
        return None
    return (planned - down) / planned * 100


def availability(target: str, inputs: SlaInputs) -> Figure:
    """サービス稼働率 of TARGET (site / console) over the counted part of the month."""
    name = f"サービス稼働率({TARGETS[target]})"
    formula = "(計画サービス時間 − 停止時間) ÷ 計画サービス時間 × 100"
    if inputs.stops is None:
        return Figure(
            target, name, None, inputs.policy.availability_target, f"{formula}: {NOT_AVAILABLE}", ()
        )
    result = _downtime(target, counted_span(inputs), inputs, inputs.stops)
    planned, down = _minutes(total(result.planned)), _minutes(total(result.down))
    windows = _minutes(total(result.planned) + total(result.excluded))
    rate = _rate(total(result.planned), total(result.down))
    filled = (
        f"({_num(planned)} − {_num(down)}) ÷ {_num(planned)} × 100" if planned else "計画サービス時間なし"
    )
    return Figure(
        target,
        name,
        rate,
        inputs.policy.availability_target,
        f"{formula} = {filled}",
        (
            ("サービス時間帯(分)", _num(windows)),
            (f"除外した計画停止(分、{inputs.policy.notice_days}日以上前に告知)", _num(windows - planned)),
            ("計画サービス時間(分)", _num(planned)),
            ("停止時間(分、重複は1回)", _num(down)),
        ),
    )


def daily_availability(inputs: SlaInputs) -> tuple[DayAvailability, ...]:
    """Each counted day's 稼働率 for the site and the console (for the chart)."""
    if inputs.stops is None:
        return ()
    span = counted_span(inputs)
    out = []
    for day in days_of(span):
        start = datetime.combine(day, time(), TOKYO)
        day_span = intersect([Interval(start, start + timedelta(days=1))], [span])[0]
        rates = []
        for target in TARGETS:
            result = _downtime(target, day_span, inputs, inputs.stops)
            rates.append(_rate(total(result.planned), total(result.down)))
        out.append(DayAvailability(day, rates[0], rates[1]))
    return tuple(out)


def _month_requests(month: date, requests: tuple[DayRequests, ...]) -> tuple[DayRequests, ...]:
    days = set(days_of(month_span(month)))
    return tuple(r for r in requests if r.day in days)


def response(inputs: SlaInputs) -> Figure:
    """基準応答時間達成率 over both apps' requests in the month."""
    limit = inputs.policy.response_limit_ms / 1000
    name, formula = "基準応答時間達成率", f"{limit:g}秒以内に応答したリクエスト数 ÷ 全リクエスト数 × 100"
    target = inputs.policy.response_target
    if inputs.requests is None:
        return Figure("response", name, None, target, f"{formula}: {NOT_AVAILABLE}", ())
    rows = _month_requests(inputs.month, inputs.requests)
    within, all_ = sum(r.within_3s for r in rows), sum(r.requests for r in rows)
    per_app = tuple(
        (
            f"{TARGETS[app]}: {limit:g}秒以内 / 全リクエスト",
            f"{sum(r.within_3s for r in rows if r.app == app):,} / "
            f"{sum(r.requests for r in rows if r.app == app):,}",
        )
        for app in TARGETS
    )
    return Figure(
        "response",
        name,
        within / all_ * 100 if all_ else None,
        target,
        f"{formula} = {within:,} ÷ {all_:,} × 100",
        (
            (f"{limit:g}秒以内に応答したリクエスト数", f"{within:,}"),
            ("全リクエスト数", f"{all_:,}"),
            *per_app,
        ),
    )


def _month_stops(inputs: SlaInputs, kinds: Iterable[str]) -> list[tuple[Stop, float]]:
    span, kinds = counted_span(inputs), set(kinds)
    assert inputs.stops is not None
    out = []
    for stop in sorted(inputs.stops, key=lambda s: s.started_at):
        inside = intersect([_interval(stop, inputs.until)], [span])
        if stop.kind in kinds and inside:
            out.append((stop, _minutes(total(inside))))
    return out


def incidents(inputs: SlaInputs) -> tuple[IncidentRow, ...] | None:
    """The outages that touch the month, with the minutes inside it and the notification delay."""
    if inputs.stops is None:
        return None
    rows = []
    for stop, minutes in _month_stops(inputs, ["outage"]):
        delay = None
        if stop.notified_at is not None:
            delay = _minutes(stop.notified_at - (stop.detected_at or stop.started_at))
        in_time = delay is not None and delay <= _minutes(inputs.policy.notify_within)
        rows.append(IncidentRow(stop, minutes, delay, in_time))
    return tuple(rows)


def planned_stops(inputs: SlaInputs) -> tuple[PlannedRow, ...] | None:
    """The planned and J-LIS stops that touch the month, with their notice periods."""
    if inputs.stops is None:
        return None
    rows = []
    for stop, minutes in _month_stops(inputs, ["planned", "jlis"]):
        notice = (
            None if stop.announced_at is None else (stop.started_at - stop.announced_at) / timedelta(days=1)
        )
        rows.append(PlannedRow(stop, minutes, notice, excluded(stop, inputs.policy)))
    return tuple(rows)


def notification(inputs: SlaInputs, rows: tuple[IncidentRow, ...] | None) -> Figure:
    """障害通知の適時率: outages notified within the limit ÷ outages."""
    limit = _minutes(inputs.policy.notify_within)
    name, formula = "障害通知の適時率", f"検知から{limit:g}分以内に通知した障害の件数 ÷ 障害の件数 × 100"
    if rows is None:
        return Figure("notification", name, None, 100.0, f"{formula}: {NOT_AVAILABLE}", ())
    in_time = sum(r.notified_in_time for r in rows)
    return Figure(
        "notification",
        name,
        in_time / len(rows) * 100 if rows else None,
        100.0,
        f"{formula} = {in_time} ÷ {len(rows)} × 100",
        ((f"{limit:g}分以内に通知", str(in_time)), ("障害の件数", str(len(rows)))),
    )


def backup_nights(inputs: SlaInputs) -> tuple[tuple[date, bool], ...] | None:
    """Each counted night (JST day the nightly starts on) and whether it has a good backup."""
    if inputs.backups is None:
        return None
    good = {b.started_at.astimezone(TOKYO).date() for b in inputs.backups if b.good}
    return tuple((day, day in good) for day in days_of(counted_span(inputs)))


def backup_rate(nights: tuple[tuple[date, bool], ...] | None) -> Figure:
    """定時バックアップ率: nights with a good backup ÷ nights."""
    name, formula = "定時バックアップ率", "正常なバックアップのあった夜の数 ÷ 夜の数 × 100"
    if nights is None:
        return Figure("backup", name, None, 100.0, f"{formula}: {NOT_AVAILABLE}", ())
    good = sum(ok for _, ok in nights)
    missed = ", ".join(f"{d.month}/{d.day}" for d, ok in nights if not ok) or "なし"
    return Figure(
        "backup",
        name,
        good / len(nights) * 100 if nights else None,
        100.0,
        f"{formula} = {good} ÷ {len(nights)} × 100",
        (("正常なバックアップのあった夜", str(good)), ("夜の数", str(len(nights))), ("欠けた夜", missed)),
    )


def report(inputs: SlaInputs) -> SlaReport:
    """The month's SLA report from INPUTS."""
    span = counted_span(inputs)
    rows = incidents(inputs)
    nights = backup_nights(inputs)
    drills = None
    if inputs.drills is not None:
        drills = tuple(d for d in inputs.drills if span.start <= d.started_at < span.end)
    heads = None
    if inputs.chain_heads is not None:
        heads = tuple(h for h in inputs.chain_heads if h.day in set(days_of(span)))
    requests = None
    if inputs.requests is not None:
        requests = _month_requests(inputs.month, inputs.requests)
    return SlaReport(
        month=inputs.month,
        until=span.end,
        figures=(
            availability("site", inputs),
            availability("console", inputs),
            response(inputs),
            notification(inputs, rows),
            backup_rate(nights),
        ),
        days=daily_availability(inputs),
        requests=requests,
        incidents=rows,
        planned=planned_stops(inputs),
        backups_nights=nights,
        drills=drills,
        chain_heads=heads,
        policy=inputs.policy,
        hours=inputs.hours,
    )
