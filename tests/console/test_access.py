"""The server enforces roles on every callback and page, logins lock after failures, idle sessions end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from console.access import AccessRegistry
from core.clock import system_clock
from core.db.models.audit import AuditEntry
from core.db.models.staff import User
from core.domain.roles import Role
from core.services import staff
from core.services.audit import Actor
from tests.conftest import real_now
from tests.console.conftest import PASSWORD, USERS, Seed, login, make_console


def _registry(app: Flask) -> AccessRegistry:
    registry: AccessRegistry = app.extensions["mynadesk_registry"]
    return registry


def _fire(client: FlaskClient, output: str) -> tuple[int, str]:
    """Call a Dash callback the way the browser does, with no inputs (enough to reach the guard)."""
    body = {"output": output, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return response.status_code, response.get_data(as_text=True)


def test_every_dash_callback_is_registered_with_its_roles(console: Flask) -> None:
    dash_app = console.extensions["mynadesk_dash"]
    registry = _registry(console)
    assert set(dash_app.callback_map) == set(registry.callbacks)
    assert all(roles for roles in registry.callbacks.values())
    assert len(registry.callbacks) >= 10


@pytest.mark.parametrize("role", list(Role))
def test_a_role_gets_nothing_from_callbacks_it_may_not_use(console: Flask, role: Role) -> None:
    registry = _registry(console)
    refused = [key for key, roles in registry.callbacks.items() if role not in roles]
    assert refused, f"{role} may use every callback"
    with console.test_client() as client:
        assert login(client, USERS[role]).status_code == 302
        for key in refused:
            status, body = _fire(client, key)
            assert status == 403, key
            assert json.loads(body) == {
                "error": "この操作を行う権限がありません",
                "error_en": "your role may not use this function",
            }


def test_an_unknown_callback_is_refused_even_to_an_administrator(console: Flask) -> None:
    with console.test_client() as client:
        login(client, USERS[Role.ADMIN])
        assert _fire(client, "made-up.children")[0] == 403


def test_callbacks_and_pages_need_a_login(console: Flask) -> None:
    with console.test_client() as client:
        assert _fire(client, "navbar.children...page.children")[0] == 401
        response = client.get("/ledger")
        assert response.status_code == 302
        assert "/login?next=/ledger" in response.headers["Location"]
        assert client.get("/_dash-layout").status_code == 401


def test_a_page_a_role_may_not_open_is_refused_and_audited(
    console: Flask, console_db: tuple[Engine, ...]
) -> None:
    with console.test_client() as client:
        login(client, USERS[Role.ANALYST])
        router = next(key for key in _registry(console).callbacks if key.startswith(".."))
        body = {
            "output": router,
            "outputs": [{"id": "navbar", "property": "children"}, {"id": "page", "property": "children"}],
            "inputs": [
                {"id": "url", "property": "pathname", "value": "/ledger"},
                {"id": "url", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["url.pathname"],
        }
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert "このページを開く権限がありません" in text
        assert "ツジドウ" not in text
    with Session(console_db[0]) as s:
        entry = s.scalars(  # the newest: other tests (browser, axe) are refused /ledger too, as other roles
            select(AuditEntry)
            .where(AuditEntry.action == "access_denied", AuditEntry.object_id == "/ledger")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None
    assert entry.actor == USERS[Role.ANALYST]


def test_wrong_passwords_lock_the_account(console: Flask, console_db: tuple[Engine, ...]) -> None:
    owner = console_db[0]
    with Session(owner) as s, s.begin():
        staff.create_user(s, "LOCK1", "ロック 試験", PASSWORD, {Role.COUNTER}, Actor("test"))
    with console.test_client() as client:
        for _ in range(5):
            response = login(client, "LOCK1", "not the password")
            assert response.status_code == 401
            assert "職員番号またはパスワードが違うか" in response.get_data(as_text=True)
        assert login(client, "LOCK1").status_code == 401  # locked, even with the right password
    with Session(owner) as s:
        assert s.scalars(select(User.locked_until).where(User.staff_code == "LOCK1")).one() is not None


def test_a_new_user_is_sent_to_change_the_password_first(
    console: Flask, console_db: tuple[Engine, ...]
) -> None:
    with Session(console_db[0]) as s, s.begin():
        staff.create_user(s, "NEW1", "新人 試験", PASSWORD, {Role.COUNTER}, Actor("test"))
    with console.test_client() as client:
        assert login(client, "NEW1").headers["Location"].endswith("/account/password")
        assert client.get("/ledger").headers["Location"].endswith("/account/password")
        assert _fire(client, "ledger-results.children")[0] == 403


def test_an_idle_session_ends_by_the_console_clock(
    console_db: tuple[Engine, Engine, Seed], tmp_path: Path
) -> None:
    moments = [system_clock()]
    app = make_console(console_db[1], tmp_path, clock=lambda: moments[-1], idle_minutes=20)
    with app.test_client() as client:
        assert login(client, USERS[Role.COUNTER]).status_code == 302
        moments.append(moments[-1] + timedelta(minutes=19, seconds=59))
        assert client.get("/ledger").status_code == 200  # 20 minutes of inactivity are allowed
        moments.append(moments[-1] + timedelta(minutes=20, seconds=1))
        response = client.get("/ledger")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_login_form_refuses_a_missing_csrf_token(console: Flask) -> None:
    with console.test_client() as client:
        response = client.post("/login", data={"staff_code": USERS[Role.ADMIN], "password": PASSWORD})
        assert response.status_code == 400


def test_a_disabled_user_is_logged_out_at_the_next_request(
    console: Flask, console_db: tuple[Engine, ...]
) -> None:
    with Session(console_db[0]) as s, s.begin():
        staff.create_user(s, "GONE1", "退職 試験", PASSWORD, {Role.COUNTER}, Actor("test"))
        s.execute(update(User).where(User.staff_code == "GONE1").values(password_changed_at=User.created_at))
    with console.test_client() as client:
        login(client, "GONE1")
        assert client.get("/ledger").status_code == 200
        with Session(console_db[0]) as s, s.begin():
            staff.set_active(s, "GONE1", False, Actor("test"), real_now())
        assert client.get("/ledger").status_code == 302
