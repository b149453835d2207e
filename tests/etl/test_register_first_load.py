"""The first full load into an empty register (etl.first_load): same outcome as the merge, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from core.domain.register import STORED_COLUMNS
from core.services.audit import Actor
from etl import first_load, first_load_stream
from etl.load import LoadOutcome, load_file
from tests.conftest import rolled_back
from tests.etl.register_files import csv_text, foreigner, person, write_extract

ETL = Actor("etl:test", role="etl")
HISTORY = ", ".join((*STORED_COLUMNS, "version", "valid_from", "valid_to", "change_kind", "changed_columns"))


@pytest.fixture
def fast_path_taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """What each call of the first-load path answered (True: it loaded the file)."""
    answers: list[bool] = []
    original = first_load.try_first_load

    def spy(*args: Any, **kwargs: Any) -> bool:
        answers.append(original(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(first_load, "try_first_load", spy)
    return answers


def register_rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a load writes to the register, without ids and timestamps of the load itself."""
    return {
        "residents": list(
            conn.execute(
                text(
                    f"SELECT {', '.join(STORED_COLUMNS)}, source_line, version, valid_from, change_kind,"
                    " changed_columns, recorded_by FROM register.residents ORDER BY atena_no"
                )
            )
        ),
        "versions": list(
            conn.execute(
                text(f"SELECT {HISTORY}, source_line FROM register.resident_versions ORDER BY atena_no")
            )
        ),
        "households": list(
            conn.execute(text("SELECT household_no, head_atena_no FROM register.households ORDER BY 1"))
        ),
    }


def register_schema(conn: Connection) -> list[tuple[Any, ...]]:
    """The indexes and constraints of the register tables, as the catalog has them."""
    indexes = conn.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'register' ORDER BY 1")
    )
    constraints = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint"
            " WHERE connamespace = 'register'::regnamespace ORDER BY 1"
        )
    )
    return [*indexes, *constraints]


def varied_rows() -> list[dict[str, str]]:
    """People exercising every conversion: 外字, 不詳 and 和暦 dates, foreigners, B codes, odd characters."""
    return [
        person(1, name="\ue000田\u3000太郎", relation="世帯主", household_no="9001"),
        person(2, relation="妻", household_no="9001", birth_date="3550300", common_name="通称\\名"),
        person(
            3, birth_date="1950-00-00", address='神奈川県藤沢市朝日町1番1号,"別棟"', postal_code="2518601"
        ),
        person(4, resident_status=3, move_reason="B03", relation="世帯主", household_no="9002"),
        foreigner(5, residence_status="永住者", residence_expiry=""),
        foreigner(6, address_extra="ハイツ\ue123\t2号", notified_date=""),
        person(7, birth_date="20000229", move_reason="C01", move_date="5070401"),
    ]


# 16,000 characters: the synthetic file in ~12 blocks (from 1,000 on); 1: every line a block of its own
@pytest.mark.parametrize("block_chars", [first_load_stream.BLOCK_CHARS, 16_000, 1])
def test_a_first_load_writes_what_the_merge_writes(
    engine: Engine,
    app_engine: Engine,
    tmp_path: Path,
    fast_path_taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    block_chars: int,
) -> None:
    from demo.synth import generate

    monkeypatch.setattr(first_load_stream, "BLOCK_CHARS", block_chars)
    monkeypatch.setattr(first_load_stream, "FIRST_BLOCK_CHARS", 1_000)  # blocks of 1,000, 2,000, … on

    generate(tmp_path, scale=0.002, seed=5, as_of=date(2026, 11, 26))
    synthetic = tmp_path / "resident_20261126_full.csv"
    handmade = write_extract(tmp_path, varied_rows())
    for path in (synthetic, handmade):
        with rolled_back(app_engine) as conn:  # not the owner: the merge path
            with Session(bind=conn) as session:
                merged = load_file(session, path, ETL)
            expected = register_rows(conn)
        with rolled_back(engine) as conn:  # the owner, on an empty register: the first-load path
            with Session(bind=conn) as session:
                loaded = load_file(session, path, ETL)
            assert register_rows(conn) == expected
        assert (merged.status, loaded.status) == ("loaded", "loaded")
        assert merged.summary
        assert loaded.summary
        assert (loaded.summary.new, loaded.summary.removed) == (merged.summary.new, merged.summary.removed)
        assert loaded.summary.by_reason == merged.summary.by_reason
    assert fast_path_taken == [False, True, False, True]


def test_the_first_load_keeps_gaiji_byte_exact_and_marks_the_person(
    session: Session, tmp_path: Path, fast_path_taken: list[bool]
) -> None:
    path = write_extract(tmp_path, varied_rows(), encoding="utf-8")
    assert load_file(session, path, ETL).status == "loaded"
    assert fast_path_taken == [True]
    rows = session.execute(
        text("SELECT atena_no, name, address_extra, has_gaiji FROM register.residents ORDER BY 1")
    ).all()
    assert rows[0][1].encode() == "\ue000田\u3000太郎".encode()
    assert rows[5][2] == "ハイツ\ue123\t2号"
    assert [row[3] for row in rows] == [True, False, False, False, False, True, False]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"name_kana": "ふじさわ\u3000たろう"},
            "8行目 氏名カナ(name_kana)「ふじさわ\u3000たろう」",
        ),  # only the check
        ({"sex": "5"}, "8行目 性別(sex)「5」"),  # a CHECK constraint refuses it during the COPY
        ({"sex": "男"}, "8行目 性別(sex)「男」"),  # no smallint: the COPY's cast refuses it
        ({"birth_date": "1990-02-30"}, "8行目 生年月日(birth_date)「1990-02-30」"),  # NULL birth year
        ({"atena_no": "100001"}, "8行目 宛名番号(atena_no)「100001」"),  # a duplicate of line 2
    ],
)
@pytest.mark.parametrize("block_chars", [first_load_stream.BLOCK_CHARS, 1])  # 1: the bad row a block alone
def test_a_bad_last_row_leaves_the_empty_register_empty_with_its_indexes(
    connection: Connection,
    tmp_path: Path,
    fast_path_taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    bad: dict[str, str],
    message: str,
    block_chars: int,
) -> None:
    monkeypatch.setattr(first_load_stream, "BLOCK_CHARS", block_chars)
    schema = register_schema(connection)
    rows = [*varied_rows()[:6], person(7, **bad)]
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        outcome: LoadOutcome = load_file(session, write_extract(tmp_path, rows), ETL)
    assert outcome.status == "rejected"
    assert any(str(error).startswith(message) for error in outcome.errors), outcome.errors
    assert register_rows(connection) == {"residents": [], "versions": [], "households": []}
    assert connection.scalar(text("SELECT count(*) FROM register.extract_files")) == 0
    assert register_schema(connection) == schema
    assert fast_path_taken == [False]


def test_a_record_spanning_lines_in_the_last_block_is_loaded_by_the_sql_path(
    session: Session, tmp_path: Path, fast_path_taken: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(first_load_stream, "BLOCK_CHARS", 1)  # every line a block of its own
    people = [*varied_rows()[:6], person(7, address_extra="ハイツ\r\n2号")]
    outcome = load_file(session, write_extract(tmp_path, people), ETL)
    assert outcome.status == "loaded", outcome.errors
    assert fast_path_taken == [False]  # one record on two lines: line numbers need the SQL path's mapping
    stored = session.execute(text("SELECT address_extra, source_line FROM register.residents"))
    assert ("ハイツ\r\n2号", 8) in list(stored)


@pytest.mark.parametrize(
    ("eighth_row", "reason"),
    [
        ("{row},extra", "CSV として読めません"),  # a row of the wrong width: COPY refuses it
        ("{row}", "件数が完了ファイルと合いません(完了ファイル 7 件、データ 8 件"),  # one more than the .end
    ],
)
def test_a_last_block_arrow_cannot_take_is_rejected_by_the_sql_path(
    connection: Connection,
    tmp_path: Path,
    fast_path_taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    eighth_row: str,
    reason: str,
) -> None:
    monkeypatch.setattr(first_load_stream, "BLOCK_CHARS", 1)  # every line a block of its own
    people = [*varied_rows()[:6], person(7)]
    row = csv_text([person(8)]).splitlines()[1]
    data = csv_text(people) + eighth_row.format(row=row) + "\r\n"
    path = write_extract(tmp_path, people, data=data.encode(), end_count=7)
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        outcome = load_file(session, path, ETL)
    assert outcome.status == "rejected"
    assert fast_path_taken == [False]
    assert any(reason in str(error) for error in outcome.errors), outcome.errors
    assert register_rows(connection) == {"residents": [], "versions": [], "households": []}


def test_text_blocks_end_at_line_ends_and_cover_the_text() -> None:
    text = "header\r\nab\r\ncdef\r\n\r\ng"
    start = text.index("\n") + 1
    for size in (1, 2, 5, 9, 100):
        blocks = list(first_load_stream.text_blocks(text, start, size))
        assert "".join(blocks) == text[start:]
        assert all(block.endswith("\n") for block in blocks[:-1])
        assert all(len(block) >= min(size, len(block)) for block in blocks)
    assert list(first_load_stream.text_blocks(text, start, 1)) == ["ab\r\n", "cdef\r\n", "\r\n", "g"]
    # growing from 2 characters: ab\r\n (2), cdef\r\n (4), then 8: the rest
    assert list(first_load_stream.text_blocks(text, start, 8, 2)) == ["ab\r\n", "cdef\r\n", "\r\ng"]
    assert list(first_load_stream.text_blocks(text, len(text), 4)) == []


def test_a_dry_run_on_an_empty_register_counts_and_writes_nothing(
    connection: Connection, tmp_path: Path, fast_path_taken: list[bool]
) -> None:
    schema = register_schema(connection)
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        outcome = load_file(session, write_extract(tmp_path, varied_rows()), ETL, dry_run=True)
    assert outcome.status == "dry_run"
    assert outcome.summary is not None
    assert (outcome.summary.new, outcome.summary.removed) == (6, 1)
    assert fast_path_taken == [True]
    assert register_rows(connection)["residents"] == []
    assert register_schema(connection) == schema


def test_a_second_load_takes_the_merge_path(
    session: Session, tmp_path: Path, fast_path_taken: list[bool]
) -> None:
    assert load_file(session, write_extract(tmp_path, varied_rows()), ETL).status == "loaded"
    later = write_extract(tmp_path, [person(8)], name="resident_20261102_delta.csv")
    assert load_file(session, later, ETL).status == "loaded"
    assert fast_path_taken == [True, False]
    assert session.scalar(text("SELECT count(*) FROM register.residents")) == 8


def test_a_quote_inside_an_unquoted_field_leaves_the_file_to_postgresqls_reading(
    session: Session, tmp_path: Path, fast_path_taken: list[bool]
) -> None:
    # COPY opens a quoted part at any quote (ハイツ"A"棟 reads as ハイツA棟); Arrow would keep the quotes
    data = csv_text([person(1, address_extra="QUOTED")]).replace("QUOTED", 'ハイツ"A"棟').encode()
    path = write_extract(tmp_path, [person(1)], data=data)
    assert load_file(session, path, ETL).status == "loaded"
    assert fast_path_taken == [False]
    assert session.scalar(text("SELECT address_extra FROM register.residents")) == "ハイツA棟"


def test_a_file_of_no_rows_loads_by_the_first_load_path_and_adds_nobody(
    session: Session, tmp_path: Path, fast_path_taken: list[bool]
) -> None:
    outcome = load_file(session, write_extract(tmp_path, []), ETL)
    assert outcome.status == "loaded", outcome.errors
    assert outcome.summary is not None
    assert (outcome.summary.new, outcome.summary.removed) == (0, 0)
    assert fast_path_taken == [True]
    assert session.scalar(text("SELECT count(*) FROM register.residents")) == 0
    assert session.scalar(text("SELECT count(*) FROM register.extract_files")) == 1
