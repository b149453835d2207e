"""axe-core (WCAG 2.1 A/AA and its best practices) finds nothing on any console page: the login page, every
page each role may open (with its data drawn: lists, tables and charts from a real analytics build), the
password page, the refusal and the not-found page; screenshots at 1366×768 go to tests/artifacts/a11y-*."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine

from console.access import AccessRegistry
from core.domain.roles import Role
from tests.console.axe import describe, settle, violations
from tests.console.conftest import Seed, build_marts, log_in, open_page, shot

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def marts(console: Flask, console_db: tuple[Engine, Engine, Seed]) -> Path:
    """One analytics build for the module, so the overview, forecast and statistics draw their charts."""
    return build_marts(console, console_db[0])


def _registry(console: Flask) -> AccessRegistry:
    registry: AccessRegistry = console.extensions["mynadesk_registry"]
    return registry


def _check(page: Any, name: str, found: dict[str, str]) -> None:
    settle(page)
    shot(page, f"a11y-{name}")
    problems = violations(page)
    if problems:
        found[f"{name} ({page.url})"] = describe(problems)


def _report(found: dict[str, str]) -> str:
    return "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(f"{k}\n{v}" for k, v in found.items())


def test_the_login_page_passes_axe(page: Any, live_server: str) -> None:
    page.set_viewport_size(LAPTOP)
    found: dict[str, str] = {}
    page.goto(f"{live_server}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    _check(page, "login", found)
    # a failed login shows its message: that state passes too
    page.fill("#staff_code", "NOBODY")
    page.fill("#password", "wrong password")
    page.click("#login-submit")
    expect(page.locator(".alert")).to_be_visible()
    _check(page, "login-refused", found)
    assert not found, _report(found)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_of_each_role_passes_axe(
    page: Any, live_server: str, console: Flask, seed: Seed, marts: Path, role: Role
) -> None:
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, role)
    registry = _registry(console)
    found: dict[str, str] = {}
    for entry in registry.pages_for(frozenset({role})):
        path = f"{entry.path}/{seed.person_atena}" if entry.prefix else entry.path
        open_page(page, live_server + path)
        expect(page.locator("h1.md-page-title")).to_have_text(entry.title)
        _check(page, f"{role.value}{entry.path.replace('/', '-') if entry.path != '/' else '-home'}", found)
    refused = next(p for p in registry.pages if role not in p.roles and not p.prefix)
    open_page(page, live_server + refused.path)
    expect(page.locator("#access-refused")).to_be_visible()
    _check(page, f"{role.value}-refused", found)
    open_page(page, f"{live_server}/no-such-page")
    _check(page, f"{role.value}-not-found", found)
    page.goto(f"{live_server}/account/password")
    expect(page.locator("#password-submit")).to_be_visible()
    _check(page, f"{role.value}-password", found)
    assert not found, _report(found)
