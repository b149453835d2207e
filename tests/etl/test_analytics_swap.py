"""The analytics build is swapped in atomically: readers see the old build or the new, never half of one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from core.analytics import queries
from core.analytics.marts import BUILDS_DIR, CURRENT_LINK, MARTS, analytics_root, current_duckdb
from etl.analytics import build
from tests.conftest import mynadesk_env
from tests.factories import add_card, add_resident

AS_OF = date(2026, 11, 26)


def _issued(session: Session, count: int) -> None:
    for _ in range(count):
        add_card(session, add_resident(session), "issued", expires_on=date(2030, 1, 1), handed_over_on=AS_OF)


def _issued_in(path: Path) -> int:
    totals = queries.stock_by_state(path)
    return int(totals.loc[totals["state"] == "issued", "cards"].sum())


def test_a_reader_of_the_old_build_keeps_working_while_a_new_one_is_swapped_in(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    _issued(session, 2)
    build.build_analytics(connection, tmp_path, AS_OF)
    before = _issued_in(current_duckdb(tmp_path))
    reader = duckdb.connect(str(current_duckdb(tmp_path)), read_only=True)
    try:
        _issued(session, 3)
        for _ in range(4):  # more builds than KEEP_BUILDS: the reader's build may be pruned from the folder
            build.build_analytics(connection, tmp_path, AS_OF)
        old = reader.execute("SELECT sum(cards) FROM card_stock WHERE state = 'issued'").fetchone()
        assert old is not None
        assert old[0] == before
    finally:
        reader.close()
    assert _issued_in(current_duckdb(tmp_path)) == before + 3
    builds = sorted(p.name for p in (analytics_root(tmp_path) / BUILDS_DIR).iterdir())
    assert len(builds) == 3
    assert not [name for name in builds if name.startswith(".")]


def test_the_process_connection_follows_a_swap_to_the_new_build(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    _issued(session, 2)
    build.build_analytics(connection, tmp_path, AS_OF)
    assert _issued_in(current_duckdb(tmp_path)) == 2  # opens the process's connection to this build
    _issued(session, 3)
    build.build_analytics(connection, tmp_path, AS_OF)
    assert _issued_in(current_duckdb(tmp_path)) == 5  # the next query reads the new build


def test_a_failed_build_leaves_the_current_build_in_place_and_nothing_half_written(
    session: Session, connection: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issued(session, 1)
    first = build.build_analytics(connection, tmp_path, AS_OF)
    link = analytics_root(tmp_path) / CURRENT_LINK

    def crash_while_writing(marts: dict[str, object], folder: Path) -> None:
        (folder / "marts").mkdir(parents=True)
        (folder / "marts" / "card_stock.parquet").write_bytes(b"half")
        raise KeyboardInterrupt  # as if the process were stopped in the middle of writing

    monkeypatch.setattr(build, "write_build", crash_while_writing)
    with pytest.raises(KeyboardInterrupt):
        build.build_analytics(connection, tmp_path, AS_OF)
    assert link.resolve() == first.path.resolve()
    assert [p.name for p in (analytics_root(tmp_path) / BUILDS_DIR).iterdir()] == [first.path.name]
    assert _issued_in(current_duckdb(tmp_path)) >= 1


def test_queries_say_what_to_do_when_no_build_exists(tmp_path: Path) -> None:
    with pytest.raises(queries.AnalyticsMissing) as caught:
        queries.card_stock(current_duckdb(tmp_path))
    assert "mynadesk etl analytics" in caught.value.message_ja


def test_the_readers_only_ever_find_complete_builds_behind_the_link(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    _issued(session, 1)
    build.build_analytics(connection, tmp_path, AS_OF)
    link = analytics_root(tmp_path) / CURRENT_LINK
    assert link.is_symlink()
    target = link.resolve()
    assert (target / "mynadesk.duckdb").is_file()
    assert len(list((target / "marts").glob("*.parquet"))) == len(MARTS)


def test_a_build_is_written_to_the_audit_log(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from core.db.models.audit import AuditEntry
    from core.services.audit import Actor

    summary = build.build_analytics(connection, tmp_path, AS_OF, actor=Actor("analytics:test", role="etl"))
    entry = (
        session.execute(
            select(AuditEntry).where(AuditEntry.action == "analytics_build").order_by(AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )
    assert entry is not None
    assert (entry.actor, entry.object_id) == ("analytics:test", summary.path.name)


def test_cli_builds_the_analytics_under_the_data_dir(
    database_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from mynadesk.cli import app

    for name, value in mynadesk_env(database_url, MYNADESK_DATA_DIR=str(tmp_path)).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["etl", "analytics", "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "card_stock" in result.output
    assert str(queries.build_info(current_duckdb(tmp_path)).iloc[0]["as_of"])[:10] == "2026-11-26"
    bad = CliRunner().invoke(app, ["etl", "analytics", "--as-of", "26/11/2026"])
    assert bad.exit_code == 2
