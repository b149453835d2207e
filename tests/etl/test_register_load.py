"""Loading register extracts (resident-extract.md): encodings, dates, columns, .end, order, history."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.register import ExtractFile, Resident, ResidentVersion
from core.services.audit import Actor
from core.services.register import history, resident_as_of
from etl.load import LoadOutcome, load_file
from tests.etl.register_files import csv_text, foreigner, person, write_extract
from tests.factories import JST

ETL = Actor("etl:test", role="etl")


def load(session: Session, path: Path, **kwargs: bool) -> LoadOutcome:
    return load_file(session, path, ETL, **kwargs)


def resident(session: Session, n: int) -> Resident:
    found = session.get(Resident, f"{100000 + n}", populate_existing=True)
    assert found is not None
    return found


def messages(outcome: LoadOutcome) -> list[str]:
    return [str(error) for error in outcome.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-bom", "cp932"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_loads_every_encoding_with_crlf_or_lf(
    session: Session, tmp_path: Path, encoding: str, newline: str
) -> None:
    rows = [
        person(1),
        person(
            2, name="髙橋\u3000花子", name_kana="タカハシ\u3000ハナコ", address_extra="パーク辻堂 305号室"
        ),
    ]
    path = write_extract(
        tmp_path,
        rows,
        encoding="utf-8" if encoding == "utf-8-bom" else encoding,
        bom=encoding == "utf-8-bom",
        newline=newline,
    )
    outcome = load(session, path)
    assert outcome.status == "loaded", messages(outcome)
    assert outcome.encoding == {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "cp932": "cp932"}[encoding]
    assert resident(session, 2).name == "髙橋\u3000花子"
    assert resident(session, 2).address_extra == "パーク辻堂 305号室"
    assert resident(session, 1).postal_code == "2518601"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-10-10", date(1985, 10, 10)),
        ("19851010", date(1985, 10, 10)),
        ("3601010", date(1985, 10, 10)),  # 昭和60年10月10日
        ("3640107", date(1989, 1, 7)),  # last day of 昭和
        ("4010108", date(1989, 1, 8)),  # first day of 平成
        ("4310430", date(2019, 4, 30)),  # last day of 平成
        ("5010501", date(2019, 5, 1)),  # first day of 令和
        ("1450729", date(1912, 7, 29)),  # last day of 明治
        ("2010730", date(1912, 7, 30)),  # first day of 大正
        ("2000-02-29", date(2000, 2, 29)),
    ],
)
def test_reads_each_date_form(session: Session, tmp_path: Path, text: str, expected: date) -> None:
    outcome = load(session, write_extract(tmp_path, [person(1, birth_date=text)]))
    assert outcome.status == "loaded", messages(outcome)
    assert resident(session, 1).birth_date == expected


def test_keeps_unknown_date_parts_without_inventing_a_day(session: Session, tmp_path: Path) -> None:
    rows = [
        person(1, birth_date="1950-00-00"),
        person(2, birth_date="19500300"),
        person(3, birth_date="3250000"),
    ]
    outcome = load(session, write_extract(tmp_path, rows))
    assert outcome.status == "loaded", messages(outcome)
    first, second, third = resident(session, 1), resident(session, 2), resident(session, 3)
    assert (first.birth_year, first.birth_month, first.birth_day, first.birth_date) == (
        1950,
        None,
        None,
        None,
    )
    assert (second.birth_year, second.birth_month, second.birth_day, second.birth_date) == (
        1950,
        3,
        None,
        None,
    )
    assert (third.birth_year, third.birth_month, third.birth_date) == (1950, None, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2001-02-29", "うるう年ではない"),
        ("3640108", "昭和の期間"),  # 昭和64年1月8日 is 平成
        ("4010107", "平成の期間"),
        ("4310501", "平成の期間"),
        ("5010430", "令和の期間"),
        ("1450730", "明治の期間"),
        ("1985-13-01", "月(13)"),
        ("85-10-10", "形式"),
        ("6010101", "元号コード"),
    ],
)
def test_refuses_an_impossible_date_and_says_where(
    session: Session, tmp_path: Path, text: str, reason: str
) -> None:
    outcome = load(session, write_extract(tmp_path, [person(1), person(2, birth_date=text)]))
    assert outcome.status == "rejected"
    [error] = outcome.errors
    assert (error.line, error.column, error.value) == (3, "birth_date", text)
    assert reason in error.reason_ja
    assert error.reason_en
    assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_keeps_gaiji_byte_exact_and_flags_the_person(session: Session, tmp_path: Path) -> None:
    name = "\ue000田\u3000\ue010介"  # 𠮷田 祐介 with private-use code points
    path = write_extract(
        tmp_path, [person(1, name=name, name_kana="ヨシダ\u3000ユウスケ"), person(2)], encoding="cp932"
    )
    outcome = load(session, path)
    assert outcome.status == "loaded", messages(outcome)
    assert resident(session, 1).name.encode("utf-8") == name.encode("utf-8")
    assert resident(session, 1).has_gaiji is True
    assert resident(session, 2).has_gaiji is False


def test_reads_columns_in_any_order_and_reports_unknown_extra_columns_once(
    session: Session, tmp_path: Path
) -> None:
    columns = [*reversed(list(person(1))), "biko", "internal_flag"]
    outcome = load(session, write_extract(tmp_path, [person(1), person(2)], columns=columns))
    assert outcome.status == "loaded", messages(outcome)
    assert outcome.ignored_columns == ["biko", "internal_flag"]
    assert resident(session, 1).name == "藤沢\u3000太郎"


def test_refuses_a_file_missing_a_required_column(session: Session, tmp_path: Path) -> None:
    columns = [c for c in person(1) if c not in ("juminhyo_code", "sex")]
    outcome = load(session, write_extract(tmp_path, [person(1)], columns=columns))
    assert outcome.status == "rejected"
    assert {(e.column, e.reason_en) for e in outcome.errors} == {
        ("juminhyo_code", "a required column is missing"),
        ("sex", "a required column is missing"),
    }


@pytest.mark.parametrize("column", ["個人番号", "kojin_bango", "my_number"])
def test_refuses_a_file_with_an_individual_number_column_without_reading_it(
    session: Session, tmp_path: Path, column: str
) -> None:
    row = person(1) | {column: "123456789018"}
    outcome = load(session, write_extract(tmp_path, [row], columns=[*person(1), column]))
    assert outcome.status == "rejected"
    [error] = outcome.errors
    assert error.column == column
    assert "個人番号" in error.reason_ja
    assert all("123456789018" not in message for message in messages(outcome))
    assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_reports_every_error_with_line_column_value_and_reason(session: Session, tmp_path: Path) -> None:
    rows = [
        person(1),
        person(2, sex="3"),
        person(3, juminhyo_code="123", name_kana="ふじさわ\u3000たろう"),
        person(4),
        person(5, move_reason="Z09", updated_at="2026-11-01 25:00:00"),
    ]
    outcome = load(session, write_extract(tmp_path, rows))
    assert outcome.status == "rejected"
    found = [(e.line, e.column, e.value) for e in outcome.errors]
    assert found == [
        (3, "sex", "3"),
        (4, "juminhyo_code", "123"),
        (4, "name_kana", "ふじさわ\u3000たろう"),
        (6, "move_reason", "Z09"),
        (6, "updated_at", "2026-11-01 25:00:00"),
    ]
    assert all(e.reason_ja and e.reason_en for e in outcome.errors)
    assert "3行目 性別(sex)「3」" in messages(outcome)[0]


def test_refuses_a_duplicate_atena_no_naming_both_lines(session: Session, tmp_path: Path) -> None:
    rows = [person(1), person(2), person(3, atena_no="100001")]
    outcome = load(session, write_extract(tmp_path, rows))
    assert outcome.status == "rejected"
    [error] = outcome.errors
    assert (error.line, error.column, error.value) == (4, "atena_no", "100001")
    assert "2行目と重複" in error.reason_ja


def test_refuses_a_truncated_file_by_count_and_hash(session: Session, tmp_path: Path) -> None:
    full = csv_text([person(1), person(2), person(3)]).encode()
    path = write_extract(tmp_path, [person(1), person(2), person(3)], data=full)
    path.write_bytes(full[: full.rindex(b"\r\n", 0, len(full) - 2) + 2])  # the last line never arrived
    outcome = load(session, path)
    assert outcome.status == "rejected"
    reasons = " ".join(e.reason_en for e in outcome.errors)
    assert "record count" in reasons
    assert "SHA-256" in reasons
    assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_never_reads_a_data_file_without_its_end_flag(session: Session, tmp_path: Path) -> None:
    outcome = load(session, write_extract(tmp_path, [person(1)], end=False))
    assert outcome.status == "rejected"
    assert "completion flag" in outcome.errors[0].reason_en
    assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_refuses_an_older_file_after_a_newer_one(session: Session, tmp_path: Path) -> None:
    newer = write_extract(tmp_path, [person(1)], name="resident_20261102_full.csv")
    older = write_extract(
        tmp_path, [person(1, address="神奈川県藤沢市鵠沼1番地")], name="resident_20261101_delta.csv"
    )
    assert load(session, newer).status == "loaded"
    outcome = load(session, older)
    assert outcome.status == "rejected"
    assert "date order" in outcome.errors[0].reason_en
    assert resident(session, 1).address == "神奈川県藤沢市朝日町1番1号"


def test_loading_the_same_file_twice_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_extract(tmp_path, [person(1), person(2)])
    assert load(session, path).status == "loaded"
    versions = session.scalar(select(func.count()).select_from(ResidentVersion))
    again = load(session, path)
    assert again.status == "already_loaded"
    assert again.summary is not None
    assert again.summary.already_loaded_as == path.name
    assert session.scalar(select(func.count()).select_from(ResidentVersion)) == versions
    assert session.scalar(select(func.count()).select_from(ExtractFile)) == 1


def test_a_delta_with_the_same_content_counts_people_as_unchanged(session: Session, tmp_path: Path) -> None:
    assert load(session, write_extract(tmp_path, [person(1), person(2)])).status == "loaded"
    delta = write_extract(tmp_path, [person(1)], name="resident_20261102_delta.csv")
    outcome = load(session, delta)
    assert outcome.summary is not None
    assert (outcome.summary.new, outcome.summary.changed, outcome.summary.unchanged) == (0, 0, 1)


def test_dry_run_reports_the_summary_and_changes_nothing(session: Session, tmp_path: Path) -> None:
    outcome = load(
        session,
        write_extract(tmp_path, [person(1), person(2, resident_status=3, move_reason="B03")]),
        dry_run=True,
    )
    assert outcome.status == "dry_run"
    assert outcome.summary is not None
    assert (outcome.summary.new, outcome.summary.removed) == (1, 1)
    assert session.scalar(select(func.count()).select_from(Resident)) == 0
    assert session.scalar(select(func.count()).select_from(ExtractFile)) == 0


def test_history_shows_the_record_as_of_a_past_date(session: Session, tmp_path: Path) -> None:
    first = write_extract(tmp_path, [person(1, updated_at="2026-10-01 09:00:00")])
    moved = person(
        1,
        address="神奈川県藤沢市鵠沼海岸3丁目5番2号",
        area_code="020300",
        move_reason="C01",
        move_date="2026-11-01",
        notified_date="2026-11-02",
        updated_at="2026-11-02 10:30:00",
    )
    delta = write_extract(tmp_path, [moved], name="resident_20261102_delta.csv")
    assert load(session, first).status == "loaded"
    outcome = load(session, delta)
    assert outcome.summary is not None
    assert outcome.summary.by_reason == {("changed", "C01"): 1}
    before = resident_as_of(session, "100001", datetime(2026, 10, 15, tzinfo=JST))
    after = resident_as_of(session, "100001", datetime(2026, 11, 3, tzinfo=JST))
    assert before is not None
    assert before.address == "神奈川県藤沢市朝日町1番1号"
    assert after is not None
    assert after.address == "神奈川県藤沢市鵠沼海岸3丁目5番2号"
    assert resident_as_of(session, "100001", datetime(2026, 9, 1, tzinfo=JST)) is None
    versions = history(session, "100001")
    assert [v.change_kind for v in versions] == ["new", "changed"]
    assert versions[0].valid_to == versions[1].valid_from
    assert versions[1].valid_to is None  # the current version is the residents row ...
    assert [v.version for v in session.scalars(select(ResidentVersion))] == [1]  # ... the table the older
    assert versions[1].changed_columns is not None
    assert "address" in versions[1].changed_columns


def test_foreign_resident_fields_are_required_and_refused_for_japanese(
    session: Session, tmp_path: Path
) -> None:
    rows = [foreigner(1), foreigner(2, residence_expiry=""), person(3, nationality="日本")]
    outcome = load(session, write_extract(tmp_path, rows))
    assert [(e.line, e.column) for e in outcome.errors] == [(3, "residence_expiry"), (4, "nationality")]


def test_loads_a_generated_extract_end_to_end(session: Session, tmp_path: Path) -> None:
    from demo.synth import generate

    summary = generate(tmp_path, scale=0.005, seed=7, as_of=date(2026, 11, 26))
    path = tmp_path / "resident_20261126_full.csv"
    outcome = load(session, path)
    assert outcome.status == "loaded", messages(outcome)[:5]
    assert outcome.encoding == "cp932"
    assert outcome.summary is not None
    assert outcome.summary.new + outcome.summary.removed == summary.residents + summary.removed
    assert session.scalar(
        select(func.count()).select_from(Resident).where(Resident.resident_status == 1)
    ) == (summary.residents)


def test_counts_lines_right_when_a_quoted_field_holds_a_line_break(session: Session, tmp_path: Path) -> None:
    rows = [person(1, address_extra="コーポ藤沢\n201号室"), person(2, sex="0")]
    outcome = load(session, write_extract(tmp_path, rows))
    [error] = outcome.errors
    assert (error.line, error.column) == (4, "sex")


def test_refuses_a_row_with_too_many_fields_and_says_which_line(session: Session, tmp_path: Path) -> None:
    text = csv_text([person(1), person(2)]).replace("2010-04-05 10:00:00\r\n", "2010-04-05 10:00:00,x\r\n", 1)
    outcome = load(session, write_extract(tmp_path, [person(1), person(2)], data=text.encode()))
    assert outcome.status == "rejected"
    assert "line 2" in outcome.errors[0].reason_en


def test_refuses_bytes_that_are_neither_utf8_nor_cp932(session: Session, tmp_path: Path) -> None:
    data = csv_text([person(1)]).encode("cp932") + b"\x85\xff\r\n"
    outcome = load(session, write_extract(tmp_path, [person(1)], data=data))
    assert outcome.status == "rejected"
    assert "CP932" in outcome.errors[0].reason_ja
