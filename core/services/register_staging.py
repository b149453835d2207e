"""The register load's temporary tables: their names and their DDL, in one place.

One load, in its caller's transaction, passes through these tables (each TEMP, ON COMMIT DROP):
- RAW: the file's rows as text, one column per header column, numbered by row_no (COPYed by etl.load);
- LINES: the line each row starts on, when quoted fields hold line breaks (else row N is on line N + 1);
- DATES: each distinct date text of the file, parsed once by the domain's rules;
- STAGE: the typed rows the merge reads (built from RAW by etl.load);
- DIFF: the people whose record the load changes (core.services.register's merge, or etl.first_load's
  leavers on a first load), which core.services.register_effects reads to act on cards.
Every other module imports these names; only this one writes their DDL.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

RAW = "register_raw"
LINES = "register_lines"
DATES = "register_dates"
STAGE = "register_stage"
DIFF = "register_diff"


def create_raw(session: Session, columns: Iterable[str]) -> None:
    """RAW with a text column for each of COLUMNS (RAW, LINES and DATES of an earlier try go first)."""
    session.execute(text(f"DROP TABLE IF EXISTS {RAW}, {LINES}, {DATES}"))
    session.execute(
        text(
            f"CREATE TEMP TABLE {RAW} ({', '.join(f'{name} text' for name in columns)},"
            " row_no integer GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP"
        )
    )


def create_lines(session: Session) -> None:
    """LINES: row_no -> the line the row starts on."""
    session.execute(
        text(f"CREATE TEMP TABLE {LINES} (row_no integer PRIMARY KEY, line integer) ON COMMIT DROP")
    )


def create_dates(session: Session) -> None:
    """DATES: a date text -> its parts, its ISO date (None when a part is 不詳) or why it is invalid."""
    session.execute(
        text(
            f"CREATE TEMP TABLE {DATES} (t text PRIMARY KEY, year int, month int, day int, iso date,"
            " error_ja text, error_en text) ON COMMIT DROP"
        )
    )


def create_stage(session: Session, select: str) -> None:
    """STAGE as the rows of SELECT (SQL over RAW and DATES); RAW is no longer needed and goes."""
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS {select}"))
    session.execute(text(f"DROP TABLE {RAW}"))


def create_diff(session: Session, select: str) -> None:
    """DIFF as the rows of SELECT: the people the load changes, with is_new, outcome and changed_columns."""
    session.execute(text(f"DROP TABLE IF EXISTS {DIFF}"))
    session.execute(text(f"CREATE TEMP TABLE {DIFF} ON COMMIT DROP AS {select}"))


def drop_all(session: Session) -> None:
    """Drop every staging table (before the commit, or for a dry run in a longer transaction)."""
    session.execute(text(f"DROP TABLE IF EXISTS {RAW}, {STAGE}, {DIFF}, {DATES}, {LINES}"))
