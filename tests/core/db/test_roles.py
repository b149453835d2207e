"""PostgreSQL enforces who may touch what: the site role sees only `booking`; the audit log is append-only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.conftest import rolled_back


@pytest.fixture
def site(site_engine: Engine) -> Iterator[Connection]:
    with rolled_back(site_engine) as conn:
        yield conn


@pytest.fixture
def app(app_engine: Engine) -> Iterator[Connection]:
    with rolled_back(app_engine) as conn:
        yield conn


def _insert_audit_entry(conn: Connection) -> int:
    """One entry, the only way there is (audit.append, migration 0017)."""
    return int(
        conn.execute(
            text(
                "SELECT id FROM audit.append('S0001', NULL, 'view', 'resident', '123', NULL, '10.0.0.8', "
                "NULL, NULL, NULL)"
            )
        ).scalar_one()
    )


@pytest.mark.parametrize(
    "table",
    [
        "register.residents",
        "register.resident_versions",
        "cards.cards",
        "cards.certificates",
        "staff.users",
        "audit.log",
        "documents.batches",
        "documents.source_files",
        "documents.documents",
        "documents.pages",
        "documents.index_entries",
        "documents.deletions",
    ],
)
def test_site_role_is_refused_outside_booking(site: Connection, table: str) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"):
        site.execute(text(f"SELECT count(*) FROM {table}"))


def test_site_role_cannot_write_the_card_ledger(site: Connection) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"):
        site.execute(text("INSERT INTO cards.cards (state, issued_on) VALUES ('produced', '2026-01-01')"))


def test_site_role_can_use_the_booking_schema_as_booking_needs(site: Connection) -> None:
    assert site.execute(text("SELECT count(*) FROM booking.venues")).scalar_one() >= 0
    event = site.execute(
        text("INSERT INTO booking.rate_events (bucket, at) VALUES ('x', now()) RETURNING id")
    ).scalar_one()
    assert (
        site.execute(text("SELECT bucket FROM booking.rate_events WHERE id = :id"), {"id": event}).scalar()
        == "x"
    )
    with pytest.raises(ProgrammingError, match="permission denied"):  # venues are the city's (issue 13, #6)
        site.execute(
            text("INSERT INTO booking.venues (code, name_ja, name_en) VALUES ('HQ', '本庁舎', 'City Hall')")
        )


def test_app_role_reads_and_writes_the_register(app: Connection) -> None:
    assert app.execute(text("SELECT count(*) FROM register.residents")).scalar_one() >= 0
    entry = _insert_audit_entry(app)
    assert (
        app.execute(text("SELECT actor FROM audit.log WHERE id = :id"), {"id": entry}).scalar_one() == "S0001"
    )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit.log SET actor = 'someone else' WHERE id = :id", "DELETE FROM audit.log WHERE id = :id"],
)
def test_app_role_cannot_change_or_delete_audit_entries(app: Connection, statement: str) -> None:
    entry = _insert_audit_entry(app)
    with pytest.raises(ProgrammingError, match="permission denied"):
        app.execute(text(statement), {"id": entry})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit.log SET actor = 'someone else' WHERE id = :id",
        "DELETE FROM audit.log WHERE id = :id",
        "TRUNCATE audit.log",
    ],
)
def test_even_the_owner_cannot_rewrite_the_audit_log(connection: Connection, statement: str) -> None:
    entry = _insert_audit_entry(connection)
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement), {"id": entry})


def test_app_role_keeps_documents_but_cannot_rewrite_their_deletions(app: Connection) -> None:
    assert app.execute(text("SELECT count(*) FROM documents.documents")).scalar_one() >= 0
    deletion = app.execute(
        text(
            "INSERT INTO documents.deletions (document_id, kind, retention_years, kept_until, files, "
            "deleted_by, deleted_at) VALUES (1, 'receipt', 15, '2020-01-01', '{}', 'S0001', now()) "
            "RETURNING id"
        )
    ).scalar_one()
    with pytest.raises(ProgrammingError, match="permission denied"):
        app.execute(text("DELETE FROM documents.deletions WHERE id = :id"), {"id": deletion})
