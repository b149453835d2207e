"""What a restored copy must share with its source: per-table row counts, order-stable fingerprints of the
tables that only grow, the Alembic head, and MynaDesk's invariant that a slot's booked seats are its
reservations' party sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

# Tables that only ever grow (rows are never updated or deleted): the same rows in the same order, or not.
APPEND_ONLY = ("audit.log", "cards.card_events", "register.resident_versions")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
SEATS_MISMATCH = """
SELECT count(*) FROM booking.slots s
WHERE s.booked <> coalesce((SELECT sum(r.party_size) FROM booking.reservations r
                            WHERE r.slot_id = s.id AND r.status <> 'cancelled'), 0)
"""


@dataclass(frozen=True)
class Snapshot:
    """The facts of one database the drill compares."""

    row_counts: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    alembic_head: tuple[str, ...] = ()
    slots_not_matching_reservations: int = 0
    login_roles: tuple[str, ...] = ()  # cluster-wide: they come with the base backup, not with a dump


def snapshot(session: Session) -> Snapshot:
    """Read the comparison facts of the database SESSION is connected to (read only)."""
    tables = session.execute(
        text("SELECT schemaname, tablename FROM pg_tables WHERE schemaname <> ALL(:system) ORDER BY 1, 2"),
        {"system": list(SYSTEM_SCHEMAS)},
    ).all()
    counts = {
        f"{schema}.{table}": int(
            session.execute(text(f'SELECT count(*) FROM "{schema}"."{table}"')).scalar_one()
        )
        for schema, table in tables
    }
    prints = {}
    for name in APPEND_ONLY:
        if name in counts:
            schema, table = name.split(".")
            digest = session.execute(
                text(
                    f"SELECT coalesce(md5(string_agg(md5(t::text), '' ORDER BY t.id)), '') "
                    f'FROM "{schema}"."{table}" t'
                )
            ).scalar_one()
            prints[name] = str(digest)
    head: tuple[str, ...] = ()
    if "public.alembic_version" in counts:
        head = tuple(sorted(session.execute(text("SELECT version_num FROM alembic_version")).scalars()))
    mismatched = 0
    if "booking.slots" in counts:
        mismatched = int(session.execute(text(SEATS_MISMATCH)).scalar_one())
    roles = tuple(
        session.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE 'mynadesk%' AND rolcanlogin ORDER BY 1")
        ).scalars()
    )
    return Snapshot(counts, prints, head, mismatched, roles)


def differences(source: Snapshot, copy: Snapshot) -> list[str]:
    """What differs between SOURCE and COPY, one line each (empty: identical)."""
    found = []
    for table in sorted(set(source.row_counts) | set(copy.row_counts)):
        a, b = source.row_counts.get(table), copy.row_counts.get(table)
        if a != b:
            found.append(f"{table}: 件数 / rows {a} ≠ {b}")
    for table in sorted(set(source.fingerprints) | set(copy.fingerprints)):
        if source.fingerprints.get(table) != copy.fingerprints.get(table):
            found.append(f"{table}: 指紋が不一致 / fingerprint differs")
    if source.alembic_head != copy.alembic_head:
        found.append(f"Alembic: {source.alembic_head} ≠ {copy.alembic_head}")
    if source.login_roles != copy.login_roles:
        found.append(f"ログインロール / login roles: {source.login_roles} ≠ {copy.login_roles}")
    if copy.slots_not_matching_reservations:
        found.append(
            "予約数と枠の予約済み席数が合わない枠 / slots whose booked seats differ from their reservations: "
            f"{copy.slots_not_matching_reservations}"
        )
    return found
