"""Finding people for the card ledger: by 住民票コード, 宛名番号, name or kana (with the birth date in one
box), birth date or 交付通知書 number, whatever width or spacing the clerk typed, narrowed by 地区 and age.
Every search and every record view is audited."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import jaconv
from sqlalchemy import ColumnElement, Select, and_, func, literal, literal_column, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.cards import Card, CardEvent, Certificate
from core.db.models.register import Resident, ResidentVersion
from core.domain.city import DISTRICTS, SEARCH_AGE_BANDS
from core.domain.errors import DomainError
from core.domain.typed_input import DateProblem, InvalidTypedDate, parse_typed_date
from core.services import register
from core.services.audit import Actor, record

MAX_HITS = 50
# The search box's hint: every example is searched in the tests (tests/console/test_ledger_search.py).
HINT_EXAMPLES = (
    "中野涼 1987-02-15",
    "なかの りょう S62.2.15",
    "ナカノリョウ 昭和62年2月15日",
    "１９８７年２月１５日",
)
# 年齢 narrowing (age today, inclusive; None: no upper end), by label
AGE_BANDS: dict[str, tuple[int, int | None]] = {b.label: (b.first, b.last) for b in SEARCH_AGE_BANDS}
_SPACES = " \u3000"
_NOTICE = re.compile(r"^([0-9A-Z]{3})-?([0-9]{6})$")
_KATAKANA = re.compile(r"^[\u30A0-\u30FF]+$")


class SearchError(DomainError):
    """The search text cannot be understood."""


@dataclass(frozen=True)
class Query:
    """What the clerk typed, understood: its kind, the normalised value and the birth date typed with it."""

    kind: str  # notice_no | date | number | kana | name
    value: str
    birth_date: date | None = None


@dataclass(frozen=True)
class Narrowing:
    """Optional narrowing of the hits: the 地区 (01 片瀬 … 13 御所見) and an age band (AGE_BANDS key)."""

    district: str | None = None
    age_band: str | None = None

    def describe(self) -> dict[str, str]:
        """The narrowing for the audit entry (only what was chosen)."""
        chosen = {"district": self.district, "age_band": self.age_band}
        return {key: value for key, value in chosen.items() if value}


def district_choices() -> list[tuple[str, str]]:
    """(code, name) of the city's 地区, in code order, as the area code's first two digits name them."""
    return [(d.code, d.name) for d in DISTRICTS]


def normalise(text: str) -> str:
    """Half-width digits and letters, full-width katakana (hiragana → katakana), upper case, no spaces."""
    text = unicodedata.normalize("NFKC", jaconv.h2z(text, kana=True, digit=False, ascii=False))
    text = jaconv.hira2kata(text).upper()
    return text.translate({ord(c): None for c in _SPACES}).strip()


def _typed_date(text: str, today: date) -> date | None:
    """The date TEXT spells (any form parse_typed_date reads), None when it is no date at all; a date that
    cannot be (2月30日, after today) is a clear error."""
    try:
        return parse_typed_date(text, today)
    except InvalidTypedDate as problem:
        if problem.problem is DateProblem.FORMAT:
            return None
        raise SearchError(f"生年月日: {problem.message_ja}", f"birth date: {problem.message_en}") from None


_DATE_START = re.compile(r"[0-9０-９]|明治|大正|昭和|平成|令和|[明大昭平令MTSHRmtshrＭＴＳＨＲ][0-9０-９元]")


def split_birth_date(text: str, today: date) -> tuple[str, date | None]:
    """(the rest, the birth date) of a search text that ends or starts with a birth date:
    「中野涼 1987-02-15」, 「S62.2.15 ナカノ リョウ」, 「中野涼1987年2月15日」; the whole text when no part
    of it is a date."""
    text = text.strip()
    whole = _typed_date(text, today)
    if whole is not None:
        return "", whole
    for match in _DATE_START.finditer(text):
        if match.start() == 0:
            continue
        head, tail = text[: match.start()], text[match.start() :]
        found = _typed_date(tail, today)
        if found is not None:
            return head, found
    words = text.split()
    for k in range(len(words) - 1, 0, -1):
        found = _typed_date(" ".join(words[:k]), today)
        if found is not None:
            return " ".join(words[k:]), found
    return text, None


def understand(text: str, today: date | None = None) -> Query:
    """Classify the search text (TODAY bounds a typed birth date); an empty or unusable text is a clear
    error."""
    value = normalise(text)
    if not value:
        raise SearchError("検索する語を入力してください", "type something to search for")
    if (notice := _NOTICE.match(value)) is not None:
        return Query("notice_no", f"{notice.group(1)}-{notice.group(2)}")
    day = today or date.max
    if value.isdigit():
        if len(value) > 15:
            raise SearchError(
                "番号が長すぎます(住民票コードは11桁、宛名番号は15桁まで)",
                "the number is too long (住民票コード has 11 digits, 宛名番号 at most 15)",
            )
        return Query("number", value, _typed_date(value, day) if len(value) == 8 else None)
    rest, birth = split_birth_date(text, day)
    name = normalise(rest)
    if not name:
        return Query("date", value, birth)
    if len(name) < 2:
        raise SearchError("氏名・カナは2文字以上入力してください", "type at least two characters of a name")
    return Query("kana" if _KATAKANA.match(name) else "name", name, birth)


def _compact(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    # constants inlined (not bound) so the planner matches the expression indexes of migration 0005
    return func.translate(column, literal_column("' \u3000'"), literal_column("''"))


def _condition(query: Query) -> ColumnElement[bool]:
    if query.kind == "notice_no":
        holders = select(Card.holder_atena_no).where(Card.notice_no == query.value)
        return Resident.atena_no.in_(holders.scalar_subquery())
    if query.kind == "number":
        options = [Resident.atena_no == query.value, Resident.juminhyo_code == query.value]
        if query.birth_date is not None:
            options.append(Resident.birth_date == query.birth_date)
        return or_(*options)
    if query.kind == "date":
        return Resident.birth_date == query.birth_date
    pattern = query.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    column = Resident.name_kana if query.kind == "kana" else Resident.name
    # rendered into the SQL (safely quoted), not bound: a prepared generic plan could not use the prefix index
    named = _compact(column).like(literal(pattern, literal_execute=True))
    return named if query.birth_date is None else and_(named, Resident.birth_date == query.birth_date)


def years_before(day: date, years: int) -> date:
    """The same day YEARS earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _narrowed(narrowing: Narrowing, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if narrowing.district:
        conditions.append(func.substr(Resident.area_code, 1, 2) == narrowing.district)
    if narrowing.age_band:
        youngest, oldest = AGE_BANDS[narrowing.age_band]
        conditions.append(Resident.birth_date <= years_before(today, youngest))
        if oldest is not None:
            conditions.append(Resident.birth_date > years_before(today, oldest + 1))
    return conditions


@dataclass(frozen=True)
class PersonHit:
    """One person found, with what the clerk needs to pick the right one."""

    atena_no: str
    juminhyo_code: str
    name: str
    name_kana: str
    birth_date: date | None
    sex: int
    address: str
    resident_status: int


@dataclass(frozen=True)
class SearchResult:
    """The people found (at most MAX_HITS) and whether there were more."""

    query: Query
    hits: list[PersonHit]
    more: bool


def select_for(
    query: Query, limit: int = MAX_HITS, narrowing: Narrowing | None = None, today: date | None = None
) -> Select[Resident]:
    """The SQL that finds the people QUERY names, narrowed by district and age on TODAY (one more than
    LIMIT, to tell whether there are more)."""
    narrow = _narrowed(narrowing, today) if narrowing and today else []
    statement = select(Resident).where(_condition(query), *narrow).limit(limit + 1)
    if query.kind in ("kana", "name") and query.birth_date is None:
        # The first hits in the order of the prefix index itself (migration 0005, text_pattern_ops: ~<~) and
        # nothing else, so a common name stops after LIMIT + 1 index entries instead of reading and sorting
        # every namesake (a tie-break column would); `search` shows them sorted by kana.
        column = "name_kana" if query.kind == "kana" else "name"
        return statement.order_by(text(f"translate(register.residents.{column}, ' \u3000', '') USING ~<~"))
    # katakana sort in code-point order: an ORDER BY the plain name_kana index could serve would tempt the
    # planner to walk that index and filter every row instead of using the indexes the condition names
    return statement.order_by(Resident.name_kana.collate("C"), Resident.atena_no)


def search(
    session: Session,
    text: str,
    actor: Actor,
    limit: int = MAX_HITS,
    *,
    today: date | None = None,
    narrowing: Narrowing | None = None,
) -> SearchResult:
    """Find people (a birth date typed with the name, TODAY bounding it and the age narrowing); the search is
    written to the audit log (it shows personal data)."""
    narrowing = narrowing or Narrowing()
    if narrowing.age_band and today is None:
        raise ValueError("an age narrowing needs today's date")
    if narrowing.age_band and narrowing.age_band not in AGE_BANDS:
        raise SearchError("年齢の範囲を選び直してください", f"unknown age band {narrowing.age_band}")
    if narrowing.district and narrowing.district not in dict(district_choices()):
        raise SearchError("地区を選び直してください", f"unknown district {narrowing.district}")
    query = understand(text, today)
    rows = session.scalars(select_for(query, limit, narrowing, today)).all()
    shown = sorted(rows[:limit], key=lambda r: (r.name_kana, r.atena_no))
    hits = [
        PersonHit(
            r.atena_no,
            r.juminhyo_code,
            r.name,
            r.name_kana,
            r.birth_date,
            r.sex,
            r.address,
            r.resident_status,
        )
        for r in shown
    ]
    record(
        session,
        actor,
        "search",
        "resident",
        None,
        summary=f"台帳検索 / ledger search ({query.kind}): {len(hits)}件",
        detail={
            "kind": query.kind,
            "query": query.value,
            "hits": len(hits),
            **({"birth_date": query.birth_date.isoformat()} if query.birth_date else {}),
            **narrowing.describe(),
        },
    )
    return SearchResult(query, hits, len(rows) > limit)


@dataclass(frozen=True)
class BookingView:
    """A reservation linked to one of the person's cards by its 交付通知書 number."""

    booking_no: str
    status: str
    starts_at: datetime
    venue: str
    procedure: str
    notice_no: str | None
    channel: str


@dataclass(frozen=True)
class CardView:
    """A card and its two certificates."""

    card: Card
    certificates: list[Certificate]


@dataclass(frozen=True)
class PersonRecord:
    """Everything the ledger shows about one person."""

    resident: Resident
    versions: list[ResidentVersion]
    cards: list[CardView]
    events: list[CardEvent] = field(default_factory=list)
    bookings: list[BookingView] = field(default_factory=list)


class PersonNotFound(DomainError):  # noqa: N818 - named for what happened
    """No one with that 宛名番号 in the register."""


def bookings_for_notices(session: Session, notice_nos: list[str]) -> list[BookingView]:
    """Reservations carrying one of these 交付通知書 numbers, newest first."""
    if not notice_nos:
        return []
    rows = session.execute(
        select(Reservation, Slot.starts_at, Venue.name_ja, Procedure.name_ja)
        .join(Slot, Slot.id == Reservation.slot_id)
        .join(Venue, Venue.id == Slot.venue_id)
        .join(Procedure, Procedure.id == Reservation.procedure_id)
        .where(Reservation.notice_no.in_(notice_nos))
        .order_by(Slot.starts_at.desc())
    ).all()
    return [
        BookingView(r.booking_no, r.status, starts, venue, procedure, r.notice_no, r.channel)
        for r, starts, venue, procedure in rows
    ]


def person_record(session: Session, atena_no: str, actor: Actor) -> PersonRecord:
    """The person's register record, its history, cards, certificates, bookings and card events (audited)."""
    resident = session.get(Resident, atena_no)
    if resident is None:
        raise PersonNotFound(f"宛名番号 {atena_no} の住民はいません", f"no resident with 宛名番号 {atena_no}")
    versions = register.history(session, atena_no)
    cards = list(
        session.scalars(select(Card).where(Card.holder_atena_no == atena_no).order_by(Card.issued_on))
    )
    card_ids = [c.id for c in cards]
    certificates = list(
        session.scalars(
            select(Certificate).where(Certificate.card_id.in_(card_ids)).order_by(Certificate.kind)
        )
    )
    events = list(
        session.scalars(
            select(CardEvent)
            .where(CardEvent.card_id.in_(card_ids))
            .order_by(CardEvent.at.desc(), CardEvent.id.desc())
        )
    )
    views = [CardView(c, [cert for cert in certificates if cert.card_id == c.id]) for c in cards]
    bookings = bookings_for_notices(session, [c.notice_no for c in cards if c.notice_no])
    record(
        session,
        actor,
        "view",
        "resident",
        atena_no,
        subject_atena_no=atena_no,
        summary="住民記録・カード台帳の閲覧 / viewed the person's record",
    )
    return PersonRecord(resident, versions, views, events, bookings)
