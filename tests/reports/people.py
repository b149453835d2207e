"""Register records and cards for form tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.db.models.cards import Card
from core.db.models.register import Resident

HANAKO: dict[str, Any] = {
    "atena_no": "100000000001",
    "juminhyo_code": "12345678901",
    "household_no": "200000000001",
    "relation": "世帯主",
    "resident_kind": 1,
    "resident_status": 1,
    "name": "藤沢\u3000花子",
    "name_kana": "フジサワ\u3000ハナコ",
    "birth_year": 1985,
    "birth_month": 4,
    "birth_day": 12,
    "birth_date": date(1985, 4, 12),
    "sex": 2,
    "postal_code": "2510041",
    "address": "神奈川県藤沢市辻堂神台一丁目3番39号",
    "address_extra": "テラスモール湘南レジデンス1204号室",
    "area_code": "123001",
    "move_reason": "A01",
    "move_date": date(2020, 4, 1),
    "card_status": 1,
    "updated_at": datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
}


def add_resident(session: Session, **changes: Any) -> Resident:
    """Insert a resident (Hanako unless changed) and flush."""
    resident = Resident(**{**HANAKO, **changes})
    session.add(resident)
    session.flush()
    return resident


def add_card(session: Session, atena_no: str, notice_no: str = "FJS-000123") -> Card:
    """Insert the person's issued card and flush."""
    card = Card(
        holder_atena_no=atena_no,
        notice_no=notice_no,
        state="issued",
        issued_on=date(2021, 4, 1),
        expires_on=date(2031, 4, 12),
    )
    session.add(card)
    session.flush()
    return card
