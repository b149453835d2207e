"""A card read at the counter, as the console and the CLI record it: audited, then compared."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.domain.identity import IdentityComparison, PersonFace, compare_identity
from core.services.audit import Actor, record_card_read
from core.services.residents import get_resident, register_face


def compare_card_read(
    session: Session,
    atena_no: str,
    card: PersonFace | None,
    *,
    actor: Actor,
    outcome: str = "ok",
) -> IdentityComparison | None:
    """Audit the read of the card by ACTOR, in its acting role (a refusal: CARD None, OUTCOME the error code);
    compare when read."""
    resident = get_resident(session, atena_no)
    record_card_read(
        session,
        actor,
        outcome if card is None else "ok",
        subject_atena_no=resident.atena_no,
    )
    if card is None:
        return None
    return compare_identity(card, register_face(resident))
