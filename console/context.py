"""What every page and callback needs: the database session, the logged-in user and the audit actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, g, has_request_context, request
from flask_login import UserMixin, current_user
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, system_clock
from core.clock import today as clock_today
from core.config import Settings
from core.domain.roles import Role
from core.services.audit import Actor
from core.services.staff import StaffUser


@dataclass(frozen=True)
class ConsoleOptions:
    """Console settings (MynaDesk rule defaults; overridable through create_app)."""

    idle_minutes: int = 20
    refresh_seconds: int = 30
    reader_url: str = "http://127.0.0.1:47863"  # the card agent on the staff PC (`mynadesk reader serve`)


@dataclass
class ConsoleContext:
    """Stored on the Flask app: how to reach the database and the console's options."""

    session_factory: sessionmaker[Session]
    settings: Settings
    options: ConsoleOptions
    clock: Clock = system_clock


class LoginUser(UserMixin):  # type: ignore[misc]
    """The flask-login user wrapping a StaffUser."""

    def __init__(self, staff: StaffUser, token: str) -> None:
        self.staff = staff
        self.token = token

    def get_id(self) -> str:
        """What the session cookie keeps: the user's id and the session's random token (the server keeps only
        its hash, core/services/console_sessions.py)."""
        return f"{self.staff.id}:{self.token}"

    @property
    def roles(self) -> frozenset[Role]:
        """The staff member's roles."""
        return self.staff.roles


def context() -> ConsoleContext:
    """The console context of the running app."""
    ctx: ConsoleContext = current_app.extensions["mynadesk_console"]
    return ctx


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session in a transaction that commits when the block ends without error."""
    with context().session_factory.begin() as session:
        yield session


def user() -> StaffUser | None:
    """The logged-in staff user, or None."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    staff: StaffUser = current_user.staff
    return staff


def roles() -> frozenset[Role]:
    """The logged-in user's roles (empty when nobody is logged in)."""
    staff = user()
    return staff.roles if staff else frozenset()


def actor() -> Actor:
    """The audit actor for the current request: staff ID, the role acting, the client address."""
    staff = user()
    name = staff.staff_code if staff else "anonymous"
    role = getattr(g, "acting_role", None) if has_request_context() else None
    address = request.remote_addr if has_request_context() else None
    terminal = request.headers.get("X-MynaDesk-Terminal") if has_request_context() else None
    return Actor(name, role=role, client_addr=address, terminal=terminal)


def now() -> datetime:
    """The console's clock (create_app(clock=...); tests may pin it)."""
    return context().clock()


def today() -> date:
    """Today in Japan by the console's clock."""
    return clock_today(context().clock)
