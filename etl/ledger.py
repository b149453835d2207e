"""Reading the card ledger export (data/README.md): bytes → decoded text → Arrow table of strings.

The file is checked against its `.end` flag, decoded (UTF-8 or CP932) and split into columns; every value
stays text here. `etl.ledger_validate` checks the values; `core.services.ledger_migration` loads the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from core.domain.errors import DomainError
from core.domain.ledger import COLUMN_LABELS_JA, COLUMNS
from core.domain.register import InvalidEndLine, end_file_name, parse_end_line

ENCODINGS = ("utf-8", "cp932")


@dataclass(frozen=True)
class LedgerError:
    """One problem in the file: where (line, column), the value, and why (Japanese and English)."""

    line: int | None
    column: str | None
    value: str | None
    reason_ja: str
    reason_en: str

    def describe(self) -> str:
        """`行 12 状態(state) 「foo」: …` in one line, Japanese first."""
        where = []
        if self.line is not None:
            where.append(f"{self.line}行目 / line {self.line}")
        if self.column is not None:
            where.append(f"{COLUMN_LABELS_JA.get(self.column, self.column)} ({self.column})")
        if self.value is not None:
            where.append(f"値 / value 「{self.value[:60]}」")
        return f"{' '.join(where)}: {self.reason_ja} / {self.reason_en}".lstrip(": ")


class LedgerRejected(DomainError):  # noqa: N818 - named for what happened
    """The file was refused as a whole; `errors` lists every problem found."""

    def __init__(self, file_name: str, errors: list[LedgerError]) -> None:
        super().__init__(
            f"{file_name} は {len(errors):,} 件の誤りがあるため取り込みませんでした"
            "(データベースは変更していません)",
            f"{file_name} was refused with {len(errors):,} error(s); the database was not changed",
        )
        self.file_name = file_name
        self.errors = errors


@dataclass(frozen=True)
class LedgerFile:
    """A ledger export whose `.end` flag, encoding and shape were checked."""

    path: Path
    encoding: str
    sha256: str
    header: tuple[str, ...]
    utf8: bytes  # the whole file as UTF-8, header included: what COPY reads
    table: pa.Table  # every column as text ("" when empty)
    warnings: list[LedgerError] = field(default_factory=list)  # reported, not refused

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return int(self.table.num_rows)


def _refuse(path: Path, reason_ja: str, reason_en: str, line: int | None = None) -> LedgerRejected:
    return LedgerRejected(path.name, [LedgerError(line, None, None, reason_ja, reason_en)])


def check_end_flag(path: Path, data: bytes) -> str:
    """Check `<file>.end` (row count and SHA-256) against DATA; return the digest. Raises LedgerRejected."""
    end = path.with_name(end_file_name(path.name))
    if not end.is_file():
        raise _refuse(
            path,
            f"完了ファイル {end.name} がありません。書き込み途中の可能性があります",
            f"the completion flag {end.name} is missing; the file may still be being written",
        )
    try:
        count, digest = parse_end_line(end.read_text(encoding="ascii", errors="replace"))
    except InvalidEndLine as error:
        raise _refuse(path, error.message_ja, error.message_en) from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise _refuse(
            path,
            f"SHA-256 が完了ファイルと一致しません(ファイル {actual[:12]}…、完了ファイル {digest[:12]}…)。"
            "ファイルが途中で切れているか変更されています",
            f"the SHA-256 does not match the completion flag (file {actual[:12]}…, flag {digest[:12]}…);"
            " the file is truncated or was changed",
        )
    rows = _count_records(data)
    if rows != count:
        raise _refuse(
            path,
            f"データ件数 {rows:,} が完了ファイルの件数 {count:,} と一致しません",
            f"the file holds {rows:,} data rows but the completion flag says {count:,}",
        )
    return actual


def _count_records(data: bytes) -> int:
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return max(lines - 1, 0)


def decode(path: Path, data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with (UTF-8 first, then CP932, unless ENCODING is given)."""
    last: UnicodeDecodeError | None = None
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as error:
            last = error
    assert last is not None
    line = data[: last.start].count(b"\n") + 1
    raise _refuse(
        path,
        f"文字コードを読めません({'、'.join((encoding,) if encoding else ENCODINGS)} のいずれでもありません)",
        f"cannot decode the file as {' or '.join((encoding,) if encoding else ENCODINGS)}",
        line,
    )


def check_header(path: Path, text: str) -> tuple[str, ...]:
    """The header's column names; refuses missing, extra or repeated columns."""
    first = text.split("\n", 1)[0].rstrip("\r").lstrip("\ufeff")
    header = tuple(next(csv.reader([first]), []))
    errors = []
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMN_LABELS_JA]
    repeated = sorted({c for c in header if header.count(c) > 1})
    for column in missing:
        errors.append(LedgerError(1, column, None, "列がありません", "the column is missing"))
    for column in extra:
        errors.append(LedgerError(1, column, None, "台帳にない列です", "not a column of the card ledger"))
    for column in repeated:
        errors.append(LedgerError(1, column, None, "列が重複しています", "the column appears twice"))
    if errors:
        raise LedgerRejected(path.name, errors)
    return header


def split_columns(path: Path, utf8: bytes, header: tuple[str, ...]) -> pa.Table:
    """Every row as text; rows with the wrong number of fields are refused with their line numbers."""
    bad: list[LedgerError] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        bad.append(
            LedgerError(
                row.number,
                None,
                row.text[:60],
                f"項目数が {row.actual_columns} です({row.expected_columns} 項目必要です)",
                f"the row has {row.actual_columns} fields; {row.expected_columns} are needed",
            )
        )
        return "skip"

    table = pa_csv.read_csv(
        io.BytesIO(utf8),
        read_options=pa_csv.ReadOptions(use_threads=False, skip_rows=1, column_names=list(header)),
        parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        ),
    )
    if bad:
        raise LedgerRejected(path.name, bad)
    return table


def read_ledger(path: Path, encoding: str | None = None) -> LedgerFile:
    """Read and check the file's frame: `.end` flag, encoding, header and row shape. Raises LedgerRejected."""
    data = path.read_bytes()
    digest = check_end_flag(path, data)
    text, used = decode(path, data, encoding)
    header = check_header(path, text)
    utf8 = text.encode("utf-8") if used != "utf-8" else data
    del text, data  # at scale 10 the file's copies weigh gigabytes: keep only the UTF-8 bytes
    table = split_columns(path, utf8, header)
    return LedgerFile(path, used, digest, header, utf8, table)
