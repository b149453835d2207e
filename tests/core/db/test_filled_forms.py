"""cards.filled_forms: the app role may write it (default privileges), the site role may not."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

INSERT = text(
    "INSERT INTO cards.filled_forms (kind, source, values, created_by) "
    "VALUES ('receipt', 'register', '{}'::jsonb, 'S0001') RETURNING id"
)


def test_app_role_can_store_filled_forms(app_engine: Engine) -> None:
    with app_engine.connect() as conn, conn.begin() as transaction:
        form_id = conn.execute(INSERT).scalar_one()
        assert conn.execute(
            text("SELECT kind FROM cards.filled_forms WHERE id = :id"), {"id": form_id}
        ).scalar()
        transaction.rollback()


def test_site_role_cannot_see_filled_forms(site_engine: Engine) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT count(*) FROM cards.filled_forms"))


def test_an_unknown_form_kind_is_refused_by_the_database(app_engine: Engine) -> None:
    bad = text(
        "INSERT INTO cards.filled_forms (kind, source, values, created_by) "
        "VALUES ('letter', 'register', '{}'::jsonb, 'S0001')"
    )
    with app_engine.connect() as conn, pytest.raises(Exception, match="ck_filled_forms_kind"):
        conn.execute(bad)
