"""A database of its own for tests that must commit (FTP pull, CLI, a killed load), emptied before each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from core.config import APP_ROLE
from core.db.engine import make_engine, make_session_factory, role_url
from core.db.migrate import upgrade
from tests.conftest import recreate_database, role_password


@pytest.fixture(scope="session")
def committing_url(server_url: URL) -> URL:
    """Owner URL of a migrated database where tests may commit."""
    url = recreate_database(server_url, "mynadesk_etl_commit")
    upgrade(url)
    return url


@pytest.fixture
def committing_engine(committing_url: URL) -> Iterator[Engine]:
    """The owner's engine on an emptied register and card ledger."""
    engine = make_engine(committing_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE register.load_alerts, register.resident_versions, register.residents,"
                " register.households, register.extract_files, cards.card_events, cards.certificates,"
                " cards.cards RESTART IDENTITY CASCADE"
            )
        )
    yield engine
    engine.dispose()


@pytest.fixture
def etl_factory(committing_url: URL, committing_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions as the console/ETL role, the role `mynadesk etl` runs as."""
    engine = make_engine(role_url(committing_url, APP_ROLE, role_password(APP_ROLE)))
    yield make_session_factory(engine)
    engine.dispose()
