"""`mynadesk etl analytics`: extract → transform → write into a fresh build directory → atomic swap.

Readers open `<data dir>/analytics/current/mynadesk.duckdb`; `current` is a symlink replaced with os.replace,
so a reader sees the previous build or the new one, never half of one. A failed build leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core.analytics.marts import (
    BUILDS_DIR,
    CURRENT_LINK,
    DUCKDB_FILE,
    KEEP_BUILDS,
    MARTS,
    PARQUET_DIR,
    analytics_root,
)
from core.clock import Clock, system_clock
from core.paths import private_dir
from core.services.audit import Actor, record
from etl.analytics import rules, transform, transform_booking
from etl.analytics.extract import Extract, extract

Progress = Callable[[str, int, int], None]
PROGRESS_NAME = "分析データ / analytics"
ANALYTICS_ACTOR = Actor("analytics", role="etl")


@dataclass(frozen=True)
class BuildSummary:
    """Where the build went, how many rows each mart has, and how long it took."""

    path: Path
    rows: dict[str, int]
    seconds: float


def transform_all(source: Extract, as_of: date) -> dict[str, pa.Table]:
    """Every mart from the extracted tables (pure). Cards without a printed expiry get the computed one."""
    source = replace(source, cards=rules.with_expiry(source.cards))
    waiting = rules.waiting_cards(source.cards, as_of)
    stay_bound = rules.stay_bound_cards(source.cards)
    return {
        "districts": transform.districts(),
        "card_stock": transform.card_stock(source.cards, waiting, as_of),
        "waiting_cards": waiting,
        "expiries_monthly": transform.expiries_monthly(source.cards, source.certificates, as_of),
        "expiry_notice_waves": transform.expiry_notice_waves(source.cards, stay_bound, as_of),
        "slot_capacity": transform_booking.slot_capacity(source.slots, source.venues, source.procedures),
        "bookings_daily": transform_booking.bookings_daily(
            source.reservations, source.venues, source.procedures
        ),
        "issuance_daily": transform.issuance_daily(source.cards),
        "handovers_daily": transform.handovers_daily(source.cards, as_of),
        "renewals_monthly": transform.renewals_monthly(source.cards),
        "holding_by_district_age": transform.holding_by_district_age(source.residents, as_of),
    }


def build_info(source: Extract, as_of: date, built_at: datetime, seconds: float) -> pa.Table:
    """The one-row `build_info` mart."""
    return pa.table(
        {
            "built_at": pa.array([built_at.astimezone(UTC)], pa.timestamp("us", tz="UTC")),
            "as_of": pa.array([as_of], pa.date32()),
            "cards": [source.cards.num_rows],
            "certificates": [source.certificates.num_rows],
            "residents": [source.residents.num_rows],
            "reservations": [source.reservations.num_rows],
            "seconds": [seconds],
        }
    )


def write_build(marts: dict[str, pa.Table], folder: Path) -> None:
    """Parquet files under marts/ and one DuckDB file with a table (and a comment) per mart."""
    (folder / PARQUET_DIR).mkdir(parents=True)
    for name, table in marts.items():
        pq.write_table(table, folder / PARQUET_DIR / f"{name}.parquet")
    con = duckdb.connect(str(folder / DUCKDB_FILE))
    try:
        for name in marts:
            parquet = (folder / PARQUET_DIR / f"{name}.parquet").as_posix()
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{parquet}')")
            comment = MARTS[name].description.replace("'", "''")
            con.execute(f"COMMENT ON TABLE {name} IS '{comment} (grain: {MARTS[name].grain})'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def publish(root: Path, folder: Path) -> None:
    """Point `current` at FOLDER atomically (os.replace of a symlink); drop builds beyond KEEP_BUILDS."""
    link = root / CURRENT_LINK
    temporary = root / f".{CURRENT_LINK}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.relative_to(root))
    os.replace(temporary, link)
    builds = sorted((p for p in (root / BUILDS_DIR).iterdir() if not p.name.startswith(".")), reverse=True)
    for old in builds[KEEP_BUILDS:]:
        if old.resolve() != link.resolve():
            shutil.rmtree(old, ignore_errors=True)


def _new_build_folder(root: Path, now: datetime) -> tuple[Path, Path]:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    private_dir(root)
    builds = private_dir(root / BUILDS_DIR)
    return builds / f".building-{stamp}-{os.getpid()}", builds / stamp


def _extract(database: Engine | Connection) -> Extract:
    if isinstance(database, Connection):  # the caller's transaction (tests, or a job that holds one)
        return extract(database)
    with database.connect() as connection:
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return extract(connection)


def _audit(database: Engine | Connection, actor: Actor, summary: BuildSummary, as_of: date) -> None:
    """The build read register data (birth dates, addresses) to aggregate it: say so in the audit log."""
    detail = {"as_of": as_of.isoformat(), "rows": summary.rows, "seconds": round(summary.seconds, 2)}
    text = f"分析データ作成 / analytics build ({as_of})"
    if isinstance(database, Connection):
        with Session(bind=database, join_transaction_mode="create_savepoint") as session:
            record(
                session, actor, "analytics_build", "analytics", summary.path.name, summary=text, detail=detail
            )
            session.commit()
        return
    with Session(database) as session:
        record(session, actor, "analytics_build", "analytics", summary.path.name, summary=text, detail=detail)
        session.commit()


def build_analytics(
    database: Engine | Connection,
    data_dir: Path,
    as_of: date,
    progress: Progress | None = None,
    actor: Actor = ANALYTICS_ACTOR,
    clock: Clock = system_clock,
) -> BuildSummary:
    """Build every mart from PostgreSQL (one snapshot) and publish the build atomically (stamped by CLOCK)."""
    report = progress or (lambda _name, _done, _total: None)
    started = time.perf_counter()
    built_at = clock()
    root = analytics_root(data_dir)
    building, final = _new_build_folder(root, built_at)
    try:
        report(PROGRESS_NAME, 0, 4)
        source = _extract(database)
        report(PROGRESS_NAME, 1, 4)
        marts = transform_all(source, as_of)
        report(PROGRESS_NAME, 2, 4)
        marts["build_info"] = build_info(source, as_of, built_at, time.perf_counter() - started)
        write_build(marts, building)
        os.rename(building, final)
        report(PROGRESS_NAME, 3, 4)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    publish(root, final)
    report(PROGRESS_NAME, 4, 4)
    rows = {name: table.num_rows for name, table in marts.items()}
    summary = BuildSummary(final, rows, time.perf_counter() - started)
    _audit(database, actor, summary, as_of)
    return summary
