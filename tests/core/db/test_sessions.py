"""One way in: `session_factory(settings, role)` logs in as the role asked for, and `psycopg_connection` hands
COPY code the driver connection inside the caller's transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from core.config import APP_ROLE, SITE_ROLE, Settings
from core.db.engine import Role, psycopg_connection, session_factory
from tests.conftest import mynadesk_env


@pytest.mark.parametrize(("role", "user"), [("app", APP_ROLE), ("site", SITE_ROLE), ("owner", None)])
def test_a_session_factory_logs_in_as_its_role(
    database_url: URL, tmp_path: Path, role: Role, user: str | None
) -> None:
    settings = Settings.from_env({**mynadesk_env(database_url), "MYNADESK_DATA_DIR": str(tmp_path)})
    factory = session_factory(settings, role)
    with factory.begin() as session:
        assert session.execute(text("SELECT current_user")).scalar_one() == (user or database_url.username)
    assert factory.kw["expire_on_commit"] is False  # objects stay readable after the caller's commit
    bind = factory.kw["bind"]
    assert bind.url.drivername == "postgresql+psycopg"
    bind.dispose()


def test_the_psycopg_connection_is_inside_the_sessions_transaction(session: Session) -> None:
    session.execute(text("CREATE TEMP TABLE seen (n int) ON COMMIT DROP"))
    driver = psycopg_connection(session)
    with driver.cursor() as cursor, cursor.copy("COPY seen (n) FROM STDIN") as copy:
        copy.write_row((7,))
    assert session.execute(text("SELECT n FROM seen")).scalar_one() == 7
    assert psycopg_connection(session.connection()) is driver


def test_a_connection_through_another_driver_is_refused() -> None:
    with Session(create_engine("sqlite://")) as other, pytest.raises(TypeError, match="psycopg"):
        psycopg_connection(other)
