"""Card ledger use cases: every state change goes through `change_state`, which checks the domain rules,
writes a card event and an audit entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.cards import Card, CardEvent
from core.db.models.register import Resident
from core.domain.cards import CardState, ResidentStatus, RevokeReason, check_handover, check_transition
from core.domain.errors import DomainError
from core.services.audit import Actor, record


class CardNotFound(DomainError):  # noqa: N818 - named for what happened
    """No card with that id."""


def lock_card(session: Session, card_id: int) -> Card:
    """Fetch a card and lock its row until the caller's transaction ends."""
    card = session.execute(select(Card).where(Card.id == card_id).with_for_update()).scalar_one_or_none()
    if card is None:
        raise CardNotFound(f"カード {card_id} は台帳にありません", f"card {card_id} is not in the ledger")
    return card


def holder_status(session: Session, card: Card) -> ResidentStatus | None:
    """The register status of the card's holder (None when the register does not know the holder)."""
    if card.holder_atena_no is None:
        return None
    status = session.scalar(select(Resident.resident_status).where(Resident.atena_no == card.holder_atena_no))
    return None if status is None else ResidentStatus(status)


def _check_holder_may_receive(session: Session, card: Card, current: CardState) -> None:
    if card.holder_match == "code_mismatch":
        raise DomainError(
            "台帳の住民票コードが住民記録と一致しないため交付できません。台帳の所有者を確認してください",
            "the ledger's 住民票コード differs from the resident register, so the card cannot be handed over;"
            " check the card's holder",
        )
    status = holder_status(session, card)
    if status is None:
        raise DomainError(
            "住民記録で所有者を確認できないため交付できません",
            "the holder is not in the resident register, so the card cannot be handed over",
        )
    check_handover(current, status)


def change_state(
    session: Session,
    card_id: int,
    target: CardState,
    actor: Actor,
    *,
    reason: RevokeReason | None = None,
    note: str | None = None,
    source_file: str | None = None,
    source_line: int | None = None,
    at: datetime,
) -> Card:
    """Move a card to TARGET at AT if the state machine (and, for a handover, the register) allows it."""
    card = lock_card(session, card_id)
    current = CardState(card.state)
    check_transition(current, target, reason, city_holds_card=card.storage_box is not None)
    if target is CardState.ISSUED:
        _check_holder_may_receive(session, card, current)
    card.state = target.value
    card.revoke_reason = reason.value if reason is not None else card.revoke_reason
    card.updated_at = at
    if target is CardState.ISSUED:
        card.handed_over_at = at
        card.handed_over_by = actor.name
        card.blocked_reason = None
    session.add(
        CardEvent(
            card_id=card.id,
            at=at,
            from_state=current.value,
            to_state=target.value,
            kind="state_change",
            reason=" / ".join(part for part in (reason.value if reason else None, note) if part) or None,
            actor=actor.name,
            source_file=source_file,
            source_line=source_line,
        )
    )
    record(
        session,
        actor,
        "card_state_change",
        "card",
        str(card.id),
        subject_atena_no=card.holder_atena_no,
        summary=f"{current.label_ja} → {target.label_ja}",
        detail={"from": current.value, "to": target.value, "reason": reason.value if reason else None},
    )
    session.flush()
    return card
