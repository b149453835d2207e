"""Reading one person from the resident register (and their newest card) for the counter."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.cards import Card, Certificate
from core.db.models.register import Resident
from core.domain.cards import CertificateState
from core.domain.errors import DomainError
from core.domain.forms import CertificateFacts
from core.domain.identity import PersonFace


class ResidentNotFound(DomainError):  # noqa: N818 - named for what staff see
    """No register record has this 宛名番号."""

    def __init__(self, atena_no: str) -> None:
        super().__init__(
            f"宛名番号 {atena_no} の住民記録がありません。番号を確認してください",
            f"no resident record with atena number {atena_no}; check the number",
        )


def get_resident(session: Session, atena_no: str) -> Resident:
    """The current register record of one person (ResidentNotFound when there is none)."""
    resident = session.get(Resident, atena_no.strip())
    if resident is None:
        raise ResidentNotFound(atena_no)
    return resident


def newest_card(session: Session, atena_no: str) -> Card | None:
    """The person's most recently produced card, if the ledger has one."""
    query = (
        select(Card)
        .where(Card.holder_atena_no == atena_no)
        .order_by(Card.issued_on.desc(), Card.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def register_face(resident: Resident) -> PersonFace:
    """The register's 4 items in the form the card comparison takes."""
    return PersonFace(
        name=resident.name,
        address=resident.address,
        birth_date=resident.birth_date,
        sex=str(resident.sex),
        address_extra=resident.address_extra,
    )


def certificate_facts(session: Session, card_id: int) -> list[CertificateFacts]:
    """The card's certificates (state and expiry) as the form rules take them."""
    rows = session.scalars(select(Certificate).where(Certificate.card_id == card_id))
    return [CertificateFacts(CertificateState(row.state), row.expires_on) for row in rows]
