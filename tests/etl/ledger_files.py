"""Small handmade card ledger exports (data/README.md format) for tests."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

from core.domain.ledger import COLUMNS


def ledger_row(card_id: str, **values: Any) -> dict[str, str]:
    """A valid `issued` card of a holder born in 1985, issued 2020-05-15; override any column."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        card_id=card_id,
        atena_no="10000001",
        juminhyo_code="12345678901",
        application_kind="新規",
        source="交付",
        state="issued",
        applied_on="2020-04-01",
        issued_on="2020-05-15",
        expires_on="2029-10-10",
        arrived_on="2020-05-25",
        preset_on="2020-05-26",
        notice_no=f"E5H-{int(card_id) % 1_000_000:06d}",
        notified_on="2020-05-27",
        handed_over_on="2020-06-10",
        office="本庁",
        hold="0",
        user_cert_state="valid",
        user_cert_issued_on="2020-05-15",
        user_cert_expires_on="2024-10-10",
        sign_cert_state="valid",
        sign_cert_issued_on="2020-05-15",
        sign_cert_expires_on="2024-10-10",
        updated_at="2020-06-10 10:15:00",
    )
    row.update({k: str(v) for k, v in values.items()})
    return row


def write_ledger(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "cp932",
    columns: tuple[str, ...] = COLUMNS,
    end: str | None = None,
) -> Path:
    """Write ROWS as the legacy system does (CRLF, header) plus the `.end` flag (or END as its text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    data = out.getvalue().encode(encoding)
    path.write_bytes(data)
    flag = end if end is not None else f"{len(rows)},{hashlib.sha256(data).hexdigest()}"
    path.with_name(path.name + ".end").write_text(flag, encoding="ascii")
    return path
