"""Every console form post carries Flask-WTF's CSRF token; a missing, forged or another session's token is
refused with the same Japanese message and changes nothing; Dash's JSON callbacks stay with the guard."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from core.domain.roles import Role
from tests.console.conftest import PASSWORD, USERS, login

EXPIRED = "フォームの有効期限が切れました"


def _token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None, f"no CSRF token on {path}"
    return found.group(1)


def test_a_login_without_a_token_is_refused_with_the_message(console: Flask) -> None:
    with console.test_client() as client:
        response = client.post("/login", data={"staff_code": USERS[Role.ADMIN], "password": PASSWORD})
        assert response.status_code == 400
        assert EXPIRED in response.get_data(as_text=True)
        assert client.get("/ledger").status_code == 302  # still logged out


def test_a_token_from_another_session_is_refused(console: Flask) -> None:
    with console.test_client() as other, console.test_client() as client:
        stolen = _token(other, "/login")
        _token(client, "/login")
        form = {"csrf_token": stolen, "staff_code": USERS[Role.ADMIN], "password": PASSWORD, "next": "/"}
        response = client.post("/login", data=form)
        assert response.status_code == 400
        assert EXPIRED in response.get_data(as_text=True)


def test_a_forged_password_change_is_refused_and_changes_nothing(console: Flask) -> None:
    with console.test_client() as client:
        assert login(client, USERS[Role.COUNTER]).status_code == 302
        new = "もう一つの長いパスワード-2031"
        forged = {"csrf_token": "forged", "current": PASSWORD, "new": new, "confirm": new}
        response = client.post("/account/password", data=forged)
        assert response.status_code == 400
        assert EXPIRED in response.get_data(as_text=True)
    with console.test_client() as again:  # the old password still opens the console
        assert login(again, USERS[Role.COUNTER]).status_code == 302
        assert again.get("/ledger").status_code == 200


def test_the_login_page_hands_out_the_token_that_the_form_then_accepts(console: Flask) -> None:
    with console.test_client() as client:
        token = _token(client, "/login")
        form = {"csrf_token": token, "staff_code": USERS[Role.ADMIN], "password": PASSWORD, "next": "/"}
        assert client.post("/login", data=form).status_code == 302
        assert client.get("/ledger").status_code == 200
