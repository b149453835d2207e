"""Writing the audit log: every view or change of personal data (who, what, when, from where)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    subject_atena_no: str | None = None,
    summary: str | None = None,
    detail: dict[str, Any] | None = None,
    client_addr: str | None = None,
    terminal: str | None = None,
    actor_role: str | None = None,
) -> AuditEntry:
    """Append one entry to audit.log (the caller's transaction decides whether it stays)."""
    entry = AuditEntry(
        actor=actor,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        subject_atena_no=subject_atena_no,
        summary=summary,
        detail=detail,
        client_addr=client_addr,
        terminal=terminal,
    )
    session.add(entry)
    session.flush()
    return entry


def record_card_read(
    session: Session,
    *,
    actor: str,
    outcome: str,
    subject_atena_no: str | None = None,
    terminal: str | None = None,
    client_addr: str | None = None,
) -> AuditEntry:
    """Record that the chip's basic 4 items were read (or refused): the fact and outcome, never the data."""
    summary = "カードの券面事項を読み取り" if outcome == "ok" else f"カード読取失敗({outcome})"
    return record(
        session,
        actor=actor,
        action="card_read",
        object_type="mynumber_card",
        subject_atena_no=subject_atena_no,
        summary=summary,
        detail={"outcome": outcome, "items": ["name", "address", "birth_date", "sex"]},
        client_addr=client_addr,
        terminal=terminal,
    )
