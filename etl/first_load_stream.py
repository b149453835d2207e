"""The first full load's rows read block by block, so PostgreSQL's COPY starts within a block's time.

Reading the whole text with Arrow, converting it and only then sending it would leave PostgreSQL idle for
the whole parse. Here the text (after its header line) is cut at line ends into blocks (one record a line:
etl.fast_check refuses anything else); each block is parsed (etl.fast_check.parse_rows), handed to the row
checks on a worker thread and converted for the COPY while PostgreSQL writes the previous block. Whatever
needs the whole file (unique 宛名番号 / 住民票コード, the households, the summary) reads `whole()` once the
COPY has every row. A block that Arrow or the checks refuse, or a row count other than the `.end`'s, raises
NotFast: the COPY is cancelled, the loader rolls its savepoint back and takes the SQL path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future

import pyarrow as pa

from etl.fast_check import parse_rows, rows_clean, rows_start, unique_in_file
from etl.register_dates import Lookup, date_lookups

Convert = Callable[[pa.Table, int, dict[str, Lookup]], pa.Table]  # block, line of its first row, dates
FIRST_BLOCK_CHARS = 1 << 18  # characters of text in the first block (~1,600 rows of a typical extract)
BLOCK_CHARS = 1 << 23  # and at most in any block (~53,000 rows)


class NotFast(Exception):  # noqa: N818
    """The file is not one the first-load path may write: the SQL path finds and reports why."""


def text_blocks(text: str, start: int, size: int, first: int | None = None) -> Iterator[str]:
    """TEXT from START on, cut into blocks each ending at a line end (the last at the end of TEXT): the
    first of about FIRST characters (so that the COPY starts soon), each next one twice as long up to
    SIZE (larger blocks cost less: fewer distinct date texts counted twice, fewer calls)."""
    length = max(min(first or size, size), 1)
    while start < len(text):
        end = text.find("\n", start + length - 1) + 1 or len(text)
        yield text[start:end]
        start, length = end, min(length * 2, max(size, 1))


class BlockReader:
    """An extract's rows block by block: parsed, checked on POOL, converted by CONVERT (a block's table and
    the line of its first row -> the rows to COPY)."""

    def __init__(self, text: str, header: list[str], expected_rows: int, pool: Executor) -> None:
        self.text, self.header, self.expected_rows, self.pool = text, header, expected_rows, pool
        self.tables: list[pa.Table] = []
        self.checks: list[Future[bool]] = []

    def parts(self, convert: Convert) -> Iterator[pa.Table]:
        """The converted blocks in file order; raises NotFast as soon as the file is found unfit."""
        start = rows_start(self.text)
        if start is None:
            raise NotFast("header line")
        line = 2
        for block in text_blocks(self.text, start, BLOCK_CHARS, FIRST_BLOCK_CHARS):
            table = parse_rows(block, self.header)
            if table is None or self._refused():
                raise NotFast(f"block from line {line}")
            lookups = date_lookups(table)  # shared by the check and the conversion
            self.tables.append(table)
            self.checks.append(self.pool.submit(rows_clean, table, lookups))
            yield convert(table, line, lookups)
            line += table.num_rows
        if line - 2 != self.expected_rows:
            raise NotFast(f"{line - 2} rows, the .end says {self.expected_rows}")

    def _refused(self) -> bool:
        return any(check.done() and not check.result() for check in self.checks)

    def whole(self) -> pa.Table:
        """Every row read (all blocks, as one table)."""
        if not self.tables:  # a file of no rows
            empty = parse_rows("", self.header)
            assert empty is not None
            return empty
        return pa.concat_tables(self.tables)

    def clean(self) -> bool:
        """True when every block passed the row checks and the keys are unique in the whole file."""
        return all(check.result() for check in self.checks) and unique_in_file(self.whole())
