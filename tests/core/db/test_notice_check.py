"""Issue 13, finding 6: the site asks the ledger only through booking.notice_ask/notice_answer, which count
every guess in a table the site cannot touch and slow a number down after wrong birth dates; a compromised
site (the site's role, used directly) can no longer recover a holder's birth date by trying dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session

from core.services import pickup
from tests.reservation_site.conftest import CARD_SQL, RESIDENT_SQL

NOTICE = "X9Y-000111"
BIRTH = date(1970, 1, 2)


@pytest.fixture
def ledger(engine: Engine) -> Iterator[None]:
    values = {"atena": "900000000000099", "code": "90000000099", "y": 1970, "m": 1, "d": 2, "birth": BIRTH}
    with engine.begin() as conn:
        conn.execute(text(RESIDENT_SQL), values)
        conn.execute(text(CARD_SQL), {"atena": values["atena"], "no": NOTICE, "office": None})
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cards.cards WHERE notice_no = :n"), {"n": NOTICE})
        conn.execute(text("DELETE FROM register.residents WHERE atena_no = '900000000000099'"))
        conn.execute(text("DELETE FROM booking.notice_attempts"))
        conn.execute(text("DELETE FROM booking.access_log WHERE action = 'notice_attack'"))


def _ask(conn: Connection, number: str, birth: date) -> tuple[int, str | None]:
    row = conn.execute(
        text("SELECT wait_seconds, CAST(ticket AS text) FROM booking.notice_ask(:n, :b)"),
        {"n": number, "b": birth},
    ).one()
    return int(row[0]), row[1]


def _answer(conn: Connection, ticket: str) -> bool | None:
    row = conn.execute(
        text("SELECT found FROM booking.notice_answer(CAST(:t AS uuid))"), {"t": ticket}
    ).first()
    return None if row is None else bool(row[0])


def guess(site_engine: Engine, number: str, birth: date) -> bool | int:
    """One guess as the site makes it: True/False, or the seconds the number must wait."""
    with site_engine.begin() as conn:
        wait, ticket = _ask(conn, number, birth)
    if ticket is None:
        return wait
    with site_engine.begin() as conn:
        found = _answer(conn, ticket)
    assert found is not None
    return found


def _forgive_waiting(engine: Engine) -> None:
    """Move the last failure back an hour, as if the attacker had waited."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE booking.notice_attempts SET last_failed_at = last_failed_at - interval '2 hours'")
        )


def test_site_role_gets_yes_only_for_the_right_number_and_birth_date(
    site_engine: Engine, ledger: None
) -> None:
    assert guess(site_engine, NOTICE, BIRTH) is True
    assert guess(site_engine, "X9Y-000112", BIRTH) is False
    assert guess(site_engine, NOTICE, BIRTH + timedelta(days=1)) is False


def test_trying_birth_dates_as_the_site_role_gets_one_answer_then_waits(
    site_engine: Engine, ledger: None
) -> None:
    answers = [guess(site_engine, NOTICE, BIRTH - timedelta(days=day)) for day in range(30, 0, -1)]
    answers.append(guess(site_engine, NOTICE, BIRTH))  # the right one, right after: must wait too
    assert answers[0] is False
    assert all(isinstance(a, int) and not isinstance(a, bool) and 0 < a <= 2 for a in answers[1:])


def test_the_wait_doubles_with_every_failure_and_a_right_answer_clears_it(
    site_engine: Engine, engine: Engine, ledger: None
) -> None:
    waits = []
    for day in range(1, 6):
        assert guess(site_engine, NOTICE, BIRTH - timedelta(days=day)) is False
        waits.append(guess(site_engine, NOTICE, BIRTH))
        _forgive_waiting(engine)
    assert [w for w in waits if isinstance(w, int)] == waits
    assert [2**n - 1 <= int(w) <= 2**n for n, w in enumerate(waits, start=1)] == [True] * 5
    assert guess(site_engine, NOTICE, BIRTH) is True
    assert guess(site_engine, NOTICE, BIRTH) is True  # no wait left after the holder's right answer


def test_an_answer_read_in_the_asking_transaction_is_refused_so_a_rollback_erases_nothing(
    site_engine: Engine, engine: Engine, ledger: None
) -> None:
    with site_engine.connect() as conn:
        transaction = conn.begin()
        _, ticket = _ask(conn, NOTICE, BIRTH + timedelta(days=3))
        assert ticket is not None
        assert _answer(conn, ticket) is None  # not before the failure is committed
        transaction.rollback()
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM booking.notice_attempts WHERE failures > 0")).scalar()
            == 0
        )
    assert guess(site_engine, NOTICE, BIRTH + timedelta(days=4)) is False
    with engine.connect() as conn:
        assert conn.execute(text("SELECT failures FROM booking.notice_attempts")).scalar() == 1


def test_a_number_under_attack_leaves_an_alert_for_staff(
    site_engine: Engine, engine: Engine, ledger: None
) -> None:
    for day in range(1, 6):
        assert guess(site_engine, NOTICE, BIRTH - timedelta(days=day)) is False
        _forgive_waiting(engine)
    with engine.connect() as conn:
        alert = conn.execute(
            text("SELECT detail FROM booking.access_log WHERE action = 'notice_attack'")
        ).scalar()
    assert alert == f"{NOTICE}: 5"


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT booking.check_notice('X9Y-000111', '1970-01-02')",
        "SELECT * FROM booking.notice_venue('X9Y-000111', '1970-01-02')",
        "SELECT * FROM booking.notice_attempts",
        "DELETE FROM booking.notice_attempts",
        "SELECT * FROM booking.notice_answers",
        "SELECT notice_no FROM cards.cards",
    ],
)
def test_the_site_role_cannot_go_around_the_counted_door(site_engine: Engine, statement: str) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text(statement))


def test_the_functions_pin_their_search_path_and_run_as_owner(engine: Engine) -> None:
    with engine.connect() as conn:
        for function in ("booking.notice_ask(text, date)", "booking.notice_answer(uuid)"):
            row = conn.execute(
                text(f"SELECT prosecdef, proconfig FROM pg_proc WHERE oid = '{function}'::regprocedure")
            ).one()
            public = conn.execute(
                text(f"SELECT has_function_privilege('public', '{function}', 'EXECUTE')")
            ).scalar()
            assert row[0] is True
            assert row[1] == ["search_path=pg_catalog, pg_temp"]
            assert public is False


# What a compromised site tried against its own tables (finding 6): each now fails for the site's role.
MISUSE = [
    "UPDATE booking.venues SET name_ja = 'x'",
    "INSERT INTO booking.procedures (code, name_ja, name_en) VALUES ('x', 'x', 'x')",
    "DELETE FROM booking.closures",
    "INSERT INTO booking.closures (kind, starts_at, ends_at, reason_ja) VALUES ('x', now(), now(), 'x')",
    "UPDATE booking.slots SET capacity = 999",
    "DELETE FROM booking.slots",
    "DELETE FROM booking.rate_events",
    "TRUNCATE booking.rate_events",
    "UPDATE booking.rate_events SET at = '2000-01-01'",
    "UPDATE booking.rules SET hold_minutes = 600",
    "INSERT INTO booking.access_log (id, action) VALUES (9000000000000000000, 'view')",
    "UPDATE booking.access_log SET copied_at = now()",
    "DELETE FROM booking.access_log",
    "SELECT body FROM booking.outbox",
    "UPDATE booking.outbox SET to_address = 'x@example.com'",
    "DELETE FROM booking.reservations",
    "UPDATE booking.reservations SET phone = '0'",
    "UPDATE booking.venue_procedures SET procedure_id = 1",
    "DELETE FROM booking.slot_templates",
]


@pytest.mark.parametrize("statement", MISUSE)
def test_the_site_role_cannot_misuse_its_tables(site_engine: Engine, statement: str) -> None:
    with site_engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text(statement))


def test_the_site_role_keeps_what_booking_needs(site_engine: Engine) -> None:
    with site_engine.connect() as conn:

        def can(table: str, privilege: str, column: str | None = None) -> bool:
            if column:
                query = text("SELECT has_column_privilege(current_user, :t, :c, :p)")
                return bool(conn.execute(query, {"t": table, "c": column, "p": privilege}).scalar())
            query = text("SELECT has_table_privilege(current_user, :t, :p)")
            return bool(conn.execute(query, {"t": table, "p": privilege}).scalar())

        assert can("booking.slots", "UPDATE", "booked")
        assert can("booking.slots", "UPDATE", "held")
        assert not can("booking.slots", "UPDATE", "capacity")
        assert can("booking.holds", "INSERT")
        assert can("booking.holds", "DELETE")
        assert can("booking.reservations", "INSERT")
        assert can("booking.reservations", "UPDATE", "status")
        assert can("booking.reservation_members", "INSERT")
        assert can("booking.outbox", "INSERT", "body")
        assert can("booking.rate_events", "INSERT", "bucket")
        assert can("booking.access_log", "INSERT", "action")
        assert not can("booking.access_log", "INSERT", "id")
        assert can("booking.rules", "SELECT")


def test_the_worker_forgets_failures_a_day_old(
    site_engine: Engine, engine: Engine, app_engine: Engine, ledger: None
) -> None:
    assert guess(site_engine, NOTICE, BIRTH + timedelta(days=9)) is False
    with app_engine.begin() as conn:
        now = conn.execute(text("SELECT now()")).scalar_one()
    with Session(app_engine) as session, session.begin():
        assert pickup.forget_old_attempts(session, now) == 0
        assert pickup.forget_old_attempts(session, now + timedelta(days=1, minutes=1)) == 1
