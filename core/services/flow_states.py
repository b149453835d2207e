"""The site's flow state between pages, kept on the server (issue 13, finding 10).

The browser's cookie holds a random id and nothing else; the data (the hold, the details typed, the notices
checked, the booking just made) lives in booking.flow_states under the id's SHA-256 until the flow ends or
FLOW_LIFETIME passes. A copied or replayed cookie finds nothing once the flow is over, and a shared PC keeps
no personal data in its cookie jar."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db.models.booking import FlowState

FLOW_LIFETIME = timedelta(hours=2)


def _digest(flow_id: str) -> str:
    return hashlib.sha256(flow_id.encode()).hexdigest()


def load(connection: Connection, flow_id: str, now: datetime) -> str | None:
    """The stored data of FLOW_ID unless expired at NOW."""
    query = select(FlowState.data).where(FlowState.id_hash == _digest(flow_id), FlowState.expires_at > now)
    found = connection.execute(query).scalar_one_or_none()
    return None if found is None else str(found)


def store(connection: Connection, flow_id: str, data: str, now: datetime) -> None:
    """Keep DATA as FLOW_ID's state until NOW + FLOW_LIFETIME."""
    values = {"id_hash": _digest(flow_id), "data": data, "expires_at": now + FLOW_LIFETIME}
    statement = insert(FlowState).values(**values)
    update = {"data": data, "expires_at": values["expires_at"]}
    connection.execute(statement.on_conflict_do_update(index_elements=["id_hash"], set_=update))


def forget(connection: Connection, flow_id: str) -> None:
    """Drop FLOW_ID's state (the flow ended)."""
    connection.execute(delete(FlowState).where(FlowState.id_hash == _digest(flow_id)))


def forget_expired(session: Session, now: datetime) -> int:
    """Drop every state expired at NOW (the worker); return how many."""
    result = session.execute(delete(FlowState).where(FlowState.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
