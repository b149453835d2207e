"""Schema `staff`: console users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, created_at_column
from core.domain.roles import Role

SCHEMA = "staff"
ROLES = tuple(role.value for role in Role)


class User(Base):
    """A staff member who can log in to the console."""

    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_code: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    failed_logins: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class UserRole(Base):
    """A role held by a user: 管理者 admin, 管理職 manager, 窓口 counter, 統計 analyst, 予約担当 booking,
    文書担当 documents (scanned sheets: indexing desk, search and viewer)."""

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
        {"schema": SCHEMA},
    )

    user_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ConsoleSession(Base):
    """A console login: the cookie holds a random token, this row only its SHA-256. A session is valid while
    its row is unrevoked, so logout, a password change, a role change, deactivation and a lockout end it on
    the server whatever copy of the cookie is left in a browser."""

    __tablename__ = "sessions"
    __table_args__ = {"schema": SCHEMA}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_why: Mapped[str | None] = mapped_column(String(30))
