"""Staff users: argon2 passwords, roles, lockout after repeated failures, forced first password change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.staff import User
from core.domain.booking import TOKYO
from core.domain.roles import Role
from core.services import staff
from core.services.audit import Actor
from core.services.staff import LoginPolicy, LoginRefused, StaffError

ADMIN = Actor("A0001", role="admin", client_addr="10.0.0.2")
FROM = Actor("anonymous", client_addr="10.0.0.9")
PASSWORD = "correct horse battery"
NOW = datetime(2027, 1, 4, 8, 45, tzinfo=TOKYO)  # the clock the logins are judged at


def _add(session: Session, code: str = "S1001", roles: frozenset[Role] = frozenset({Role.COUNTER})) -> None:
    staff.create_user(session, code, "窓口 一郎", PASSWORD, roles, ADMIN)


def test_passwords_are_stored_as_argon2_hashes_and_checked(session: Session) -> None:
    _add(session)
    stored = session.scalars(select(User.password_hash).where(User.staff_code == "S1001")).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    user = staff.authenticate(session, "S1001", PASSWORD, FROM, NOW)
    assert user.roles == {Role.COUNTER}
    assert user.must_change_password


def test_a_new_user_must_change_the_password_then_logs_in_normally(session: Session) -> None:
    _add(session)
    user = staff.authenticate(session, "S1001", PASSWORD, FROM, NOW)
    changed = staff.change_password(session, user.id, PASSWORD, "a much better secret", ADMIN, NOW)
    assert not changed.must_change_password
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", PASSWORD, FROM, NOW)
    assert staff.authenticate(session, "S1001", "a much better secret", FROM, NOW).id == user.id


def test_the_account_locks_after_repeated_failures_even_for_the_right_password(session: Session) -> None:
    _add(session)
    policy = LoginPolicy(max_failures=3, lockout_minutes=15)
    for _ in range(3):
        with pytest.raises(LoginRefused, match="ロック"):
            staff.authenticate(session, "S1001", "wrong password!", FROM, NOW, policy)
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", PASSWORD, FROM, NOW, policy)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == "S1001")).all()
    assert actions.count("login_failed") == 4
    assert "account_locked" in actions


def test_the_lockout_ends_by_the_clock_passed_in(session: Session) -> None:
    _add(session)
    policy = LoginPolicy(max_failures=1, lockout_minutes=15)
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", "wrong password!", FROM, NOW, policy)
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", PASSWORD, FROM, NOW + timedelta(minutes=14, seconds=59), policy)
    later = NOW + timedelta(minutes=15, seconds=1)
    assert staff.authenticate(session, "S1001", PASSWORD, FROM, later, policy).id is not None
    stamps = session.execute(
        select(User.last_login_at, User.locked_until).where(User.staff_code == "S1001")
    ).one()
    assert tuple(stamps) == (later, None)


def test_an_administrator_reset_lifts_the_lockout(session: Session) -> None:
    _add(session)
    policy = LoginPolicy(max_failures=1)
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", "wrong password!", FROM, NOW, policy)
    staff.reset_password(session, "S1001", "temporary secret 1", ADMIN, NOW)
    assert staff.authenticate(session, "S1001", "temporary secret 1", FROM, NOW, policy).must_change_password


def test_a_disabled_user_cannot_log_in(session: Session) -> None:
    _add(session)
    staff.set_active(session, "S1001", False, ADMIN, NOW)
    with pytest.raises(LoginRefused):
        staff.authenticate(session, "S1001", PASSWORD, FROM, NOW)


@pytest.mark.parametrize(("password", "word"), [("short", "10文字"), ("S1001-and-more", "職員番号")])
def test_weak_passwords_are_refused_with_the_reason(session: Session, password: str, word: str) -> None:
    with pytest.raises(StaffError, match=word):
        staff.create_user(session, "S1001", "窓口 一郎", password, {Role.COUNTER}, ADMIN)
    assert session.scalars(select(User).where(User.staff_code == "S1001")).first() is None


def test_roles_are_replaced_and_the_change_is_audited(session: Session) -> None:
    _add(session)
    user = staff.set_roles(session, "S1001", staff.parse_roles(["管理職", "analyst"]), ADMIN, NOW)
    assert user.roles == {Role.MANAGER, Role.ANALYST}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "staff_roles")).one()
    assert entry.detail == {"before": ["counter"], "after": ["analyst", "manager"]}


def test_unknown_role_names_are_a_clear_error() -> None:
    with pytest.raises(StaffError, match="役割「boss」はありません"):
        staff.parse_roles(["boss"])


def test_duplicate_staff_ids_are_refused(session: Session) -> None:
    _add(session)
    with pytest.raises(StaffError, match="登録済み"):
        _add(session)
