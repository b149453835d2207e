"""Fujisawa's venues, procedures and opening hours for the demo (`mynadesk site seed`, idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db.models.booking import Counter, Procedure, SlotTemplate, Venue, VenueProcedure
from core.services.slots import generate_slots, load_rules

PROCEDURES = [
    {
        "code": "card_pickup",
        "name_ja": "マイナンバーカードの受取",
        "name_en": "Card pickup",
        "duration_minutes": 15,
        "needs_notice_no": True,
        "max_party_size": 4,
        "required_items_ja": "交付通知書、本人確認書類、通知カード・住基カード(お持ちの方)",
        "required_items_en": "The pickup notice (交付通知書), photo ID, your old notification card if any",
    },
    {
        "code": "cert_renewal",
        "name_ja": "電子証明書の更新",
        "name_en": "E-certificate renewal",
        "duration_minutes": 15,
        "needs_notice_no": False,
        "max_party_size": 4,
        "required_items_ja": "マイナンバーカード、有効期限通知書(お持ちの方)、暗証番号",
        "required_items_en": "Your My Number card, the expiry notice if you have it, your PINs",
    },
    {
        "code": "card_renewal",
        "name_ja": "カードの更新",
        "name_en": "Card renewal",
        "duration_minutes": 30,
        "needs_notice_no": False,
        "max_party_size": 2,
        "required_items_ja": "マイナンバーカード、有効期限通知書、顔写真(縦4.5cm×横3.5cm)",
        "required_items_en": "Your My Number card, the expiry notice, a photo (4.5 cm × 3.5 cm)",
    },
    {
        "code": "application_support",
        "name_ja": "カード申請サポート",
        "name_en": "Application support",
        "duration_minutes": 30,
        "needs_notice_no": False,
        "max_party_size": 4,
        "required_items_ja": "本人確認書類(顔写真は窓口で無料撮影します)",
        "required_items_en": "Photo ID (we take your photo at the counter for free)",
    },
]


@dataclass(frozen=True)
class VenueSeed:
    code: str
    name_ja: str
    name_en: str
    address_ja: str
    address_en: str
    procedures: tuple[str, ...]
    saturdays: bool  # 2nd and 4th Saturdays open
    seats: int  # seats of each time slot: the counters that serve the procedure at once
    ledger_office: str | None = None  # the card ledger's 交付窓口 when cards are kept here for pickup


VENUES = [
    VenueSeed(
        "honcho",
        "本庁舎1階 市民窓口センター",
        "City Hall 1F, Citizens' Service Center",
        "藤沢市朝日町1番地の1",
        "1-1 Asahi-cho, Fujisawa",
        ("card_pickup", "cert_renewal", "card_renewal", "application_support"),
        True,
        3,
        "本庁",
    ),
    VenueSeed(
        "tsujido",
        "辻堂市民センター",
        "Tsujido Civic Center",
        "藤沢市辻堂東海岸1丁目1番41号",
        "1-1-41 Tsujido-higashikaigan, Fujisawa",
        ("card_pickup", "cert_renewal"),
        False,
        1,
    ),
    VenueSeed(
        "shonandai",
        "湘南台市民センター",
        "Shonandai Civic Center",
        "藤沢市湘南台1丁目8番地",
        "1-8 Shonandai, Fujisawa",
        ("card_pickup", "cert_renewal"),
        False,
        1,
        "湘南台",
    ),
    VenueSeed(
        "katase",
        "片瀬市民センター",
        "Katase Civic Center",
        "藤沢市片瀬2丁目7番10号",
        "2-7-10 Katase, Fujisawa",
        ("card_pickup",),
        False,
        1,
    ),
]

WEEKDAY_HOURS = ((time(8, 30), time(17, 0)),)
SATURDAY_HOURS = ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 0)))


def _upsert(session: Session, model: type[Procedure] | type[Venue], values: dict[str, object]) -> int:
    statement = insert(model).values(**values)
    update = {k: statement.excluded[k] for k in values if k != "code"}
    statement = statement.on_conflict_do_update(index_elements=["code"], set_=update)
    return int(session.execute(statement.returning(model.id)).scalar_one())


def _templates(session: Session, venue_id: int, seed: VenueSeed, procedures: dict[str, Procedure]) -> None:
    session.execute(delete(SlotTemplate).where(SlotTemplate.venue_id == venue_id))
    for code in seed.procedures:
        procedure = procedures[code]
        counter = session.scalars(
            select(Counter).where(Counter.venue_id == venue_id, Counter.name == procedure.name_ja)
        ).one_or_none()
        if counter is None:
            counter = Counter(venue_id=venue_id, name=procedure.name_ja)
            session.add(counter)
            session.flush()
        session.execute(
            insert(VenueProcedure)
            .values(venue_id=venue_id, procedure_id=procedure.id)
            .on_conflict_do_nothing()
        )
        days: list[tuple[int, tuple[tuple[time, time], ...], str | None]]
        days = [(weekday, WEEKDAY_HOURS, None) for weekday in range(5)]
        if seed.saturdays:
            days.append((5, SATURDAY_HOURS, "2,4"))
        for weekday, hours, weeks in days:
            for start, end in hours:
                session.add(
                    SlotTemplate(
                        venue_id=venue_id,
                        counter_id=counter.id,
                        procedure_id=procedure.id,
                        weekday=weekday,
                        starts_at=start,
                        ends_at=end,
                        slot_minutes=procedure.duration_minutes,
                        capacity=seed.seats,
                        weeks_of_month=weeks,
                    )
                )


def seed_fujisawa(session: Session, today: date) -> int:
    """Create or refresh Fujisawa's demo setup and its slots for the booking window; return new slots."""
    procedures: dict[str, Procedure] = {}
    for values in PROCEDURES:
        procedure_id = _upsert(session, Procedure, values)
        procedure = session.get(Procedure, procedure_id)
        assert procedure is not None
        procedures[str(values["code"])] = procedure
    for seed in VENUES:
        venue: dict[str, object] = {
            "code": seed.code,
            "name_ja": seed.name_ja,
            "name_en": seed.name_en,
            "address_ja": seed.address_ja,
            "address_en": seed.address_en,
            "ledger_office": seed.ledger_office,
        }
        venue_id = _upsert(session, Venue, venue)
        _templates(session, venue_id, seed, procedures)
    session.flush()
    rules = load_rules(session)
    return generate_slots(session, today, today + timedelta(days=rules.max_days_ahead + 1))
