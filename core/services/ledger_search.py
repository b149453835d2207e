"""Finding people for the card ledger: by 住民票コード, 宛名番号, name or kana, birth date or 交付通知書
number, whatever width or spacing the clerk typed. Every search and every record view is audited."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import jaconv
from sqlalchemy import ColumnElement, Select, func, literal, literal_column, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.cards import Card, CardEvent, Certificate
from core.db.models.register import Resident, ResidentVersion
from core.domain.errors import DomainError
from core.services import register
from core.services.audit import Actor, record

MAX_HITS = 50
_SPACES = " \u3000"
_NOTICE = re.compile(r"^([0-9A-Z]{3})-?([0-9]{6})$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ERA = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])(\d{1,2}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ERA_START = {
    "明治": 1867,
    "M": 1867,
    "大正": 1911,
    "T": 1911,
    "昭和": 1925,
    "S": 1925,
    "平成": 1988,
    "H": 1988,
}
_ERA_START |= {"令和": 2018, "R": 2018}
_KATAKANA = re.compile(r"^[\u30A0-\u30FF]+$")


class SearchError(DomainError):
    """The search text cannot be understood."""


@dataclass(frozen=True)
class Query:
    """What the clerk typed, understood: its kind and the normalised value."""

    kind: str  # notice_no | date | number | kana | name
    value: str
    birth_date: date | None = None


def normalise(text: str) -> str:
    """Half-width digits and letters, full-width katakana (hiragana → katakana), upper case, no spaces."""
    text = unicodedata.normalize("NFKC", jaconv.h2z(text, kana=True, digit=False, ascii=False))
    text = jaconv.hira2kata(text).upper()
    return text.translate({ord(c): None for c in _SPACES}).strip()


def _parse_date(text: str) -> date | None:
    era = _ERA.match(text)
    if era:
        year = 1 if era.group(2) == "元" else int(era.group(2))
        parts = (_ERA_START[era.group(1)] + year, int(era.group(3)), int(era.group(4)))
    elif (plain := _DATE.match(text)) is not None:
        parts = (int(plain.group(1)), int(plain.group(2)), int(plain.group(3)))
    elif re.fullmatch(r"(19|20)\d{6}", text):
        parts = (int(text[:4]), int(text[4:6]), int(text[6:]))
    else:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def understand(text: str) -> Query:
    """Classify the search text; an empty or unusable text is a clear error."""
    value = normalise(text)
    if not value:
        raise SearchError("検索する語を入力してください", "type something to search for")
    if (notice := _NOTICE.match(value)) is not None:
        return Query("notice_no", f"{notice.group(1)}-{notice.group(2)}")
    birth = _parse_date(value)
    if value.isdigit():
        if len(value) > 15:
            raise SearchError(
                "番号が長すぎます(住民票コードは11桁、宛名番号は15桁まで)",
                "the number is too long (住民票コード has 11 digits, 宛名番号 at most 15)",
            )
        return Query("number", value, birth)
    if birth is not None:
        return Query("date", value, birth)
    if len(value) < 2:
        raise SearchError("氏名・カナは2文字以上入力してください", "type at least two characters of a name")
    return Query("kana" if _KATAKANA.match(value) else "name", value)


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
    return _compact(column).like(literal(pattern, literal_execute=True))


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


def select_for(query: Query, limit: int = MAX_HITS) -> Select[Resident]:
    """The SQL that finds the people QUERY names (one more than LIMIT, to tell whether there are more)."""
    statement = select(Resident).where(_condition(query)).limit(limit + 1)
    if query.kind in ("kana", "name"):
        # The first hits in the order of the prefix index itself (migration 0005, text_pattern_ops: ~<~) and
        # nothing else, so a common name stops after LIMIT + 1 index entries instead of reading and sorting
        # every namesake (a tie-break column would); `search` shows them sorted by kana.
        column = "name_kana" if query.kind == "kana" else "name"
        return statement.order_by(text(f"translate(register.residents.{column}, ' \u3000', '') USING ~<~"))
    # katakana sort in code-point order: an ORDER BY the plain name_kana index could serve would tempt the
    # planner to walk that index and filter every row instead of using the indexes the condition names
    return statement.order_by(Resident.name_kana.collate("C"), Resident.atena_no)


def search(session: Session, text: str, actor: Actor, limit: int = MAX_HITS) -> SearchResult:
    """Find people; the search is written to the audit log (it shows personal data)."""
    query = understand(text)
    rows = session.scalars(select_for(query, limit)).all()
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
        detail={"kind": query.kind, "query": query.value, "hits": len(hits)},
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
