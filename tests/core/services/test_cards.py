"""Card state changes check the rules, record an event and an audit entry, and change nothing when refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.cards import CardEvent
from core.domain.booking import TOKYO
from core.domain.cards import CardState, HandoverBlocked, IllegalTransition, RevokeReason
from core.domain.errors import DomainError
from core.services.audit import Actor
from core.services.cards import CardNotFound, change_state
from tests.factories import add_card, add_resident

CLERK = Actor("S0012", role="counter", client_addr="10.1.2.3", terminal="窓口3")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)


def _events(session: Session, card_id: int) -> list[CardEvent]:
    return list(session.scalars(select(CardEvent).where(CardEvent.card_id == card_id).order_by(CardEvent.id)))


def test_a_reserved_card_is_handed_over_with_who_and_when(session: Session) -> None:
    resident = add_resident(session)
    card = add_card(session, resident, "reserved")
    change_state(session, card.id, CardState.ISSUED, CLERK, at=NOW)
    assert card.state == "issued"
    assert card.handed_over_by == "S0012"
    assert card.handed_over_at == NOW
    [event] = _events(session, card.id)
    assert (event.from_state, event.to_state, event.actor, event.at) == ("reserved", "issued", "S0012", NOW)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(card.id))).one()
    assert audit.subject_atena_no == resident.atena_no
    assert str(audit.client_addr) == "10.1.2.3"


@pytest.mark.parametrize(("status", "word"), [(2, "転出"), (3, "死亡")])
def test_a_card_is_not_handed_to_someone_who_moved_out_or_died(
    session: Session, status: int, word: str
) -> None:
    card = add_card(session, add_resident(session, resident_status=status), "reserved")
    with pytest.raises(HandoverBlocked, match=word):
        change_state(session, card.id, CardState.ISSUED, CLERK, at=NOW)
    assert card.state == "reserved"
    assert _events(session, card.id) == []


def test_a_card_whose_holder_is_unknown_is_not_handed_over(session: Session) -> None:
    card = add_card(session, None, "reserved")
    with pytest.raises(DomainError, match="住民記録"):
        change_state(session, card.id, CardState.ISSUED, CLERK, at=NOW)


def test_an_illegal_transition_changes_nothing(session: Session) -> None:
    card = add_card(session, add_resident(session), "produced")
    with pytest.raises(IllegalTransition, match=r"発行済\(J-LIS\).*交付済"):
        change_state(session, card.id, CardState.ISSUED, CLERK, at=NOW)
    assert card.state == "produced"
    assert _events(session, card.id) == []


def test_revocation_keeps_its_reason(session: Session) -> None:
    card = add_card(session, add_resident(session), "notified")
    change_state(
        session, card.id, CardState.REVOKED, CLERK, at=NOW, reason=RevokeReason("受取前転出"), note="B01"
    )
    assert (card.state, card.revoke_reason) == ("revoked", "受取前転出")
    assert _events(session, card.id)[0].reason == "受取前転出 / B01"


def test_only_cards_the_city_holds_can_be_destroyed(session: Session) -> None:
    resident = add_resident(session)
    away = add_card(session, resident, "revoked", revoke_reason="返納", storage_box=None)
    with pytest.raises(DomainError):
        change_state(session, away.id, CardState.DESTROYED, CLERK, at=NOW)
    held = add_card(session, resident, "revoked", revoke_reason="未交付廃棄", storage_box="B-2025-0007")
    change_state(session, held.id, CardState.DESTROYED, CLERK, at=NOW)
    assert (held.state, held.revoke_reason) == ("destroyed", "未交付廃棄")


def test_an_unknown_card_is_a_clear_error(session: Session) -> None:
    with pytest.raises(CardNotFound, match="台帳"):
        change_state(session, 987654321, CardState.ARRIVED, CLERK, at=NOW)
