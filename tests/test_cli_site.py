"""`mynadesk site …` for real: seed twice (idempotent), one worker round, and granian serving over TLS; slow
clients that never finish their request do not take the site offline."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from core.db.engine import make_engine
from core.db.migrate import upgrade
from mynadesk.cli import app
from tests import log_sweep
from tests.browser import chromium, needs_chromium
from tests.conftest import mynadesk_env, process_env, recreate_database

runner = CliRunner()


@pytest.fixture(scope="module")
def site_db(server_url: URL) -> URL:
    url = recreate_database(server_url, "mynadesk_site_cli_test")
    upgrade(url)
    return url


def _count(url: URL, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_seed_creates_fujisawa_once_and_the_worker_runs_a_round(site_db: URL) -> None:
    env = mynadesk_env(site_db, MYNADESK_SMTP_PORT="1")
    first = runner.invoke(app, ["site", "seed"], env=env)
    assert first.exit_code == 0, first.output
    venues, procedures, slots = (_count(site_db, f"booking.{t}") for t in ("venues", "procedures", "slots"))
    assert (venues, procedures) == (4, 4)
    assert slots > 5000
    templates = _count(site_db, "booking.slot_templates")
    again = runner.invoke(app, ["site", "seed"], env=env)
    assert again.exit_code == 0
    assert "new slots 0" in again.output
    assert _count(site_db, "booking.slots") == slots
    assert _count(site_db, "booking.slot_templates") == templates
    round_ = runner.invoke(app, ["site", "worker", "--once"], env=env)
    assert round_.exit_code == 0, round_.output
    assert "sent=0" in round_.output
    assert "audit_head=1" in round_.output  # the day's audit chain head, written down once a day
    assert _count(site_db, "audit.chain_heads") == 1
    second = runner.invoke(app, ["site", "worker", "--once"], env=env)
    assert "audit_head=0" in second.output
    assert _count(site_db, "audit.chain_heads") == 1


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, limit: float = 30) -> None:
    """Wait until a server listens on loopback PORT."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port} after {limit:.0f} s")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "site.crt", tmp_path / "site.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def served_site(env: dict[str, str]) -> Iterator[int]:
    """`mynadesk site serve` (one worker) in a subprocess with ENV on a free loopback port; yields it."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mynadesk",
        "site",
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    with log_sweep.output("site-server") as log:  # searched for personal data when the session ends
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def tls_site(site_db: URL, certificate: tuple[Path, Path]) -> Iterator[int]:
    env = process_env(
        site_db,
        MYNADESK_SITE_TLS_CERT=str(certificate[0]),
        MYNADESK_SITE_TLS_KEY=str(certificate[1]),
        MYNADESK_SECRET_KEY="t" * 40,
    )
    with served_site(env) as port:
        yield port


def test_serve_speaks_tls_with_hsts_and_secure_cookies(tls_site: int, certificate: tuple[Path, Path]) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    context.check_hostname = False
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with (
        socket.create_connection(("127.0.0.1", tls_site), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        version = tls.version()
        tls.sendall(b"GET /?lang=en HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        response = b""
        while chunk := tls.recv(65536):
            response += chunk
    head = response.split(b"\r\n\r\n", 1)[0].decode()
    fields = head.lower()  # header names are case-insensitive (granian writes them in lower case)
    assert version in ("TLSv1.2", "TLSv1.3")
    assert " 200 " in head.splitlines()[0]
    assert "strict-transport-security: max-age=" in fields
    assert "\r\nset-cookie: __host-booking=" in fields
    assert "Secure" in head


@needs_chromium
def test_forms_post_over_tls_without_a_referer(tls_site: int) -> None:
    """Every page says Referrer-Policy: no-referrer, so a browser sends no Referer: CSRF protection over TLS
    must rest on the token (and the SameSite cookie), not refuse every form for a missing Referer (Flask-WTF's
    default WTF_CSRF_SSL_STRICT). A real Chromium submits the look-up form over HTTPS."""
    with chromium() as browser:
        page = browser.new_page(ignore_https_errors=True)
        page.goto(f"https://127.0.0.1:{tls_site}/lookup?lang=en")
        page.fill("input[name=booking_no]", "ZZ-0000")
        page.fill("input[name=phone]", "0466-00-0000")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("button[type=submit]")
        assert posted.value.request.header_value("referer") is None
        expect(page.locator("body")).to_contain_text("No booking found")
        expect(page.locator("body")).not_to_contain_text("This page has expired")
