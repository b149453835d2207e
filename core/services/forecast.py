"""Expiry waves and counter demand.

`mart_expiries` reads the analytic marts (core.analytics: `expiries_monthly`, `expiry_notice_waves`), which
the console uses; `ledger_expiries` aggregates the ledger in PostgreSQL directly (the expiry printed on the
card, else the one computed by core.domain.expiry). `build_forecast` turns monthly expiries into demand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Date, case, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session

from core.analytics import queries
from core.analytics.marts import AGE_BANDS as MART_AGE_BANDS
from core.analytics.marts import UNKNOWN_AGE_BAND
from core.db.models.cards import Card, Certificate
from core.db.models.register import Resident
from core.domain.errors import DomainError
from core.domain.expiry import (
    LONG_TERM_RESIDENCE_STATUSES as LONG_TERM,
)
from core.domain.expiry import (
    RENEWAL_WINDOW_MONTHS,
    add_months,
    card_expiry,
    expiry_notice_month,
    expiry_set_by_stay,
    is_long_term_resident,
    renewal_window_opens,
)

DISTRICTS = (
    "片瀬",
    "鵠沼",
    "辻堂",
    "村岡",
    "藤沢",
    "明治",
    "善行",
    "湘南大庭",
    "六会",
    "湘南台",
    "遠藤",
    "長後",
    "御所見",
)
OTHER_DISTRICT = "不明"
AGE_BANDS = (
    (0, 14, "0-14"),
    (15, 19, "15-19"),
    (20, 39, "20-39"),
    (40, 64, "40-64"),
    (65, 74, "65-74"),
    (75, 200, "75+"),
)
IN_USE_STATES = ("issued", "suspended")
UNKNOWN_AGE = "不明"


def month_start(day: date) -> date:
    """First day of DAY's month."""
    return day.replace(day=1)


def months(start: date, count: int) -> list[date]:
    """COUNT month starts from START's month."""
    first = month_start(start)
    return [add_months(first, i) for i in range(count)]


def age_band(age: int) -> str:
    """The age band label for AGE."""
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


@dataclass(frozen=True)
class Expiry:
    """One thing that expires: a card or a 利用者証明用 certificate (the 署名用 follows it)."""

    kind: str  # card | certificate
    expires_on: date
    district: str
    age_band: str
    notice: bool = False  # a J-LIS 有効期限通知書 is mailed (cards only)
    count: int = 1


def district_sql() -> ColumnElement[str]:
    """The 地区 from the first two digits of the 町丁コード (01 片瀬 … 13 御所見), as the marts do."""
    whens = [
        (func.substr(Resident.area_code, 1, 2) == f"{i:02d}", literal(name))
        for i, name in enumerate(DISTRICTS, 1)
    ]
    return case(*whens, else_=literal(OTHER_DISTRICT))


def age_sql(today: date) -> ColumnElement[float]:
    return func.date_part("year", func.age(cast(literal(today), Date), Resident.birth_date))


def band_sql(today: date) -> ColumnElement[str]:
    """The age band on TODAY, computed by the database (keeps the groups few)."""
    age = age_sql(today)
    whens = [(age.between(low, high), literal(label)) for low, high, label in AGE_BANDS]
    return case(*whens, else_=literal(UNKNOWN_AGE))


def _band(band: str | None) -> str:
    return band or UNKNOWN_AGE


def positions(count: int) -> list[ColumnElement[Any]]:
    """GROUP BY 1, 2, …: the select's expressions carry bound parameters, so group by position."""
    return [literal_column(str(i)) for i in range(1, count + 1)]


def _notice_sql() -> ColumnElement[bool]:
    # A card that ends with a (non-long-term) period of stay gets no J-LIS notice. Expiries set by the
    # birthday rule fall on a birthday, so an expiry on another day marks a stay-bound card.
    long_term = sorted(LONG_TERM)
    stay_bound = (
        (Resident.resident_kind == 2)
        & Resident.residence_status.not_in(long_term)
        & (func.to_char(Card.expires_on, "MMDD") != func.to_char(Resident.birth_date, "MMDD"))
    )
    return case((stay_bound, literal(False)), else_=literal(True))


def ledger_expiries(session: Session, today: date, horizon_months: int) -> list[Expiry]:
    """Cards in use and their 利用者証明用 certificates expiring from TODAY's month on (aggregated), within
    the horizon plus the renewal window (their demand starts inside the horizon)."""
    start = month_start(today)
    end = add_months(start, horizon_months + RENEWAL_WINDOW_MONTHS)
    district, age = district_sql(), band_sql(today)
    in_use = (Card.state.in_(IN_USE_STATES), Resident.resident_status == 1)
    month = func.date_trunc("month", Card.expires_on)
    printed = session.execute(
        select(cast(month, Date), district, age, _notice_sql(), func.count())
        .join(Resident, Resident.atena_no == Card.holder_atena_no)
        .where(*in_use, Card.expires_on >= start, Card.expires_on < end)
        .group_by(*positions(4))
    ).all()
    result = [Expiry("card", m, str(d), _band(a), bool(n), int(c)) for m, d, a, n, c in printed]
    result += _computed_card_expiries(session, start, end)
    cert_month = func.date_trunc("month", Certificate.expires_on)
    certs = session.execute(
        select(cast(cert_month, Date), district, age, func.count())
        .join(Card, Card.id == Certificate.card_id)
        .join(Resident, Resident.atena_no == Card.holder_atena_no)
        .where(
            *in_use,
            Certificate.kind == "user",
            Certificate.state == "valid",
            Certificate.expires_on >= start,
            Certificate.expires_on < end,
            # renewed together with the card: one visit, counted with the card
            (Card.expires_on.is_(None)) | (Certificate.expires_on < Card.expires_on),
        )
        .group_by(*positions(3))
    ).all()
    result += [Expiry("certificate", m, str(d), _band(a), False, int(c)) for m, d, a, c in certs]
    return result


def _computed_card_expiries(session: Session, start: date, end: date) -> list[Expiry]:
    """Cards whose printed expiry the ledger lacks: the expiry computed by the domain rules."""
    rows = session.execute(
        select(
            Card.issued_on,
            Card.applied_on,
            Resident.birth_date,
            Resident.resident_kind,
            Resident.residence_status,
            Resident.residence_expiry,
            district_sql(),
            band_sql(start),
        )
        .join(Resident, Resident.atena_no == Card.holder_atena_no)
        .where(Card.state.in_(IN_USE_STATES), Resident.resident_status == 1, Card.expires_on.is_(None))
    ).all()
    result = []
    for issued, applied, birth, kind, status, stay, where, years in rows:
        expiry = _card_expiry(None, issued, applied, birth, kind, status, stay)
        if expiry is None or not start <= expiry < end:
            continue
        foreign = kind == 2
        by_stay = foreign and birth is not None and _ends_with_stay(issued, applied, birth, status, stay)
        notice = not (foreign and not is_long_term_resident(status) and by_stay)
        result.append(Expiry("card", month_start(expiry), str(where), _band(years), notice))
    return result


def _card_expiry(
    printed: date | None,
    issued: date,
    applied: date | None,
    birth: date | None,
    kind: int,
    status: str | None,
    stay: date | None,
) -> date | None:
    if printed is not None:
        return printed
    if birth is None:
        return None
    try:
        return card_expiry(
            birth, issued, applied, foreign_resident=kind == 2, residence_status=status, residence_expiry=stay
        )
    except DomainError:
        return None


def _ends_with_stay(
    issued: date, applied: date | None, birth: date, status: str | None, stay: date | None
) -> bool:
    try:
        return expiry_set_by_stay(
            birth, issued, applied, foreign_resident=True, residence_status=status, residence_expiry=stay
        )
    except DomainError:
        return False


MART_AGE_LABELS = (*(label for _, _, label in MART_AGE_BANDS), UNKNOWN_AGE_BAND)
MART_KINDS = {"card": "card", "user_cert": "certificate"}


@dataclass(frozen=True)
class MartExpiries:
    """The marts' expiries for a forecast: totals by month and kind (items), letters by month, and the
    horizon's expiries by month and district or age band (SPLIT)."""

    items: list[Expiry]
    notices: dict[date, int]
    split: Counter[tuple[date, str]] = field(default_factory=Counter)


def mart_expiries(
    duckdb_file: Path, today: date, horizon_months: int, split: str = "district"
) -> MartExpiries:
    """Cards in use and their 利用者証明用 certificates expiring from TODAY's month on, within the horizon
    plus the renewal window (summed by month and kind in DuckDB), the 有効期限通知書 letters and the
    breakdown by SPLIT (district / age) in the horizon, from the analytics build (read-only).

    Raises core.analytics.queries.AnalyticsMissing when there is no build yet."""
    start = month_start(today)
    horizon_end = add_months(start, horizon_months)
    totals = queries.forecast_totals(
        duckdb_file, start, add_months(start, horizon_months + RENEWAL_WINDOW_MONTHS)
    )
    items = [Expiry(MART_KINDS[kind], month, "", "", False, count) for month, kind, count in totals]
    notices = dict(queries.notice_letter_rows(duckdb_file, start, horizon_end))
    split_rows = queries.forecast_split(duckdb_file, start, horizon_end, split)
    return MartExpiries(items, notices, Counter({(m, g): n for m, g, n in split_rows}))


@dataclass(frozen=True)
class DemandModel:
    """How many come (take-up) and when, by month after the renewal window opens (weights, normalised)."""

    take_up: float = 0.85
    arrival_weights: tuple[float, ...] = (0.35, 0.3, 0.2, 0.15)
    minutes_per_visit: int = 15

    def shares(self) -> list[float]:
        """The arrival weights normalised to 1."""
        total = sum(self.arrival_weights)
        if total <= 0 or not 0 <= self.take_up <= 1:
            raise DomainError(
                "来庁率と来庁時期の設定を確認してください", "check take-up and arrival settings"
            )
        return [w / total for w in self.arrival_weights]


def arrival_weights(early: float, spread_months: int = 4) -> tuple[float, ...]:
    """Weights with a share EARLY (0–1) coming in the window's first month, the rest geometrically later."""
    early = min(max(early, 0.01), 0.99)
    return tuple(early * (1 - early) ** i for i in range(spread_months))


@dataclass
class MonthRow:
    """One month of the forecast."""

    month: date
    card_expiries: int = 0
    certificate_expiries: int = 0
    notices: int = 0
    demand: float = 0.0
    capacity: int = 0

    @property
    def gap(self) -> float:
        """Visits above capacity (0 when capacity suffices)."""
        return max(self.demand - self.capacity, 0.0)


@dataclass
class Forecast:
    """The monthly table plus breakdowns by district and age band."""

    rows: list[MonthRow]
    by_district: Counter[tuple[date, str]] = field(default_factory=Counter)
    by_age: Counter[tuple[date, str]] = field(default_factory=Counter)
    model: DemandModel = field(default_factory=DemandModel)

    def extra_hours(self, row: MonthRow) -> float:
        """Counter-hours needed to close the month's gap."""
        return row.gap * self.model.minutes_per_visit / 60


def build_forecast(
    expiries: Iterable[Expiry],
    start: date,
    horizon_months: int,
    model: DemandModel,
    capacity: Sequence[int] | int,
    notices: Mapping[date, int] | None = None,
) -> Forecast:
    """Monthly expiries, notices and demand (from the window's opening on) against capacity.

    NOTICES (letters per notice month, from the marts) replace the notices derived from the items' flags."""
    month_list = months(start, horizon_months)
    rows = {m: MonthRow(m) for m in month_list}
    caps = [capacity] * horizon_months if isinstance(capacity, int) else list(capacity)
    for row, cap in zip(month_list, caps, strict=False):
        rows[row].capacity = cap
    forecast = Forecast(list(rows.values()), model=model)
    shares = model.shares()
    due: Counter[date] = Counter()  # everything expiring per month: the demand follows it
    for item in expiries:
        month = month_start(item.expires_on)
        due[month] += item.count
        if month in rows:
            if item.kind == "card":
                rows[month].card_expiries += item.count
            else:
                rows[month].certificate_expiries += item.count
            forecast.by_district[(month, item.district)] += item.count
            forecast.by_age[(month, item.age_band)] += item.count
        if notices is None and item.notice and (notice := expiry_notice_month(item.expires_on)) in rows:
            rows[notice].notices += item.count
    for month, letters in (notices or {}).items():
        if month in rows:
            rows[month].notices += letters
    # The window opens three months before expiry (same day), so in the month three months earlier.
    for month, count in due.items():
        opens = month_start(renewal_window_opens(month))
        for offset, share in enumerate(shares):
            visit = add_months(opens, offset)
            if visit in rows:
                rows[visit].demand += count * model.take_up * share
    return forecast
