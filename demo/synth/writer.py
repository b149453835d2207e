"""Writing the files: RFC 4180 CSV with CRLF line ends, CP932 or UTF-8, and the `.end` completion flag."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from core.domain.register import end_file_name, end_line

CHUNK_ROWS = 20_000
Progress = Callable[[str, int, int], None]


def write_csv(
    path: Path,
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    *,
    encoding: str,
    task: str,
    progress: Progress | None = None,
) -> tuple[int, str]:
    """Write the header and the rows (given column-wise), then `<path>.end`; return (rows, sha256 hex).

    The `.end` flag is written last, as the city's system does, so a reader never sees a half file as done.
    """
    n = len(columns[0]) if columns else 0
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for start in range(0, n, CHUNK_ROWS) if n else [0]:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            if start == 0:
                writer.writerow(header)
            writer.writerows(zip(*(column[start : start + CHUNK_ROWS] for column in columns), strict=True))
            data = buffer.getvalue().encode(encoding)  # strict: a character the encoding lacks is a bug
            digest.update(data)
            out.write(data)
            if progress:
                progress(task, min(start + CHUNK_ROWS, n), n)
    hex_digest = digest.hexdigest()
    path.with_name(end_file_name(path.name)).write_bytes((end_line(n, hex_digest) + "\r\n").encode("ascii"))
    return n, hex_digest
