"""Test fixtures: a real PostgreSQL (embedded, or MYNADESK_TEST_DATABASE_URL), migrated once per session,
and a savepoint per test so tests stay isolated and fast."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import time_machine
from playwright.sync_api import expect
from psycopg import sql
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.config import APP_ROLE, SITE_ROLE
from core.db.embedded import create_database, start_embedded, stop_embedded
from core.db.embedded import role_password as embedded_role_password
from core.db.engine import make_engine, role_url
from core.db.migrate import upgrade
from tests import log_sweep

TEST_DATABASE = "mynadesk_test"
TEST_NOW = "MYNADESK_TEST_NOW"
ROLE_PASSWORDS = {  # role: (the test setting, the setting of the processes the tests start)
    APP_ROLE: ("MYNADESK_TEST_APP_DB_PASSWORD", "MYNADESK_APP_DB_PASSWORD"),
    SITE_ROLE: ("MYNADESK_TEST_SITE_DB_PASSWORD", "MYNADESK_SITE_DB_PASSWORD"),
}
_travel: list[time_machine.travel] = []
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
_embedded: list[tuple[Path, str]] = []  # the session's embedded server: (PGDATA, owner URI)


def moved_to() -> datetime | None:
    """The moment MYNADESK_TEST_NOW moves the suite to (an ISO 8601 time with its offset), or None."""
    raw = os.environ.get(TEST_NOW, "").strip()
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW} needs an offset, e.g. 2031-03-31T16:00:00+09:00: {raw}")
    return moment


def real_now() -> datetime:
    """The machine's real time even while MYNADESK_TEST_NOW moves Python's clock: for what another program
    judges by the real clock (OpenSSL checking a certificate's validity)."""
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(UTC)
    return datetime.now(UTC)


def pytest_configure(config: pytest.Config) -> None:
    """With MYNADESK_TEST_NOW, the whole session (collection included) runs with Python's clock moved there.

    Only Python's clock moves (time-machine, ticking from that moment): PostgreSQL, Chromium and other
    processes keep the real time, on purpose. A test that passes only on the real day took a decision from a
    clock other than MynaDesk's own (a database `now()`, a subprocess's wall clock) and must be fixed.
    """
    # Browser assertions wait for their content as long as Playwright's own waits do (30 s, not expect's 5 s):
    # a loaded 2-core CI machine can take seconds for a Dash callback; a wait ends once the content is there.
    expect.set_options(timeout=30_000)
    moment = moved_to()
    if moment is not None:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        _travel.append(traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the time travel of pytest_configure."""
    while _travel:
        _travel.pop().stop()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the log sweep (tests/log_sweep.py) into tests/artifacts/logs, emptied first."""
    folder = ARTIFACTS / "logs"
    if folder.exists():
        shutil.rmtree(folder)
    log_sweep.current = log_sweep.Sweep(folder)
    log_sweep.current.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a log of the session holds a test resident's name, phone number or e-mail address."""
    sweep = log_sweep.current
    if sweep is None:
        return
    sweep.stop()
    leaks = sweep.leaks()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"log sweep: {len(sweep.names)} names, {len(sweep.numbers)} phone numbers and "
            f"{len(sweep.addresses)} e-mail addresses searched for in {sweep.folder}: {len(leaks)} found"
        )
        for leak in leaks[:50]:
            reporter.write_line(f"  personal data in a log: {leak}", red=True)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> str:
    """Say which day the suite believes it is."""
    moment = moved_to()
    return f"{TEST_NOW}: {moment.isoformat() if moment else 'unset (the real time)'}"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    """Admin URL of a real PostgreSQL: MYNADESK_TEST_DATABASE_URL, or an embedded one for the session."""
    external = os.environ.get("MYNADESK_TEST_DATABASE_URL")
    if external:
        yield make_url(external).set(drivername="postgresql+psycopg")
        return
    pgdata = Path(tmp_path_factory.mktemp("pg")) / "data"
    uri = start_embedded(pgdata)
    _embedded.append((pgdata, uri))
    yield make_url(uri).set(drivername="postgresql+psycopg")
    _embedded.clear()
    stop_embedded(pgdata)


def libpq(url: URL) -> str:
    """The URL as libpq (psycopg) wants it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(server: URL, name: str) -> URL:
    """Drop and create database NAME on the server; return its URL."""
    with psycopg.connect(libpq(server), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        create_database(conn, name)
    return server.set(database=name)


def role_password(role: str) -> str | None:
    """The password of login role ROLE on the test server: MYNADESK_TEST_APP/SITE_DB_PASSWORD on an external
    server, the generated one (its 0600 file) on the session's embedded server; None when neither applies."""
    configured = os.environ.get(ROLE_PASSWORDS[role][0])
    if configured is not None or not _embedded:
        return configured
    pgdata, owner_uri = _embedded[0]
    return embedded_role_password(pgdata, owner_uri, role)


@contextmanager
def logged_in_as(url: URL, role: str) -> Iterator[Engine]:
    """An engine on URL's database logged in as ROLE (APP_ROLE or SITE_ROLE), disposed of at the end."""
    eng = make_engine(role_url(url, role, role_password(role)))
    try:
        yield eng
    finally:
        eng.dispose()


def mynadesk_env(url: URL, **extra: str) -> dict[str, str]:
    """The settings of a `mynadesk` process a test starts (CliRunner or a subprocess) on database URL: the
    owner's URL and the login roles' passwords of the test settings, so it reaches the same server as the
    tests do, an external one included."""
    env = {"MYNADESK_DATABASE_URL": libpq(url)}
    for role, (_, name) in ROLE_PASSWORDS.items():
        password = role_password(role)
        if password is not None:
            env[name] = password
    return {**env, **extra}


def process_env(url: URL, **extra: str) -> dict[str, str]:
    """The whole environment of a `mynadesk` subprocess on database URL: this process's, less its own
    MYNADESK_ settings, plus mynadesk_env()."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
    return {**inherited, **mynadesk_env(url, **extra)}


@pytest.fixture(scope="session")
def database_url(server_url: URL) -> URL:
    """A freshly migrated MynaDesk database for this test session (owner's URL)."""
    url = recreate_database(server_url, TEST_DATABASE)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: URL) -> Iterator[Engine]:
    """The owner's engine."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app_engine(database_url: URL) -> Iterator[Engine]:
    """An engine logged in as the console/ETL role."""
    eng = make_engine(role_url(database_url, APP_ROLE, role_password(APP_ROLE)))
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def site_engine(database_url: URL) -> Iterator[Engine]:
    """An engine logged in as the reservation-site role."""
    eng = make_engine(role_url(database_url, SITE_ROLE, role_password(SITE_ROLE)))
    yield eng
    eng.dispose()


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back at the end."""
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with rolled_back(engine) as conn:
        yield conn


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """An ORM session whose commits become savepoints of the test's outer transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
        yield s
