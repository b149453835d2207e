"""What the ledger offers a clerk to do with a card: only the changes the state machine allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.clock import day_of
from core.db.models.cards import Card
from core.domain.cards import CardState, RevokeReason, allowed_reasons, allowed_targets
from core.domain.errors import DomainError
from core.services.audit import Actor
from core.services.cards import change_state


@dataclass(frozen=True)
class Offer:
    """A change the clerk may make, with the reasons to choose from when it is a revocation."""

    target: CardState
    reasons: tuple[RevokeReason, ...] = ()
    via_issuance: bool = False  # handover happens in the issuance flow (identity check)


def offers(card: Card) -> list[Offer]:
    """The changes offered for CARD, in the state machine's order."""
    state = CardState(card.state)
    result = []
    for target in CardState:
        if target not in allowed_targets(state):
            continue
        if target is CardState.DESTROYED and card.storage_box is None:
            continue
        reasons = (
            tuple(r for r in RevokeReason if r in allowed_reasons(state))
            if target is CardState.REVOKED
            else ()
        )
        result.append(Offer(target, reasons, via_issuance=target is CardState.ISSUED))
    return result


def offers_for(session: Session, card_id: int) -> list[Offer]:
    """The changes offered for the card with CARD_ID (none when there is no such card)."""
    card = session.get(Card, card_id)
    return [] if card is None else offers(card)


def apply_change(
    session: Session,
    card_id: int,
    target: CardState,
    actor: Actor,
    *,
    now: datetime,
    reason: RevokeReason | None = None,
    note: str | None = None,
    on: date | None = None,
) -> Card:
    """Make one offered change at NOW (not a handover: that needs the identity check of the issuance flow);
    ON is the day recorded as notified/reminded (default: NOW's day in Japan)."""
    if target is CardState.ISSUED:
        raise DomainError(
            "交付は「交付」画面で本人確認をしてから行ってください",
            "hand a card over from the issuance screen, after the identity check",
        )
    card = change_state(session, card_id, target, actor, reason=reason, note=note or None, at=now)
    day = on or day_of(now)
    if target is CardState.NOTIFIED and card.notified_on is None:
        card.notified_on = day
    if target is CardState.REMINDED:
        card.reminded_on = day
    session.flush()
    return card
