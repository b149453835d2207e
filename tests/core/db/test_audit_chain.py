"""The audit log's hash chain (issue 16, item 5) on a real PostgreSQL: existing rows chained by the
migration, a clean chain verifies, an owner's rewrite with the triggers off is named, a removed tail is caught
against the recorded head, 20 concurrent writers never fork the chain, the app role cannot INSERT directly."""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from core.config import APP_ROLE
from core.db.engine import make_engine, role_url
from core.db.migrate import upgrade
from core.services import audit_chain
from core.services.audit import Actor, record
from tests.conftest import recreate_database, role_password

WRITERS = 20
ROUNDS = 15
STAFF = Actor("S0001", role="staff", client_addr="10.0.0.8", terminal="窓口1")


@pytest.fixture(scope="module")
def chain_url(server_url: URL) -> URL:
    """A database migrated to 0015 with three unchained rows written the old way, then to the head."""
    url = recreate_database(server_url, "mynadesk_audit_chain_test")
    upgrade(url, "0015")
    engine = make_engine(url)
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit.log (actor, action, object_type, object_id, detail) "
                    "VALUES ('S0009', 'view', 'resident', :n, CAST(:detail AS jsonb))"
                ),
                {"n": str(n), "detail": json.dumps({"old": n})},
            )
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def owner(chain_url: URL) -> Iterator[Engine]:
    engine = make_engine(chain_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_role(chain_url: URL) -> Iterator[Engine]:
    engine = make_engine(role_url(chain_url, APP_ROLE, role_password(APP_ROLE)), poolclass=NullPool)
    yield engine
    engine.dispose()


def _append(app_role: Engine, count: int, **extra: object) -> None:
    with Session(app_role) as session, session.begin():
        for n in range(count):
            record(session, STAFF, "view", "resident", str(n), summary="住民を表示", detail={"n": n, **extra})


def _verify(conn: Connection) -> audit_chain.Verdict:
    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
        return audit_chain.verify(session, batch=7)  # small batches: faults across batch edges are found too


@contextmanager
def tampering(owner: Engine) -> Iterator[Connection]:
    """An owner's transaction with the audit triggers off (rolled back at the end; it locks audit.log)."""
    with owner.connect() as conn:
        transaction = conn.begin()
        conn.execute(text("ALTER TABLE audit.log DISABLE TRIGGER ALL"))
        yield conn
        transaction.rollback()


def test_the_migration_chains_the_existing_rows_in_id_order(owner: Engine) -> None:
    with owner.connect() as conn:
        rows = conn.execute(text("SELECT id, seq FROM audit.log ORDER BY id LIMIT 3")).all()
        assert [row.seq for row in rows] == [1, 2, 3]
        assert _verify(conn).ok


def test_a_row_hash_is_recomputable_from_the_documented_canonical_form(
    app_role: Engine, owner: Engine
) -> None:
    decomposed = unicodedata.normalize("NFD", "ガ行の住民\n改行あり")  # stored and hashed as NFC
    with Session(app_role) as session, session.begin():
        entry = record(
            session, STAFF, "update", "resident", "A1", summary=decomposed, detail={"b": 1, "a": [2]}
        )
        seq, entry_id = entry.seq, entry.id
    with owner.connect() as conn:
        row = conn.execute(
            text(
                "SELECT l.*, l.detail::text AS detail_text, audit.canonical(l) AS canonical "
                "FROM audit.log l WHERE seq = :s"
            ),
            {"s": seq},
        ).one()
    assert row.summary == unicodedata.normalize("NFC", decomposed)
    at = row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = ["mynadesk-audit/1", seq, entry_id, at, "S0001", "staff", "update", "resident", "A1", None,
              "10.0.0.8", "窓口1", row.summary, row.detail_text]  # fmt: skip
    canonical = json.dumps(fields, ensure_ascii=False)
    assert row.detail_text == '{"a": [2], "b": 1}'  # jsonb's text form: keys sorted
    assert row.canonical == canonical
    assert bytes(row.row_hash) == hashlib.sha256(bytes(row.prev_hash) + canonical.encode()).digest()


def test_verify_passes_on_a_clean_chain(app_role: Engine, owner: Engine) -> None:
    _append(app_role, 20)
    with owner.connect() as conn:
        verdict = _verify(conn)
        end = conn.execute(text("SELECT max(seq) FROM audit.log")).scalar_one()
    assert verdict.ok, verdict.fault
    assert (verdict.checked, verdict.last.seq) == (end, end)


def test_an_update_by_the_owner_with_triggers_disabled_is_named(app_role: Engine, owner: Engine) -> None:
    _append(app_role, 5)
    with tampering(owner) as conn:
        target = conn.execute(text("SELECT max(seq) - 2 FROM audit.log")).scalar_one()
        conn.execute(text("UPDATE audit.log SET actor = 'S0666' WHERE seq = :s"), {"s": target})
        verdict = _verify(conn)
        row_id = conn.execute(text("SELECT id FROM audit.log WHERE seq = :s"), {"s": target}).scalar_one()
    assert verdict.fault is not None
    assert verdict.fault.seq == target
    assert "altered" in verdict.fault.describe()
    assert f"seq {target} (id {row_id}," in verdict.fault.describe()


def test_a_row_removed_from_the_middle_is_named(app_role: Engine, owner: Engine) -> None:
    _append(app_role, 5)
    with tampering(owner) as conn:
        target = conn.execute(text("SELECT max(seq) - 3 FROM audit.log")).scalar_one()
        conn.execute(text("DELETE FROM audit.log WHERE seq = :s"), {"s": target})
        verdict = _verify(conn)
    assert verdict.fault is not None
    assert verdict.fault.seq == target + 1
    assert "missing" in verdict.fault.reason


def test_deleting_the_newest_rows_is_detected_against_the_recorded_head(
    app_role: Engine, owner: Engine
) -> None:
    _append(app_role, 4)
    with Session(app_role) as session, session.begin():
        head = audit_chain.record_head(session, datetime.now(UTC))
    with tampering(owner) as conn:
        conn.execute(text("DELETE FROM audit.log WHERE seq > :s"), {"s": head.seq - 2})
        assert not _verify(conn).ok  # the live chain head still says where it ended
        # the owner covers the tracks: the live head rewritten to the new last row; the walk alone passes
        conn.execute(
            text(
                "UPDATE audit.chain_head SET seq = l.seq, row_hash = l.row_hash "
                "FROM audit.log l WHERE l.seq = :s"
            ),
            {"s": head.seq - 2},
        )
        assert _verify(conn).ok
        with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
            fault = audit_chain.check_heads(session, audit_chain.recorded_heads(session))
    assert fault is not None
    assert fault.seq == head.seq
    assert "newest rows were removed" in fault.reason


def test_twenty_concurrent_writers_never_fork_the_chain(app_role: Engine, owner: Engine) -> None:
    with owner.connect() as conn:
        before = conn.execute(text("SELECT max(seq) FROM audit.log")).scalar_one()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(ROUNDS):
                _append(app_role, 1 + n % 3, writer=writer)
        except BaseException as error:  # a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    expected = WRITERS * sum(1 + n % 3 for n in range(ROUNDS))
    with owner.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM audit.log WHERE seq > :b ORDER BY seq"), {"b": before})
        assert seqs.scalars().all() == list(range(before + 1, before + expected + 1))  # gapless, no forks
        forks = conn.execute(text("SELECT count(*) - count(DISTINCT prev_hash) FROM audit.log")).scalar_one()
        assert forks == 0
        assert _verify(conn).ok


def test_the_app_role_cannot_insert_or_move_the_head_directly(app_role: Engine) -> None:
    for statement in (
        "INSERT INTO audit.log (actor, action, object_type, seq, prev_hash, row_hash) "
        "VALUES ('S0001', 'view', 'resident', 999999, '\\x00', '\\x00')",
        "UPDATE audit.chain_head SET seq = 1",
        "INSERT INTO audit.chain_heads (recorded_at, seq, row_hash) VALUES (now(), 1, '\\x00')",
    ):
        with app_role.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(statement))


def test_the_daily_head_is_written_once_a_day(app_role: Engine) -> None:
    now = datetime.now(UTC) + timedelta(days=400)  # a day no other test has written a head on
    with Session(app_role) as session:
        first = audit_chain.record_daily_head(session, now)
        again = audit_chain.record_daily_head(session, now + timedelta(minutes=5))
        next_day = audit_chain.record_daily_head(session, now + timedelta(days=1))
        session.rollback()
    assert first is not None
    assert again is None
    assert next_day is not None
