"""The site asks the ledger only yes/no through a SECURITY DEFINER function; it still cannot read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError

from tests.reservation_site.conftest import CARD_SQL, RESIDENT_SQL

NOTICE = "X9Y-000111"


@pytest.fixture
def ledger(engine: Engine) -> Iterator[None]:
    birth = date(1970, 1, 2)
    values = {"atena": "900000000000099", "code": "90000000099", "y": 1970, "m": 1, "d": 2, "birth": birth}
    with engine.begin() as conn:
        conn.execute(text(RESIDENT_SQL), values)
        conn.execute(text(CARD_SQL), {"atena": values["atena"], "no": NOTICE, "office": None})
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cards.cards WHERE notice_no = :n"), {"n": NOTICE})
        conn.execute(text("DELETE FROM register.residents WHERE atena_no = '900000000000099'"))


def _check(conn: Connection, number: str, birth: str) -> bool:
    return bool(
        conn.execute(
            text("SELECT booking.check_notice(:n, CAST(:b AS date))"), {"n": number, "b": birth}
        ).scalar()
    )


def test_site_role_gets_yes_only_for_the_right_number_and_birth_date(
    site_engine: Engine, ledger: None
) -> None:
    with site_engine.connect() as conn:
        assert _check(conn, NOTICE, "1970-01-02")
        assert not _check(conn, NOTICE, "1970-01-03")
        assert not _check(conn, "X9Y-000112", "1970-01-02")


def test_site_role_still_cannot_select_the_ledger(site_engine: Engine, ledger: None) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT notice_no FROM cards.cards"))


def test_a_moved_out_resident_gets_no(site_engine: Engine, engine: Engine, ledger: None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE register.residents SET resident_status = 2 WHERE atena_no = '900000000000099'")
        )
    with site_engine.connect() as conn:
        assert not _check(conn, NOTICE, "1970-01-02")


def test_the_function_pins_its_search_path_and_runs_as_owner(engine: Engine) -> None:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT prosecdef, proconfig, pg_get_userbyid(proowner) FROM pg_proc "
                "WHERE oid = 'booking.check_notice(text, date)'::regprocedure"
            )
        ).one()
        public = conn.execute(
            text("SELECT has_function_privilege('public', 'booking.check_notice(text, date)', 'EXECUTE')")
        ).scalar()
    assert row[0] is True
    assert row[1] == ["search_path=pg_catalog, pg_temp"]
    assert public is False


@pytest.mark.parametrize("table", ["outbox", "rate_events", "reservation_members", "access_log"])
def test_site_role_may_write_the_new_booking_tables(site_engine: Engine, table: str) -> None:
    with site_engine.connect() as conn:
        allowed = conn.execute(
            text("SELECT has_table_privilege(current_user, :t, 'INSERT')"), {"t": f"booking.{table}"}
        ).scalar()
    assert allowed is True


def test_the_access_log_is_append_only_and_the_rules_read_only_for_the_site(site_engine: Engine) -> None:
    with site_engine.connect() as conn:

        def can(table: str, privilege: str) -> bool:
            query = text("SELECT has_table_privilege(current_user, :t, :p)")
            return bool(conn.execute(query, {"t": table, "p": privilege}).scalar())

        assert not can("booking.access_log", "UPDATE")
        assert not can("booking.access_log", "DELETE")
        assert can("booking.rules", "SELECT")
        assert not can("booking.rules", "UPDATE")
