"""A crude bulk insert of a full resident extract for benchmarks only (no checks, no history).

The product's loader is `mynadesk etl load` (issue 3 part A); until it is merged, the ledger and analytics
benchmarks fill register.residents with this so holder matching and the marts see realistic data.
"""

from __future__ import annotations

import csv
import io
from functools import cache, lru_cache
from pathlib import Path

import psycopg

from core.domain.register import parse_register_date as _parse

parse_register_date = lru_cache(maxsize=None)(_parse)

RESIDENT_COLUMNS = (
    "atena_no", "juminhyo_code", "household_no", "relation", "resident_kind", "resident_status", "name",
    "name_kana", "name_alpha", "common_name", "birth_year", "birth_month", "birth_day", "birth_date", "sex",
    "postal_code", "address", "address_extra", "area_code", "move_reason", "move_date", "notified_date",
    "card_status", "nationality", "residence_status", "residence_expiry", "updated_at",
)  # fmt: skip


@cache
def _date(text: str) -> str:
    if not text:
        return ""
    parsed = parse_register_date(text).as_date()
    return parsed.isoformat() if parsed else ""


def _row(r: dict[str, str]) -> list[str]:
    birth = parse_register_date(r["birth_date"])
    values = dict(r)
    values.update(
        birth_year=str(birth.year),
        birth_month=str(birth.month or ""),
        birth_day=str(birth.day or ""),
        birth_date=birth.as_date().isoformat() if birth.as_date() else "",
        postal_code=r["postal_code"].replace("-", ""),
        move_date=_date(r["move_date"]),
        notified_date=_date(r["notified_date"]),
        residence_expiry=_date(r["residence_expiry"]),
        updated_at=r["updated_at"] + "+09",
    )
    return [values[c] for c in RESIDENT_COLUMNS]


def copy_residents(conninfo: str, extract: Path) -> int:
    """COPY every person of EXTRACT into register.households / register.residents; return the count."""
    reader = csv.DictReader(io.StringIO(extract.read_bytes().decode("cp932")))
    out = io.StringIO()
    writer = csv.writer(out)
    households: dict[str, str] = {}
    count = 0
    for record in reader:
        writer.writerow(_row(record))
        households.setdefault(record["household_no"], record["atena_no"])
        count += 1
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY register.households (household_no, head_atena_no) FROM STDIN") as copy:
            for household, head in households.items():
                copy.write_row((household, head))
        with cursor.copy(
            f"COPY register.residents ({', '.join(RESIDENT_COLUMNS)}) FROM STDIN (FORMAT csv)"
        ) as c:
            c.write(out.getvalue())
    return count
