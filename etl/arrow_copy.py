"""COPY Arrow tables into PostgreSQL, part by part, while the next part is made.

PostgreSQL reads COPY's binary format faster than csv (no field splitting, no text parsing of dates,
numbers and timestamps), and pgpq encodes Arrow to it faster than Arrow writes csv. Each column is cast to
the Arrow type of its target column first (a text "1" to int16 for a smallint, "… +09" to a timestamp);
a value that does not cast raises pa.ArrowInvalid, as PostgreSQL would refuse it. A target with a column
type not mapped here gets csv, where PostgreSQL parses every value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TypeAlias

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pgpq import ArrowToPostgresBinaryEncoder
from psycopg.copy import QueuedLibpqWriter

Part: TypeAlias = pa.RecordBatch | pa.Table
Chunk: TypeAlias = pa.Buffer | bytes
ARROW_TYPES: dict[str, pa.DataType] = {
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "text": pa.string(),
    "character varying": pa.string(),
}


def binary_types(driver: psycopg.Connection, target: str, columns: list[str]) -> list[pa.DataType] | None:
    """The Arrow type of each target column; None when one has a type binary COPY is not set up for."""
    rows = driver.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (target,),
    ).fetchall()
    types = {name: ARROW_TYPES.get(re.sub(r"\(.*\)", "", kind)) for name, kind in rows}
    found = [types.get(column) for column in columns]
    return None if None in found else [kind for kind in found if kind is not None]


def _as_types(part: Part, columns: list[str], types: list[pa.DataType]) -> list[pa.RecordBatch]:
    """PART's COLUMNS cast to TYPES, as record batches."""
    arrays = [part.column(name) for name in columns]
    arrays = [a if a.type == kind else pc.cast(a, kind) for a, kind in zip(arrays, types, strict=True)]
    batches: list[pa.RecordBatch] = pa.Table.from_arrays(arrays, names=columns).to_batches()
    return batches


def _binary(parts: Iterator[Part], columns: list[str], types: list[pa.DataType]) -> Iterator[Chunk]:
    encoder = ArrowToPostgresBinaryEncoder(pa.schema(list(zip(columns, types, strict=True))))
    yield encoder.write_header()
    for part in parts:
        for batch in _as_types(part, columns, types):
            yield encoder.write_batch(batch)
    yield encoder.finish()


def _csv(parts: Iterator[Part], columns: list[str]) -> Iterator[Chunk]:
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for part in parts:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(part.select(columns), sink, options)
        yield sink.getvalue()


def copy_parts(
    driver: psycopg.Connection,
    target: str,
    columns: Iterable[str],
    parts: Iterable[Part],
    *,
    freeze: bool = False,
) -> None:
    """COPY the parts' COLUMNS into TARGET, sent by a background thread while the next part is made.

    The parts hold NULL where the target is to hold NULL (an empty text stays an empty text). FREEZE writes
    the rows frozen, legal when TARGET was truncated in this (sub)transaction."""
    names = list(columns)
    types = binary_types(driver, target, names)
    form = "binary" if types is not None else "csv"
    sql = f"COPY {target} ({', '.join(names)}) FROM STDIN (FORMAT {form}{', FREEZE' if freeze else ''})"
    chunks = _binary(iter(parts), names, types) if types is not None else _csv(iter(parts), names)
    with driver.cursor() as cursor, cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for chunk in chunks:
            copy.write(chunk)
