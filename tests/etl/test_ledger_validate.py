"""Ledger export checks: every broken rule refuses the whole file with line, column, value and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.ledger import LedgerError, LedgerRejected
from etl.ledger_migrate import checked_ledger
from tests.etl.ledger_files import ledger_row, write_ledger


def _errors(path: Path) -> list[LedgerError]:
    with pytest.raises(LedgerRejected) as caught:
        checked_ledger(path)
    return caught.value.errors


def test_a_valid_file_passes_in_cp932_and_utf8(tmp_path: Path) -> None:
    rows = [ledger_row("0000000001"), ledger_row("0000000002", hold="1", hold_reason="入院")]
    assert checked_ledger(write_ledger(tmp_path / "cards_20261126.csv", rows)).rows == 2
    utf8 = write_ledger(tmp_path / "cards_20261127.csv", rows, encoding="utf-8")
    assert checked_ledger(utf8).encoding == "utf-8"


def test_an_unknown_state_code_is_reported_with_line_column_and_value(tmp_path: Path) -> None:
    rows = [ledger_row("0000000001"), ledger_row("0000000002", state="handed")]
    [error] = _errors(write_ledger(tmp_path / "cards_20261126.csv", rows))
    assert (error.line, error.column, error.value) == (3, "state", "handed")
    assert "使えないコード" in error.reason_ja
    assert "unknown code" in error.reason_en


@pytest.mark.parametrize(
    ("value", "reason_en"),
    [("2026-02-30", "not a date"), ("2026/01/05", "not a date"), ("2023-02-29", "not a date")],
)
def test_impossible_or_misformatted_dates_are_refused(tmp_path: Path, value: str, reason_en: str) -> None:
    rows = [ledger_row("0000000001", revoked_on=value, state="revoked", revoke_reason="返納")]
    errors = _errors(write_ledger(tmp_path / "cards_20261126.csv", rows))
    assert [(e.line, e.column, e.value) for e in errors] == [(2, "revoked_on", value)]
    assert reason_en in errors[0].reason_en


def test_dates_out_of_order_are_refused(tmp_path: Path) -> None:
    rows = [ledger_row("0000000001", handed_over_on="2020-05-01")]
    [error] = _errors(write_ledger(tmp_path / "cards_20261126.csv", rows))
    assert (error.column, error.value) == ("handed_over_on", "2020-05-01")
    assert "交付通知日より前" in error.reason_ja


@pytest.mark.parametrize("notice", ["E5H000001", "e5h-000001", "E5Q-000001", "E5H-00001"])
def test_a_malformed_notice_number_is_refused(tmp_path: Path, notice: str) -> None:
    [error] = _errors(
        write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001", notice_no=notice)])
    )
    assert (error.line, error.column, error.value) == (2, "notice_no", notice)


def test_a_duplicate_card_id_is_refused_on_its_second_line(tmp_path: Path) -> None:
    rows = [
        ledger_row("0000000001"),
        ledger_row("0000000002"),
        ledger_row("0000000001", notice_no="E5H-000099"),
    ]
    [error] = _errors(write_ledger(tmp_path / "cards_20261126.csv", rows))
    assert (error.line, error.column, error.value) == (4, "card_id", "0000000001")
    assert "重複" in error.reason_ja


def test_a_revoked_card_needs_a_reason_and_others_must_not_have_one(tmp_path: Path) -> None:
    rows = [ledger_row("0000000001", state="revoked"), ledger_row("0000000002", revoke_reason="返納")]
    errors = _errors(write_ledger(tmp_path / "cards_20261126.csv", rows))
    assert [(e.line, e.column) for e in errors] == [(2, "revoke_reason"), (3, "revoke_reason")]


def test_a_row_count_that_differs_from_the_end_flag_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cards_20261126.csv"
    write_ledger(path, [ledger_row("0000000001")])
    digest = path.with_name(path.name + ".end").read_text().split(",")[1]
    path.with_name(path.name + ".end").write_text(f"2,{digest}")
    [error] = _errors(path)
    assert "完了ファイルの件数" in error.reason_ja
    assert "completion flag says 2" in error.reason_en


def test_a_truncated_file_fails_the_hash_check(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001"), ledger_row("0000000002")])
    path.write_bytes(path.read_bytes()[:-40])
    [error] = _errors(path)
    assert "SHA-256" in error.reason_ja
    assert "truncated" in error.reason_en


def test_a_missing_end_flag_refuses_the_file(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001")])
    path.with_name(path.name + ".end").unlink()
    [error] = _errors(path)
    assert "cards_20261126.csv.end" in error.reason_ja


def test_missing_and_extra_columns_are_refused_including_an_individual_number(tmp_path: Path) -> None:
    from core.domain.ledger import COLUMNS

    columns = (*[c for c in COLUMNS if c != "office"], "kojin_bango")
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001")], columns=columns)
    errors = _errors(path)
    assert {(e.line, e.column) for e in errors} == {(1, "office"), (1, "kojin_bango")}


def test_a_row_with_too_few_fields_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001"), ledger_row("0000000002")])
    data = path.read_bytes().replace(b",0,,valid", b",valid", 1)
    import hashlib

    path.write_bytes(data)
    path.with_name(path.name + ".end").write_text(f"2,{hashlib.sha256(data).hexdigest()}")
    [error] = _errors(path)
    assert error.line == 2
    assert "fields" in error.reason_en


def test_bytes_that_are_neither_utf8_nor_cp932_are_refused_with_the_line(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001"), ledger_row("0000000002")])
    data = path.read_bytes().replace(b"0000000002", b"00000000\x82\xff", 1)
    import hashlib

    path.write_bytes(data)
    path.with_name(path.name + ".end").write_text(f"2,{hashlib.sha256(data).hexdigest()}")
    [error] = _errors(path)
    assert error.line == 3
    assert "decode" in error.reason_en


def test_a_certificate_expiring_before_its_issue_is_a_warning_not_a_refusal(tmp_path: Path) -> None:
    from etl.ledger_validate import ledger_warnings

    row = ledger_row("0000000001", sign_cert_issued_on="2024-10-12", sign_cert_expires_on="2024-10-10")
    ledger = checked_ledger(write_ledger(tmp_path / "cards_20261126.csv", [row]))
    [warning] = ledger_warnings(ledger)
    assert (warning.line, warning.column, warning.value) == (2, "sign_cert_expires_on", "2024-10-10")
