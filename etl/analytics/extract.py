"""Extract: PostgreSQL → Arrow tables, through COPY … TO STDOUT (CSV) read by pyarrow (no DuckDB extension).

Staging only renames and casts; joins and aggregations live in the transforms.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection

from core.db.engine import psycopg_connection

D, S, INT, B, BOOL = pa.date32(), pa.string(), pa.int32(), pa.int64(), pa.bool_()

CARDS_SQL = """
SELECT c.id, c.legacy_id, c.state, c.revoke_reason, c.application_kind, c.office, c.applied_on, c.issued_on,
       c.expires_on, c.arrived_on, c.preset_on, c.notified_on, c.notice_returned_on, c.reminded_on,
       coalesce(c.handed_over_on, (c.handed_over_at AT TIME ZONE 'Asia/Tokyo')::date) AS handed_over_on,
       c.suspended_on, c.revoked_on, c.destroyed_on, c.on_hold, c.storage_box,
       r.birth_date, r.area_code, r.resident_kind, r.residence_status, r.residence_expiry, r.resident_status
FROM cards.cards c LEFT JOIN register.residents r ON r.atena_no = c.holder_atena_no
"""
CARDS_SCHEMA = pa.schema(
    [("id", B), ("legacy_id", S), ("state", S), ("revoke_reason", S), ("application_kind", S), ("office", S),
     ("applied_on", D), ("issued_on", D), ("expires_on", D), ("arrived_on", D), ("preset_on", D),
     ("notified_on", D), ("notice_returned_on", D), ("reminded_on", D), ("handed_over_on", D),
     ("suspended_on", D), ("revoked_on", D), ("destroyed_on", D), ("on_hold", BOOL), ("storage_box", S),
     ("birth_date", D), ("area_code", S), ("resident_kind", INT), ("residence_status", S),
     ("residence_expiry", D), ("resident_status", INT)]
)  # fmt: skip

CERTIFICATES_SQL = "SELECT card_id, kind, state, issued_on, expires_on FROM cards.certificates"
CERTIFICATES_SCHEMA = pa.schema(
    [("card_id", B), ("kind", S), ("state", S), ("issued_on", D), ("expires_on", D)]
)

RESIDENTS_SQL = """
SELECT r.birth_date, r.area_code, h.holder_atena_no IS NOT NULL AS holds_card
FROM register.residents r
LEFT JOIN (SELECT DISTINCT holder_atena_no FROM cards.cards WHERE state IN ('issued', 'suspended')) h
       ON h.holder_atena_no = r.atena_no
WHERE r.resident_status = 1
"""
RESIDENTS_SCHEMA = pa.schema([("birth_date", D), ("area_code", S), ("holds_card", BOOL)])

SLOTS_SQL = """
SELECT s.venue_id, s.procedure_id, (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date AS day,
       s.capacity, s.booked, s.held
FROM booking.slots s
"""
SLOTS_SCHEMA = pa.schema(
    [("venue_id", INT), ("procedure_id", INT), ("day", D), ("capacity", INT), ("booked", INT), ("held", INT)]
)

RESERVATIONS_SQL = """
SELECT s.venue_id, r.procedure_id, (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date AS day,
       r.status, r.channel, r.party_size
FROM booking.reservations r JOIN booking.slots s ON s.id = r.slot_id
"""
RESERVATIONS_SCHEMA = pa.schema(
    [("venue_id", INT), ("procedure_id", INT), ("day", D), ("status", S), ("channel", S), ("party_size", INT)]
)

VENUES_SQL = "SELECT id, code, name_ja FROM booking.venues"
PROCEDURES_SQL = "SELECT id, code, name_ja FROM booking.procedures"
NAMES_SCHEMA = pa.schema([("id", INT), ("code", S), ("name_ja", S)])


@dataclass(frozen=True)
class Extract:
    """Everything the marts are built from, as Arrow tables."""

    cards: pa.Table
    certificates: pa.Table
    residents: pa.Table
    slots: pa.Table
    reservations: pa.Table
    venues: pa.Table
    procedures: pa.Table


def copy_to_arrow(conn: psycopg.Connection[object], query: str, schema: pa.Schema) -> pa.Table:
    """Run QUERY through COPY (CSV) and read the result into an Arrow table of SCHEMA."""
    buffer = io.BytesIO()
    with conn.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    if buffer.tell() == 0:
        return schema.empty_table()
    buffer.seek(0)
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        convert_options=pa_csv.ConvertOptions(
            column_types=schema,
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def extract(connection: Connection) -> Extract:
    """Read every source table the marts need, in one snapshot (REPEATABLE READ, read only)."""
    raw = psycopg_connection(connection)
    return Extract(
        cards=copy_to_arrow(raw, CARDS_SQL, CARDS_SCHEMA),
        certificates=copy_to_arrow(raw, CERTIFICATES_SQL, CERTIFICATES_SCHEMA),
        residents=copy_to_arrow(raw, RESIDENTS_SQL, RESIDENTS_SCHEMA),
        slots=copy_to_arrow(raw, SLOTS_SQL, SLOTS_SCHEMA),
        reservations=copy_to_arrow(raw, RESERVATIONS_SQL, RESERVATIONS_SCHEMA),
        venues=copy_to_arrow(raw, VENUES_SQL, NAMES_SCHEMA),
        procedures=copy_to_arrow(raw, PROCEDURES_SQL, NAMES_SCHEMA),
    )
