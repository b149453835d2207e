"""Console users: creation, roles, argon2 passwords, login with lockout after repeated failures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db.models.staff import User, UserRole
from core.domain.errors import DomainError
from core.domain.roles import Role
from core.services.audit import Actor, record
from core.services.console_sessions import end_user_sessions, session_user

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class LoginPolicy:
    """MynaDesk rule for console logins; change the defaults here or pass another policy."""

    max_failures: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 10
    min_strength: int = 3  # zxcvbn's score 0–4: 3 is "safely unguessable" against an offline attack


DEFAULT_LOGIN_POLICY = LoginPolicy()


class StaffError(DomainError):
    """A staff-user operation was refused."""


class LoginRefused(StaffError):  # noqa: N818 - named for what happened
    """Wrong staff ID or password, a locked or an inactive account."""


@dataclass(frozen=True)
class StaffUser:
    """What the console needs to know about a logged-in user."""

    id: int
    staff_code: str
    display_name: str
    roles: frozenset[Role]
    active: bool
    must_change_password: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None


def hash_password(password: str) -> str:
    """An argon2id hash of PASSWORD."""
    return _HASHER.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown staff IDs so that they cost as long as known ones
    (otherwise the answer's timing tells which staff IDs exist)."""
    return hash_password("unknown staff ID: " + "x" * 32)


CONTEXT_WORDS = ("mynadesk", "fujisawa", "藤沢", "マイナンバー", "mynumber", "password", "パスワード")


def check_password_policy(
    password: str,
    staff_code: str,
    display_name: str = "",
    policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
) -> None:
    """Raise unless PASSWORD is long enough and hard to guess (NIST SP 800-63B: length, a check against common
    passwords, repeats, sequences and the user's own ID and name — through zxcvbn's bundled lists — and no
    composition rules)."""
    from zxcvbn import zxcvbn  # its frequency lists load on first use, not at import of this module

    if len(password) < policy.min_password_length:
        raise StaffError(
            f"パスワードは{policy.min_password_length}文字以上にしてください",
            f"the password needs at least {policy.min_password_length} characters",
        )
    if staff_code.lower() in password.lower():
        raise StaffError(
            "パスワードに職員番号を含めないでください", "the password must not contain the staff ID"
        )
    names = [part for part in display_name.replace("\u3000", " ").split() if part]
    verdict = zxcvbn(password[:100], user_inputs=[staff_code, display_name, *names, *CONTEXT_WORDS])
    if verdict["score"] < policy.min_strength:
        hint = verdict["feedback"]["warning"] or "it is easy to guess"
        raise StaffError(
            "推測されやすいパスワードです（よく使われる語、同じ文字の繰り返し、並び、氏名などを含みます）。"
            "覚えやすい長めの文にしてください",
            f"this password is easy to guess ({hint}); use a longer phrase",
        )


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Roles from their codes (admin …) or Japanese names (管理者 …); unknown names are a clear error."""
    by_name = {role.label_ja: role for role in Role} | {role.value: role for role in Role}
    roles = set()
    for value in values:
        role = by_name.get(value.strip())
        if role is None:
            known = ", ".join(f"{r.value}({r.label_ja})" for r in Role)
            raise StaffError(f"役割「{value}」はありません(選べる役割: {known})", f"unknown role {value!r}")
        roles.add(role)
    return frozenset(roles)


def _roles_of(session: Session, user_id: int) -> frozenset[Role]:
    return frozenset(
        Role(r) for r in session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    )


def _to_staff_user(session: Session, user: User) -> StaffUser:
    return StaffUser(
        id=user.id,
        staff_code=user.staff_code,
        display_name=user.display_name,
        roles=_roles_of(session, user.id),
        active=user.active,
        must_change_password=user.password_changed_at is None,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
    )


def _user_by_code(session: Session, staff_code: str, *, lock: bool = False) -> User | None:
    query = select(User).where(User.staff_code == staff_code.strip())
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def _require(session: Session, staff_code: str) -> User:
    user = _user_by_code(session, staff_code, lock=True)
    if user is None:
        raise StaffError(f"職員番号 {staff_code} の利用者はいません", f"no staff user {staff_code}")
    return user


def create_user(
    session: Session,
    staff_code: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    actor: Actor,
) -> StaffUser:
    """Add a staff user; the password must be changed at first login."""
    staff_code = staff_code.strip()
    if not staff_code or not display_name.strip():
        raise StaffError("職員番号と氏名を入力してください", "staff ID and name are required")
    if _user_by_code(session, staff_code) is not None:
        raise StaffError(f"職員番号 {staff_code} は登録済みです", f"staff ID {staff_code} already exists")
    check_password_policy(password, staff_code, display_name)
    user = User(
        staff_code=staff_code, display_name=display_name.strip(), password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    role_set = frozenset(roles)
    session.add_all(UserRole(user_id=user.id, role=role.value) for role in role_set)
    session.flush()
    record(
        session,
        actor,
        "staff_create",
        "staff_user",
        staff_code,
        summary=f"利用者を追加 / user added: {', '.join(r.label_ja for r in sorted(role_set))}",
        detail={"roles": sorted(r.value for r in role_set)},
    )
    return _to_staff_user(session, user)


def set_roles(
    session: Session, staff_code: str, roles: Iterable[Role], actor: Actor, now: datetime
) -> StaffUser:
    """Replace the user's roles at NOW; the user's open sessions end (they were opened with the old roles)."""
    user = _require(session, staff_code)
    before = _roles_of(session, user.id)
    after = frozenset(roles)
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.add_all(UserRole(user_id=user.id, role=role.value) for role in after)
    session.flush()
    end_user_sessions(session, user.id, now, "roles changed")
    record(
        session,
        actor,
        "staff_roles",
        "staff_user",
        user.staff_code,
        summary=f"役割を変更 / roles changed: {', '.join(r.label_ja for r in sorted(after)) or 'なし'}",
        detail={"before": sorted(r.value for r in before), "after": sorted(r.value for r in after)},
    )
    return _to_staff_user(session, user)


def set_active(session: Session, staff_code: str, active: bool, actor: Actor, now: datetime) -> StaffUser:
    """Enable or disable a user at NOW (disabling ends their sessions); enabling also lifts a lockout."""
    user = _require(session, staff_code)
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    else:
        end_user_sessions(session, user.id, now, "disabled")
    record(session, actor, "staff_enable" if active else "staff_disable", "staff_user", user.staff_code)
    session.flush()
    return _to_staff_user(session, user)


def reset_password(
    session: Session, staff_code: str, new_password: str, actor: Actor, now: datetime
) -> StaffUser:
    """An administrator sets a new password at NOW; the user's sessions end and the user must change it at
    next login."""
    user = _require(session, staff_code)
    check_password_policy(new_password, user.staff_code, user.display_name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = None
    user.failed_logins, user.locked_until = 0, None
    end_user_sessions(session, user.id, now, "password reset")
    record(session, actor, "staff_password_reset", "staff_user", user.staff_code)
    session.flush()
    return _to_staff_user(session, user)


def change_password(
    session: Session,
    user_id: int,
    current: str,
    new: str,
    actor: Actor,
    now: datetime,
    keep_token: str | None = None,
) -> StaffUser:
    """The user changes their own password at NOW (the current one is checked); every other session of the
    user ends (KEEP_TOKEN's, the one making the change, goes on)."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None or not _password_matches(user.password_hash, current):
        raise StaffError("現在のパスワードが違います", "the current password is wrong")
    if current == new:
        raise StaffError(
            "新しいパスワードは現在と別にしてください", "choose a password different from the current one"
        )
    check_password_policy(new, user.staff_code, user.display_name)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_user_sessions(session, user.id, now, "password changed", keep_token)
    record(session, actor, "password_change", "staff_user", user.staff_code)
    session.flush()
    return _to_staff_user(session, user)


def _refuse_login(session: Session, actor: Actor, staff_code: str, why: str) -> LoginRefused:
    record(session, actor, "login_failed", "staff_user", staff_code[:100], summary=why)
    return LoginRefused(
        "職員番号またはパスワードが違うか、アカウントがロック中です",
        "wrong staff ID or password, or the account is locked",
    )


def authenticate(
    session: Session,
    staff_code: str,
    password: str,
    actor: Actor,
    now: datetime,
    policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
) -> StaffUser:
    """Check a login at NOW; count failures and lock the account for a while after too many."""
    user = _user_by_code(session, staff_code, lock=True)
    matches = _password_matches(user.password_hash if user else _dummy_hash(), password)  # same cost for all
    if user is None:
        raise _refuse_login(session, actor, staff_code, "unknown staff ID")
    if not user.active:
        raise _refuse_login(session, actor, staff_code, "inactive account")
    if user.locked_until is not None and user.locked_until > now:
        raise _refuse_login(session, actor, staff_code, f"locked until {user.locked_until.isoformat()}")
    if not matches:
        user.failed_logins += 1
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            user.failed_logins = 0
            end_user_sessions(session, user.id, now, "locked")
            record(session, actor, "account_locked", "staff_user", user.staff_code)
        raise _refuse_login(session, actor, staff_code, "wrong password")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    record(session, actor, "login", "staff_user", user.staff_code)
    session.flush()
    return _to_staff_user(session, user)


def load_user(session: Session, user_id: int, token: str) -> StaffUser | None:
    """The user with ID whose open session TOKEN is (None if unknown, inactive or the session ended): the
    console calls this on every request."""
    user = session_user(session, user_id, token)
    return None if user is None else _to_staff_user(session, user)


def list_users(session: Session) -> Sequence[StaffUser]:
    """Every staff user, by staff ID."""
    users = session.scalars(select(User).order_by(User.staff_code)).all()
    return [_to_staff_user(session, user) for user in users]
