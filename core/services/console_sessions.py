"""Console sessions held on the server (issue 13, finding 3).

The browser keeps a random token in its (signed) cookie; the database keeps only the token's SHA-256 in
`staff.sessions`. Every request loads the user through `session_user()`, which accepts the token only while
its row is unrevoked and the account active, so a copy of an old cookie opens nothing after logout. What ends
sessions: logout (this one), a password change (every other one of the user), and — for every session of the
user — an administrator's password reset, role change or deactivation, and a lockout."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.models.staff import ConsoleSession, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int, now: datetime) -> str:
    """A new session of USER_ID from NOW; returns the token the cookie keeps (never stored as such)."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_digest(token), user_id=user_id, created_at=now))
    session.flush()
    return token


def session_user(session: Session, user_id: int, token: str) -> User | None:
    """The active user whose unrevoked session TOKEN is; None for anything else."""
    return session.scalar(
        select(User)
        .join(ConsoleSession, ConsoleSession.user_id == User.id)
        .where(
            ConsoleSession.token_hash == _digest(token),
            ConsoleSession.user_id == user_id,
            ConsoleSession.revoked_at.is_(None),
            User.active,
        )
    )


def end_session(session: Session, token: str, now: datetime, why: str = "logout") -> None:
    """End the one session TOKEN (logout)."""
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == _digest(token), ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_why=why)
    )


def end_user_sessions(
    session: Session, user_id: int, now: datetime, why: str, keep_token: str | None = None
) -> int:
    """End every open session of USER_ID but KEEP_TOKEN's; returns how many ended."""
    query = update(ConsoleSession).where(
        ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None)
    )
    if keep_token is not None:
        query = query.where(ConsoleSession.token_hash != _digest(keep_token))
    ended = session.execute(query.values(revoked_at=now, revoked_why=why))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]
