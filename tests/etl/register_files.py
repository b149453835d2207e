"""Small handmade register extracts for tests: a Japanese resident row by default, any field overridden."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from pathlib import Path
from typing import Any

from core.domain.register import COLUMNS

BASE: dict[str, str] = {
    "atena_no": "100001",
    "juminhyo_code": "12345678901",
    "household_no": "5001",
    "relation": "世帯主",
    "resident_kind": "1",
    "resident_status": "1",
    "name": "藤沢\u3000太郎",
    "name_kana": "フジサワ\u3000タロウ",
    "name_alpha": "",
    "common_name": "",
    "birth_date": "1985-10-10",
    "sex": "1",
    "postal_code": "251-8601",
    "address": "神奈川県藤沢市朝日町1番1号",
    "address_extra": "",
    "area_code": "050100",
    "move_reason": "A01",
    "move_date": "2010-04-01",
    "notified_date": "2010-04-05",
    "card_status": "0",
    "nationality": "",
    "residence_status": "",
    "residence_expiry": "",
    "updated_at": "2010-04-05 10:00:00",
}


def person(n: int = 1, **overrides: Any) -> dict[str, str]:
    """A row for person number N (distinct keys), with OVERRIDES."""
    row = dict(BASE)
    row.update(
        atena_no=f"{100000 + n}",
        juminhyo_code=f"{12345678900 + n:011d}",
        household_no=f"{5000 + n}",
    )
    row.update({key: str(value) for key, value in overrides.items()})
    return row


def foreigner(n: int, **overrides: Any) -> dict[str, str]:
    """A 外国人住民 row (技術・人文知識・国際業務, stay until 2027-04-30)."""
    values: dict[str, Any] = {
        "resident_kind": "2",
        "name": "グエン\u3000ヴァン",
        "name_kana": "グエン\u3000ヴァン",
        "name_alpha": "NGUYEN VAN",
        "birth_date": "1990-01-15",
        "nationality": "ベトナム",
        "residence_status": "技術・人文知識・国際業務",
        "residence_expiry": "2027-04-30",
    }
    values.update(overrides)
    return person(n, **values)


def csv_text(rows: list[dict[str, str]], columns: list[str] | None = None, newline: str = "\r\n") -> str:
    """The rows as RFC 4180 CSV with a header line."""
    columns = list(COLUMNS) if columns is None else columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def write_extract(
    folder: Path,
    rows: list[dict[str, str]],
    *,
    name: str = "resident_20261101_full.csv",
    columns: list[str] | None = None,
    encoding: str = "utf-8",
    newline: str = "\r\n",
    bom: bool = False,
    end: bool = True,
    end_count: int | None = None,
    data: bytes | None = None,
) -> Path:
    """Write a data file (and its `.end` unless END is false); return its path."""
    if data is None:
        data = csv_text(rows, columns, newline).encode(encoding)
        if bom:
            data = codecs.BOM_UTF8 + data
    path = folder / name
    path.write_bytes(data)
    if end:
        count = len(rows) if end_count is None else end_count
        (folder / f"{name}.end").write_text(f"{count},{hashlib.sha256(data).hexdigest()}\n", encoding="ascii")
    return path
