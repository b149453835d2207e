"""Issue 13 hardening: the console's security headers, a Secure session cookie over TLS, and a policy strict
enough to matter that still lets every page of every role work in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, log_in, login, open_page


def test_every_response_carries_the_security_headers(console: Flask) -> None:
    with console.test_client() as client:
        for path in ("/login", "/"):
            headers = client.get(path).headers
            csp = headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp
            assert "script-src 'self' 'sha256-" in csp  # Dash's inline renderer by hash, nothing else inline
            assert "unsafe-eval" not in csp
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
        assert client.get("/login").headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in client.get("/login").headers


def test_over_tls_the_session_cookie_is_secure_and_hsts_is_sent(console: Flask) -> None:
    with console.test_client() as client:
        tls = {"base_url": "https://localhost"}
        page = client.get("/login", **tls)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        response = login_over(client, tls)
        cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
    with console.test_client() as client:  # plain HTTP on a closed network keeps working
        cookie = next(v for v in login(client, USERS[Role.ANALYST]).headers.getlist("Set-Cookie"))
        assert "Secure" not in cookie


def login_over(client: Any, environ: dict[str, str]) -> Any:
    """Log in as the analyst with the test client's ENVIRON arguments (e.g. an https base URL)."""
    import re

    from tests.console.conftest import PASSWORD

    page = client.get("/login", **environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client.post(
        "/login",
        data={
            "csrf_token": token.group(1),
            "staff_code": USERS[Role.ANALYST],
            "password": PASSWORD,
            "next": "/",
        },
        **environ,
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.COUNTER, Role.BOOKING])
def test_no_page_breaks_the_content_security_policy(
    page: Any, live_server: str, console: Flask, seed: Seed, role: Role
) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    log_in(page, live_server, role)
    registry = console.extensions["mynadesk_registry"]
    paths = [p.path for p in registry.pages if role in p.roles and not p.prefix]
    if any(p.path == "/ledger/person" and role in p.roles for p in registry.pages):
        paths.append(f"/ledger/person/{seed.person_atena}")
    for path in paths:
        open_page(page, live_server + path)
        expect(page.locator("#access-refused")).to_have_count(0)
    assert violations == []
