"""etl.arrow_copy: Arrow parts COPYed into PostgreSQL (binary when every column type is mapped, else csv)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pyarrow as pa
import pytest
from sqlalchemy import Connection, text

from core.db.engine import psycopg_connection
from etl import arrow_copy
from etl.arrow_copy import copy_parts

PARTS = [
    pa.table(
        {
            "code": ["1", "2"],
            "name": ["藤沢\ue000", ""],
            "born": pa.array([date(1950, 2, 28), None], pa.date32()),
            "seen": ["2026-11-20 10:00:00+09", "2026-11-21 00:00:00+09"],
            "gaiji": [True, False],
            "line": pa.array([2, 3], pa.int32()),
        }
    ),
    pa.table(
        {
            "code": pa.array([None], pa.string()),
            "name": pa.array([None], pa.string()),
            "born": pa.array([date(2000, 2, 29)], pa.date32()),
            "seen": ["2027-01-01 09:00:00+09"],
            "gaiji": [False],
            "line": pa.array([4], pa.int32()),
        }
    ),
]
EXPECTED = [
    (1, "藤沢\ue000", date(1950, 2, 28), datetime(2026, 11, 20, 1, tzinfo=UTC), True, 2),
    (2, "", None, datetime(2026, 11, 20, 15, tzinfo=UTC), False, 3),  # an empty text stays empty
    (None, None, date(2000, 2, 29), datetime(2027, 1, 1, 0, tzinfo=UTC), False, 4),
]
COLUMNS = ("code", "name", "born", "seen", "gaiji", "line")


def _rows(connection: Connection, columns: str = ", ".join(COLUMNS)) -> list[tuple[Any, ...]]:
    connection.execute(text("SET LOCAL TIME ZONE 'UTC'"))
    return [tuple(row) for row in connection.execute(text(f"SELECT {columns} FROM copied ORDER BY line"))]


def test_parts_go_in_binary_cast_to_the_column_types(connection: Connection) -> None:
    connection.execute(
        text(
            "CREATE TEMP TABLE copied (code smallint, name varchar(10), born date, seen timestamptz,"
            " gaiji boolean, line integer)"
        )
    )
    assert arrow_copy.binary_types(psycopg_connection(connection), "copied", list(COLUMNS)) is not None
    copy_parts(psycopg_connection(connection), "copied", COLUMNS, iter(PARTS))
    assert _rows(connection) == EXPECTED


def test_a_column_type_not_mapped_sends_csv(connection: Connection) -> None:
    connection.execute(
        text(
            "CREATE TEMP TABLE copied (code numeric, name text, born date, seen timestamptz,"
            " gaiji boolean, line integer)"
        )
    )
    assert arrow_copy.binary_types(psycopg_connection(connection), "copied", list(COLUMNS)) is None
    copy_parts(psycopg_connection(connection), "copied", COLUMNS, iter(PARTS))
    expected = [(None if c is None else Decimal(c), *rest) for c, *rest in EXPECTED]
    assert _rows(connection) == expected


def test_a_value_that_does_not_cast_stops_the_copy(connection: Connection) -> None:
    connection.execute(text("CREATE TEMP TABLE copied (code smallint, line integer)"))
    bad = pa.table({"code": ["1", "男"], "line": pa.array([2, 3], pa.int32())})
    savepoint = connection.begin_nested()
    with pytest.raises(pa.ArrowInvalid):
        copy_parts(psycopg_connection(connection), "copied", ("code", "line"), [bad])
    savepoint.rollback()  # the COPY was cancelled: the transaction is in error until then
    assert connection.scalar(text("SELECT count(*) FROM copied")) == 0


def test_a_value_too_long_for_its_column_is_refused_by_postgresql(connection: Connection) -> None:
    connection.execute(text("CREATE TEMP TABLE copied (name varchar(3), line integer)"))
    long = pa.table({"name": ["藤沢市役所"], "line": pa.array([2], pa.int32())})
    savepoint = connection.begin_nested()
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        copy_parts(psycopg_connection(connection), "copied", ("name", "line"), [long])
    savepoint.rollback()
