"""Reading a register extract: bytes -> text (encoding detection) -> header and rows. Pure: no database."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from core.domain.errors import DomainError
from core.domain.register import (
    END_SUFFIX,
    ExtractKind,
    InvalidEndLine,
    parse_end_line,
    parse_extract_file_name,
)


@dataclass(frozen=True)
class RawExtract:
    """A data file as read: its encoding, digest, header and text."""

    name: str
    encoding: str
    sha256: str
    header: list[str]
    text: str = field(repr=False)


class UnreadableFile(DomainError):  # noqa: N818
    """The file cannot be decoded or parsed as CSV at all."""


def detect_encoding(data: bytes) -> str:
    """BOM -> UTF-8; decodes as UTF-8 -> UTF-8; else CP932 (resident-extract.md)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with. Raises UnreadableFile with the failing line."""
    encoding = detect_encoding(data)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            f"{line}行目: UTF-8 でも CP932 でも読めない文字があります"
            f"(バイト {data[error.start : error.end].hex()})",
            f"line {line}: bytes {data[error.start : error.end].hex()} are neither UTF-8 nor CP932",
        ) from error


def read_extract(name: str, data: bytes) -> RawExtract:
    """Decode a data file and read its header line (the rows are parsed by PostgreSQL's COPY)."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    header = [column.strip() for column in next(csv.reader([first_line]), [])]
    if not any(header):
        raise UnreadableFile("ファイルが空です(見出し行がありません)", "the file is empty (no header line)")
    return RawExtract(name, encoding, hashlib.sha256(data).hexdigest(), header, text)


def record_lines(text: str) -> list[int]:
    """The line where each data record starts, when quoted fields hold line breaks (RFC 4180)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[int] = []
    start = 1
    for record in reader:
        if record and start > 1:
            lines.append(start)
        start = reader.line_num + 1
    return lines


def end_path(data_path: Path) -> Path:
    """Where a data file's completion flag lives."""
    return data_path.with_name(data_path.name + END_SUFFIX)


def read_end(data_path: Path) -> tuple[int, str]:
    """The record count and sha256 the `.end` flag promises. Raises when it is missing or malformed."""
    flag = end_path(data_path)
    if not flag.is_file():
        raise MissingEndFile(
            f"完了ファイル {flag.name} がありません(アップロード中の可能性があるため読み込みません)",
            f"the completion flag {flag.name} is missing (the file may still be uploading; not read)",
        )
    try:
        return parse_end_line(flag.read_text(encoding="ascii", errors="replace"))
    except InvalidEndLine as error:
        raise UnreadableFile(error.message_ja, error.message_en) from error


class MissingEndFile(DomainError):  # noqa: N818
    """A data file without its `.end` flag is still being uploaded."""


def sort_by_extract_date(paths: list[Path]) -> list[Path]:
    """Files in the order they must be applied: by extract date, a full file before a delta of the same day.

    Files whose names carry no date come first (they will be refused with a clear message)."""

    def key(path: Path) -> tuple[str, int, str]:
        try:
            day, kind = parse_extract_file_name(path.name)
        except DomainError:
            return ("", 0, path.name)
        return (day.isoformat(), 0 if kind is ExtractKind.FULL else 1, path.name)

    return sorted(paths, key=key)
