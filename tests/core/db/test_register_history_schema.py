"""Migration 0009: the current version moves into register.residents, the superseded ones stay in
resident_versions (no history lost, and back again on downgrade); its CHECKs refuse what the regexes did."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from core.db.embedded import ensure_database
from core.db.engine import make_engine
from core.db.migrate import downgrade, upgrade
from tests.conftest import recreate_database

PERSON = {
    "juminhyo_code": "12345678901",
    "household_no": "H1",
    "relation": "世帯主",
    "resident_kind": 1,
    "resident_status": 1,
    "name": "藤沢　太郎",
    "name_kana": "フジサワ　タロウ",
    "birth_year": 1970,
    "sex": 1,
    "postal_code": "2510001",
    "address": "藤沢市朝日町1番1号",
    "area_code": "010100",
    "move_reason": "A01",
    "move_date": "2000-01-01",
    "card_status": 0,
}


def _insert(conn: Connection, table: str, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    conn.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(f':{c}' for c in values)})"), values
    )


def _seed_two_versions(conn: Connection) -> None:
    """A person as the 0008 schema held them: version 1 (closed) and version 2 (current) in the history."""
    first = {**PERSON, "atena_no": "1", "updated_at": "2026-10-01 09:00+09", "change_kind": "new"}
    second = {**PERSON, "atena_no": "1", "address": "藤沢市鵠沼1番1号", "updated_at": "2026-11-02 10:00+09"}
    second |= {"change_kind": "changed", "changed_columns": "address", "move_reason": "C01"}
    _insert(
        conn,
        "register.residents",
        {k: v for k, v in second.items() if k not in ("change_kind", "changed_columns")} | {"version": 2},
    )
    for version, row, valid_to in ((1, first, "2026-11-02 10:00+09"), (2, second, None)):
        _insert(
            conn,
            "register.resident_versions",
            row
            | {"version": version, "valid_from": row["updated_at"], "valid_to": valid_to, "recorded_by": "t"},
        )


@pytest.fixture
def old_schema(server_url: URL) -> tuple[URL, Engine]:
    url = recreate_database(server_url, "mynadesk_history_migration")
    upgrade(url, "0008")
    return url, make_engine(url)


def test_upgrade_keeps_every_version_and_downgrade_gives_them_back(old_schema: tuple[URL, Engine]) -> None:
    url, engine = old_schema
    try:
        with engine.begin() as conn:
            _seed_two_versions(conn)
        upgrade(url, "0009")
        with engine.connect() as conn:
            current = conn.execute(
                text(
                    "SELECT version, change_kind, changed_columns, valid_from, recorded_by"
                    " FROM register.residents"
                )
            ).one()
            past = conn.execute(text("SELECT version, valid_to FROM register.resident_versions")).all()
        assert (current.version, current.change_kind, current.changed_columns) == (2, "changed", "address")
        assert current.recorded_by == "t"
        assert [row.version for row in past] == [1]
        assert past[0].valid_to == current.valid_from
        downgrade(url, "0008")
        with engine.connect() as conn:
            versions = conn.execute(
                text(
                    "SELECT version, change_kind, valid_to IS NULL FROM register.resident_versions ORDER BY 1"
                )
            ).all()
        assert [tuple(v) for v in versions] == [(1, "new", False), (2, "changed", True)]
    finally:
        engine.dispose()


CODES = {
    "juminhyo_code": (
        "'^[0-9]{11}$'",
        [
            "12345678901",
            "1234567890",
            "123456789012",
            "1234567890a",
            "１2345678901",
            "12345 67890",
            "",
            "1234567890\n",
        ],
    ),
    "postal_code": ("'^[0-9]{7}$'", ["2510001", "251-001", "25100011", "251000１", "+251000"]),
    "area_code": ("'^[0-9]{6}$'", ["010100", "01010", "0101000", "01010a", " 10100", "０10100"]),
    "move_reason": (
        "'^[ABC][0-9]{2}$'",
        ["A01", "B03", "C04", "D01", "a01", "A1", "A001", "AB1", "1A1", "A0１", "Ａ01", "A01 "],
    ),
}


@pytest.mark.parametrize("column", list(CODES))
def test_the_code_checks_refuse_exactly_what_the_old_regular_expressions_refused(
    engine: Engine, column: str
) -> None:
    pattern, samples = CODES[column]
    with engine.connect() as conn:
        check = conn.scalar(
            text(
                "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint"
                " WHERE conname = :name AND conrelid = 'register.residents'::regclass"
            ),
            {"name": f"ck_residents_{column}"},
        )
        assert check is not None
        assert "~" not in check
        for value in samples:
            new, old = conn.execute(
                text(f"SELECT {check}, {column} ~ {pattern} FROM (SELECT CAST(:v AS text) AS {column}) x"),
                {"v": value},
            ).one()
            assert new is old, (column, value, new, old)


def test_a_new_database_sorts_text_in_code_point_order_by_bytes(server_url: URL) -> None:
    """ensure_database creates with collation "C": names and kana sort as Python sorts str (code points)."""
    admin = server_url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS mynadesk_collation_test")
    ensure_database(admin, "mynadesk_collation_test")
    words = [
        "フジサワ",
        "ブジサワ",
        "ﾌｼﾞｻﾜ",
        "ふじさわ",
        "藤沢",
        "ヴィラ",
        "ウィラ",
        "ｳｨﾗ",
        "Zeta",
        "alpha",
        "ァ",
        "ア",
    ]
    target = server_url.set(drivername="postgresql", database="mynadesk_collation_test")
    with psycopg.connect(target.render_as_string(hide_password=False)) as conn:
        collation = conn.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        assert collation.fetchone() == ("C",)
        rows = conn.execute("SELECT w FROM unnest(%s::text[]) w ORDER BY w", (words,)).fetchall()
    assert [w for (w,) in rows] == sorted(words)
