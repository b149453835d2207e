"""`migrate cards` against the real PostgreSQL: created, updated, unchanged, holders matched or listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.db.models.audit import AuditEntry
from core.db.models.cards import Card, CardEvent, Certificate, LedgerMigration
from core.db.models.register import Resident
from core.services.audit import Actor
from etl.ledger import LedgerRejected
from etl.ledger_migrate import migrate_cards
from mynadesk.cli import app
from tests.conftest import mynadesk_env
from tests.etl.ledger_files import ledger_row, write_ledger
from tests.factories import add_resident

ACTOR = Actor("migrate:test", role="etl")


@pytest.fixture
def holder(session: Session) -> Resident:
    return add_resident(session, atena_no="10000001", juminhyo_code="12345678901")


def _card(session: Session, legacy_id: str) -> Card:
    return session.execute(select(Card).where(Card.legacy_id == legacy_id)).scalar_one()


def test_a_new_ledger_creates_cards_certificates_and_migration_events(
    session: Session, holder: object, tmp_path: Path
) -> None:
    rows = [
        ledger_row("0000000001"),
        ledger_row(
            "0000000002",
            state="notified",
            handed_over_on="",
            storage_box="B-2026-0001",
            storage_slot="7",
            hold="1",
            hold_reason="入院",
            sign_cert_state="none",
            sign_cert_issued_on="",
            sign_cert_expires_on="",
        ),
    ]
    report = migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", rows), ACTOR)
    assert (report.created, report.updated, report.unchanged, report.unmatched) == (2, 0, 0, [])
    card = _card(session, "0000000002")
    assert (card.state, card.holder_atena_no, card.holder_match) == ("notified", "10000001", "matched")
    assert (card.storage_box, card.storage_slot, card.on_hold, card.hold_reason) == (
        "B-2026-0001",
        "7",
        True,
        "入院",
    )
    assert str(card.notified_on) == "2020-05-27"
    assert card.application_kind == "新規"
    assert card.office == "本庁"
    certs = session.execute(select(Certificate.kind, Certificate.state).where(Certificate.card_id == card.id))
    assert sorted(certs) == [("signature", "none"), ("user", "valid")]
    event = session.execute(select(CardEvent).where(CardEvent.card_id == card.id)).scalar_one()
    assert (event.kind, event.from_state, event.to_state) == ("migrated", None, "notified")
    assert (event.source_file, event.source_line, event.actor) == ("cards_20261126.csv", 3, "migrate:test")
    run = session.execute(select(LedgerMigration)).scalars().all()[-1]
    assert (run.created, run.row_count, run.sha256 is not None) == (2, 2, True)
    audit = session.execute(select(AuditEntry).where(AuditEntry.action == "ledger_migration")).scalars().all()
    assert audit[-1].detail is not None
    assert audit[-1].detail["created"] == 2


def test_a_rerun_creates_new_updates_changed_and_leaves_unchanged_cards(
    session: Session, holder: object, tmp_path: Path
) -> None:
    first = [ledger_row("0000000001"), ledger_row("0000000002", state="notified", handed_over_on="")]
    migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", first), ACTOR)
    again = migrate_cards(session, tmp_path / "cards_20261126.csv", ACTOR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    second = [
        ledger_row("0000000001"),
        ledger_row("0000000002", state="issued", updated_at="2026-11-27 10:00:00"),
        ledger_row("0000000003", atena_no="10000001", state="produced", notice_no="", arrived_on="",
                   preset_on="", notified_on="", handed_over_on=""),
    ]  # fmt: skip
    report = migrate_cards(session, write_ledger(tmp_path / "cards_20261127.csv", second), ACTOR)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert report.updated_by_state == {"issued": 1}
    assert report.created_by_state == {"produced": 1}
    assert report.changed_columns == {"state": 1, "handed_over_on": 1, "updated_at": 1}
    changed = _card(session, "0000000002")
    assert changed.state == "issued"
    assert str(changed.handed_over_on) == "2020-06-10"
    events = session.execute(
        select(CardEvent.from_state, CardEvent.to_state)
        .where(CardEvent.card_id == changed.id)
        .order_by(CardEvent.id)
    ).all()
    assert events == [(None, "notified"), ("notified", "issued")]
    assert (
        session.scalar(select(func.count()).select_from(Card).where(Card.legacy_id.like("000000000_"))) == 3
    )


def test_cards_of_unknown_holders_are_kept_flagged_and_listed(
    session: Session, holder: object, tmp_path: Path
) -> None:
    rows = [
        ledger_row("0000000001"),
        ledger_row("0000000002", atena_no="99999999", juminhyo_code="99999999999"),
        ledger_row("0000000003", juminhyo_code="00000000000"),
    ]
    report = migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", rows), ACTOR)
    assert report.created == 3
    assert [(u.line, u.card_id, u.atena_no, u.match) for u in report.unmatched] == [
        (3, "0000000002", "99999999", "unknown"),
        (4, "0000000003", "10000001", "code_mismatch"),
    ]
    unknown = _card(session, "0000000002")
    assert (unknown.holder_atena_no, unknown.holder_match) == ("99999999", "unknown")


def test_live_cards_of_holders_who_left_the_register_are_listed(session: Session, tmp_path: Path) -> None:
    add_resident(session, atena_no="10000055", juminhyo_code="12345678901", resident_status=3)
    rows = [
        ledger_row("0000000001", atena_no="10000055"),
        ledger_row(
            "0000000002", atena_no="10000055", state="revoked", revoke_reason="死亡", revoked_on="2026-01-05"
        ),
    ]
    report = migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", rows), ACTOR)
    assert [(h.line, h.card_id, h.state, h.resident_status) for h in report.holders_not_resident] == [
        (2, "0000000001", "issued", 3)
    ]


def test_a_holder_loaded_later_is_matched_on_the_next_run(session: Session, tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000001", atena_no="10000077")])
    assert migrate_cards(session, path, ACTOR).unknown_holders == 1
    add_resident(session, atena_no="10000077", juminhyo_code="12345678901")
    report = migrate_cards(session, path, ACTOR)
    assert (report.unchanged, report.rematched, report.unmatched) == (1, 1, [])
    assert _card(session, "0000000001").holder_match == "matched"


def test_a_rejected_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    rows = [ledger_row("0000000001"), ledger_row("0000000002", state="lost")]
    before = session.scalar(select(func.count()).select_from(Card))
    with pytest.raises(LedgerRejected):
        migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", rows), ACTOR)
    assert session.scalar(select(func.count()).select_from(Card)) == before


def test_the_app_role_may_use_the_migration_log(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        granted = conn.execute(
            text("SELECT has_table_privilege('cards.ledger_migrations', 'SELECT, INSERT')")
        ).scalar_one()
    assert granted is True


@pytest.fixture
def cli_env(database_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in mynadesk_env(database_url).items():
        monkeypatch.setenv(name, value)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_cli_dry_run_reports_the_changes_and_changes_nothing(
    cli_env: None, engine: Engine, tmp_path: Path
) -> None:
    path = write_ledger(tmp_path / "cards_20261126.csv", [ledger_row("0000000101"), ledger_row("0000000102")])
    tables = ("cards.cards", "cards.certificates", "cards.card_events", "cards.ledger_migrations")
    before = {t: _count(engine, t) for t in tables}
    listing = tmp_path / "unmatched.csv"
    result = CliRunner().invoke(
        app, ["migrate", "cards", str(path), "--dry-run", "--unmatched-csv", str(listing)]
    )
    assert result.exit_code == 0, result.output
    assert "新規 / created" in result.output
    assert "--dry-run" in result.output
    assert "0000000101" in result.output  # listed: the holder is not in the register
    lines = listing.read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "line,card_id,atena_no,juminhyo_code,state,match",
        "2,0000000101,10000001,12345678901,issued,unknown",
        "3,0000000102,10000001,12345678901,issued,unknown",
    ]
    assert {t: _count(engine, t) for t in tables} == before


def test_cli_refuses_a_bad_file_with_exit_code_1_and_the_errors(
    cli_env: None, engine: Engine, tmp_path: Path
) -> None:
    rows = [ledger_row("0000000201"), ledger_row("0000000201", notice_no="E5H-999999")]
    path = write_ledger(tmp_path / "cards_20261126.csv", rows)
    before = _count(engine, "cards.cards")
    result = CliRunner().invoke(app, ["migrate", "cards", str(path)])
    assert result.exit_code == 1
    assert "3行目 / line 3" in result.output
    assert "card_id" in result.output
    assert _count(engine, "cards.cards") == before
    missing = CliRunner().invoke(app, ["migrate", "cards", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 2


def test_a_notice_number_of_another_card_in_the_database_refuses_the_file(
    session: Session, holder: Resident, tmp_path: Path
) -> None:
    from tests.factories import add_card

    add_card(session, holder, legacy_id="X1", notice_no="E5H-000777")
    rows = [ledger_row("0000000001"), ledger_row("0000000002", notice_no="E5H-000777")]
    with pytest.raises(LedgerRejected) as caught:
        migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", rows), ACTOR)
    [error] = caught.value.errors
    assert (error.line, error.column, error.value) == (3, "notice_no", "E5H-000777")
    assert "X1" in error.reason_ja


def test_a_card_whose_juminhyo_code_differs_cannot_be_handed_over(
    session: Session, holder: Resident, tmp_path: Path
) -> None:
    from core.clock import system_clock
    from core.domain.cards import CardState
    from core.domain.errors import DomainError
    from core.services.cards import change_state

    row = ledger_row("0000000001", juminhyo_code="00000000000", state="reserved", handed_over_on="")
    migrate_cards(session, write_ledger(tmp_path / "cards_20261126.csv", [row]), ACTOR)
    card = _card(session, "0000000001")
    with pytest.raises(DomainError) as refused:
        change_state(session, card.id, CardState.ISSUED, Actor("clerk"), at=system_clock())
    assert "住民票コード" in refused.value.message_ja
