"""Writing the audit log: every view or change of personal data says who, what, when and from where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry

# The one way into audit.log (migration 0017): the function numbers, timestamps and chains the row.
APPEND = text(
    "SELECT * FROM audit.append(:actor, :actor_role, :action, :object_type, :object_id, :subject_atena_no, "
    ":client_addr, :terminal, :summary, :detail)"
).bindparams(bindparam("client_addr", type_=INET), bindparam("detail", type_=JSONB(none_as_null=True)))


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, and from where: a staff member, or a system job such as `etl`."""

    name: str
    role: str | None = None
    client_addr: str | None = None
    terminal: str | None = None


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None = None,
    *,
    subject_atena_no: str | None = None,
    summary: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log in the caller's transaction (chained by audit.append; the chain's
    lock is held until the caller commits, so keep the transaction short after this)."""
    values = {
        "actor": actor.name,
        "actor_role": actor.role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "subject_atena_no": subject_atena_no,
        "client_addr": actor.client_addr,
        "terminal": actor.terminal,
        "summary": summary,
        "detail": detail,
    }
    entry: AuditEntry = session.scalars(select(AuditEntry).from_statement(APPEND), values).one()
    return entry


def record_card_read(
    session: Session, actor: Actor, outcome: str, *, subject_atena_no: str | None = None
) -> AuditEntry:
    """Record that the chip's basic 4 items were read (or refused): the fact and outcome, never the data."""
    summary = "カードの券面事項を読み取り" if outcome == "ok" else f"カード読取失敗({outcome})"
    return record(
        session,
        actor,
        "card_read",
        "mynumber_card",
        subject_atena_no=subject_atena_no,
        summary=summary,
        detail={"outcome": outcome, "items": ["name", "address", "birth_date", "sex"]},
    )
