"""Migrating the legacy card ledger: staged with COPY, applied set-based (INSERT … SELECT, UPDATE … FROM).

Re-runs are safe at any time: a card is created when its legacy id is new, updated when its ledger row changed
since the last run (md5 of the row), and left alone otherwise. Holders are matched to the register by 宛名番号
with the 住民票コード as a cross-check; a card whose holder is unknown is kept, flagged and listed.
The caller owns the transaction: commit to keep the result, roll back for a dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from core.db.engine import psycopg_connection
from core.db.models.cards import LedgerMigration
from core.domain.cards import PRE_ISSUE_STATES, CardState
from core.domain.errors import DomainError
from core.domain.ledger import COLUMNS, DATE_COLUMNS
from core.services.audit import Actor, record

Progress = Callable[[str, int, int], None]  # (step, done, total)
PROGRESS_NAME = "カード台帳の移行 / migrating the card ledger"
STAGE = "ledger_stage"
ROWS = "ledger_rows"
EVENT_KIND = "migrated"
_TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in DATE_COLUMNS and c not in ("updated_at", "hold"))


@dataclass(frozen=True)
class UnmatchedHolder:
    """A card whose holder the register does not know (or knows with another 住民票コード)."""

    line: int
    card_id: str
    atena_no: str
    juminhyo_code: str
    state: str
    match: str  # "unknown" or "code_mismatch"


@dataclass(frozen=True)
class HolderNotResident:
    """A card in use or waiting whose holder the register shows as moved out, dead or removed."""

    line: int
    card_id: str
    atena_no: str
    state: str
    resident_status: int


# States in which a card still matters to its holder: waiting at the city, or in use.
LIVE_STATES = frozenset(
    {s.value for s in PRE_ISSUE_STATES} | {CardState.ISSUED.value, CardState.SUSPENDED.value}
)


@dataclass
class MigrationReport:
    """What a run created, updated and left alone, and which holders it could not match."""

    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rematched: int = 0
    created_by_state: dict[str, int] = field(default_factory=dict)
    updated_by_state: dict[str, int] = field(default_factory=dict)
    unmatched: list[UnmatchedHolder] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # oddities reported without refusing the file
    changed_columns: dict[str, int] = field(default_factory=dict)  # ledger column → cards it changes
    holders_not_resident: list[HolderNotResident] = field(default_factory=list)

    @property
    def unknown_holders(self) -> int:
        """Cards whose 宛名番号 is not in the register."""
        return sum(1 for u in self.unmatched if u.match == "unknown")

    @property
    def code_mismatches(self) -> int:
        """Cards whose 宛名番号 is in the register with another 住民票コード."""
        return sum(1 for u in self.unmatched if u.match == "code_mismatch")


class NoticeNumberTaken(DomainError):  # noqa: N818 - named for what happened
    """Ledger rows carry 交付通知書番号 that other cards in the database already have."""

    def __init__(self, clashes: list[tuple[int, str, str, str | None]]) -> None:
        super().__init__(
            f"交付通知書番号が台帳のほかのカードと重複しています({len(clashes):,} 件)",
            f"{len(clashes):,} notice number(s) already belong to other cards in the database",
        )
        self.clashes = clashes  # (line, card_id, notice_no, the other card's legacy id)


_NOTICE_CLASHES = f"""
SELECT r.line, r.card_id, r.notice_no, c.legacy_id FROM {ROWS} r
JOIN cards.cards c ON c.notice_no = r.notice_no AND c.id IS DISTINCT FROM r.card_pk
WHERE r.action <> 'unchanged'
  AND NOT EXISTS (SELECT 1 FROM {ROWS} o WHERE o.card_pk = c.id AND o.notice_no IS DISTINCT FROM c.notice_no)
ORDER BY r.line
"""


def _stage_ddl() -> str:
    columns = [f"{c} text" for c in _TEXT_COLUMNS]
    columns += [f"{c} date" for c in DATE_COLUMNS]
    columns += ["hold smallint", "updated_at timestamp"]
    return (
        f"CREATE TEMP TABLE {STAGE} (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), "
        f"{', '.join(columns)}) ON COMMIT DROP"
    )


def stage_ledger(session: Session, header: Sequence[str], chunks: Iterable[bytes]) -> int:
    """COPY the UTF-8 CSV (header line included, columns in HEADER order) into a temporary table."""
    conn = psycopg_connection(session)
    conn.execute(f"DROP TABLE IF EXISTS {STAGE}")
    conn.execute(_stage_ddl())
    names = ", ".join(header)
    force_null = ", ".join(c for c in header if c in _TEXT_COLUMNS)
    copy_sql = f"COPY {STAGE} ({names}) FROM STDIN (FORMAT csv, HEADER true, FORCE_NULL ({force_null}))"
    with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for chunk in chunks:
            copy.write(chunk)
    return int(session.execute(text(f"SELECT count(*) FROM {STAGE}")).scalar_one())


_ROW_HASH = "md5(ROW(" + ", ".join(f"s.{c}" for c in COLUMNS) + ")::text)"

_CLASSIFY = f"""
CREATE TEMP TABLE {ROWS} ON COMMIT DROP AS
SELECT s.*,
       CASE WHEN r.atena_no IS NULL THEN 'unknown'
            WHEN r.juminhyo_code IS DISTINCT FROM s.juminhyo_code THEN 'code_mismatch'
            ELSE 'matched' END AS holder_match,
       coalesce(c.id, nextval('cards.cards_id_seq')) AS card_pk,
       c.state AS old_state,
       c.holder_match AS old_holder_match,
       r.resident_status AS holder_status,
       CASE WHEN c.id IS NULL THEN 'create'
            WHEN c.legacy_row_hash IS DISTINCT FROM s.row_hash THEN 'update'
            ELSE 'unchanged' END AS action
FROM (SELECT *, {_ROW_HASH} AS row_hash FROM {STAGE} s) s
LEFT JOIN register.residents r ON r.atena_no = s.atena_no
LEFT JOIN cards.cards c ON c.legacy_id = s.card_id
"""

# cards.cards column ← expression over ledger_rows
_CARD_VALUES: dict[str, str] = {
    "legacy_id": "card_id",
    "holder_atena_no": "atena_no",
    "holder_juminhyo_code": "juminhyo_code",
    "notice_no": "notice_no",
    "state": "state",
    "revoke_reason": "revoke_reason",
    "applied_on": "applied_on",
    "issued_on": "issued_on",
    "expires_on": "expires_on",
    "notified_on": "notified_on",
    "reminded_on": "reminded_on",
    "storage_box": "storage_box",
    "storage_slot": "storage_slot",
    "on_hold": "hold = 1",
    "hold_reason": "hold_reason",
    "application_kind": "application_kind",
    "source": "source",
    "arrived_on": "arrived_on",
    "preset_on": "preset_on",
    "notice_returned_on": "notice_returned_on",
    "reserved_for": "reserved_for",
    "handed_over_on": "handed_over_on",
    "suspended_on": "suspended_on",
    "revoked_on": "revoked_on",
    "destroyed_on": "destroyed_on",
    "office": "office",
    "legacy_updated_at": "updated_at AT TIME ZONE 'Asia/Tokyo'",
    "legacy_row_hash": "row_hash",
    "holder_match": "holder_match",
}


def _insert_cards() -> str:
    columns = ", ".join(_CARD_VALUES)
    values = ", ".join(_CARD_VALUES.values())
    return (
        f"INSERT INTO cards.cards (id, {columns}, updated_at) SELECT card_pk, {values}, now() FROM {ROWS} "
        "WHERE action = 'create' ORDER BY line"
    )


def _update_cards() -> str:
    sets = ", ".join(f"{column} = r.{expr}" for column, expr in _CARD_VALUES.items() if column != "on_hold")
    return (
        f"UPDATE cards.cards c SET {sets}, on_hold = (r.hold = 1), updated_at = now() "
        f"FROM {ROWS} r WHERE c.id = r.card_pk AND r.action = 'update'"
    )


_REMATCH = f"""
UPDATE cards.cards c SET holder_match = r.holder_match, updated_at = now()
FROM {ROWS} r
WHERE c.id = r.card_pk AND r.action = 'unchanged' AND r.old_holder_match IS DISTINCT FROM r.holder_match
"""


def _certificate_select(kind: str, prefix: str, action: str) -> str:
    return (
        f"SELECT card_pk, '{kind}', {prefix}_state, {prefix}_issued_on, {prefix}_expires_on, now() "
        f"FROM {ROWS} WHERE action = '{action}'"
    )


def _insert_certificates(action: str) -> str:
    return (
        "INSERT INTO cards.certificates (card_id, kind, state, issued_on, expires_on, updated_at) "
        f"{_certificate_select('user', 'user_cert', action)} UNION ALL "
        f"{_certificate_select('signature', 'sign_cert', action)}"
    )


_UPSERT_CERTIFICATES = f"""
{_insert_certificates("update")}
ON CONFLICT (card_id, kind) DO UPDATE
SET state = excluded.state, issued_on = excluded.issued_on, expires_on = excluded.expires_on,
    updated_at = excluded.updated_at
WHERE (cards.certificates.state, cards.certificates.issued_on, cards.certificates.expires_on)
      IS DISTINCT FROM (excluded.state, excluded.issued_on, excluded.expires_on)
"""

_EVENTS = f"""
INSERT INTO cards.card_events
    (card_id, at, from_state, to_state, kind, reason, actor, source_file, source_line)
SELECT card_pk, now(), old_state, state, '{EVENT_KIND}',
       CASE action WHEN 'create' THEN '既存システムから移行(新規) / migrated from the legacy ledger (new)'
                   ELSE '既存システムの変更を反映 / updated from the legacy ledger' END,
       :actor, :file_name, line
FROM {ROWS} WHERE action IN ('create', 'update')
"""


_NOT_COMPARED = frozenset({"legacy_id", "legacy_row_hash", "holder_match"})


def _changed_columns_sql() -> str:
    tests = [
        f"count(*) FILTER (WHERE c.{column} IS DISTINCT FROM {expr.replace('hold = 1', 'r.hold = 1')})"
        if column == "on_hold"
        else f"count(*) FILTER (WHERE c.{column} IS DISTINCT FROM r.{expr})"
        for column, expr in _CARD_VALUES.items()
        if column not in _NOT_COMPARED
    ]
    for prefix, kind in (("user_cert", "u"), ("sign_cert", "g")):
        for part in ("state", "issued_on", "expires_on"):
            tests.append(f"count(*) FILTER (WHERE {kind}.{part} IS DISTINCT FROM r.{prefix}_{part})")
    return (
        f"SELECT {', '.join(tests)} FROM {ROWS} r JOIN cards.cards c ON c.id = r.card_pk "
        "LEFT JOIN cards.certificates u ON u.card_id = c.id AND u.kind = 'user' "
        "LEFT JOIN cards.certificates g ON g.card_id = c.id AND g.kind = 'signature' "
        "WHERE r.action = 'update'"
    )


def _changed_column_names() -> list[str]:
    names = [column for column in _CARD_VALUES if column not in _NOT_COMPARED]
    names = ["hold" if n == "on_hold" else n for n in names]
    mapped = {
        "holder_atena_no": "atena_no",
        "holder_juminhyo_code": "juminhyo_code",
        "legacy_updated_at": "updated_at",
    }
    names = [mapped.get(n, n) for n in names]
    return names + [
        f"{p}_{part}" for p in ("user_cert", "sign_cert") for part in ("state", "issued_on", "expires_on")
    ]


def _changed_columns(session: Session) -> dict[str, int]:
    """For the cards to update: how many change in each ledger column."""
    counts = session.execute(text(_changed_columns_sql())).one()
    return {name: int(n) for name, n in zip(_changed_column_names(), counts, strict=True) if n}


def _counts(session: Session, report: MigrationReport) -> None:
    rows = session.execute(text(f"SELECT action, state, count(*) FROM {ROWS} GROUP BY action, state"))
    for action, state, count in rows:
        report.rows += count
        if action == "create":
            report.created += count
            report.created_by_state[state] = count
        elif action == "update":
            report.updated += count
            report.updated_by_state[state] = count
        else:
            report.unchanged += count
    unmatched = session.execute(
        text(
            f"SELECT line, card_id, atena_no, juminhyo_code, state, holder_match FROM {ROWS} "
            "WHERE holder_match <> 'matched' ORDER BY line"
        )
    )
    report.unmatched = [UnmatchedHolder(*row) for row in unmatched]
    gone = session.execute(
        text(
            f"SELECT line, card_id, atena_no, state, holder_status FROM {ROWS} "
            "WHERE holder_status <> 1 AND state IN :live ORDER BY line"
        ).bindparams(bindparam("live", expanding=True)),
        {"live": sorted(LIVE_STATES)},
    )
    report.holders_not_resident = [HolderNotResident(*row) for row in gone]
    if report.updated:
        report.changed_columns = _changed_columns(session)


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def apply_ledger(
    session: Session, *, file_name: str, sha256: str, actor: Actor, progress: Progress | None = None
) -> MigrationReport:
    """Apply the staged ledger to cards, certificates and events; record the run and an audit entry."""
    report_step = progress or _no_progress
    session.execute(text("LOCK TABLE cards.cards IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(text(f"DROP TABLE IF EXISTS {ROWS}"))
    session.execute(text(_CLASSIFY))
    session.execute(text(f"CREATE INDEX ON {ROWS} (action)"))
    session.execute(text(f"ANALYZE {ROWS}"))
    clashes = [(r[0], r[1], r[2], r[3]) for r in session.execute(text(_NOTICE_CLASHES))]
    if clashes:
        raise NoticeNumberTaken(clashes)
    report = MigrationReport(file_name)
    _counts(session, report)
    steps = (_insert_cards(), _update_cards(), _insert_certificates("create"), _UPSERT_CERTIFICATES, _EVENTS)
    for done, statement in enumerate(steps):
        report_step(PROGRESS_NAME, done, len(steps))
        session.execute(text(statement), {"actor": actor.name, "file_name": file_name})
    report_step(PROGRESS_NAME, len(steps), len(steps))
    report.rematched = session.connection().exec_driver_sql(_REMATCH).rowcount
    _record_run(session, report, sha256, actor)
    return report


def _record_run(session: Session, report: MigrationReport, sha256: str, actor: Actor) -> None:
    session.add(
        LedgerMigration(
            file_name=report.file_name,
            sha256=sha256,
            row_count=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            unknown_holders=report.unknown_holders,
            code_mismatches=report.code_mismatches,
            migrated_by=actor.name,
        )
    )
    record(
        session,
        actor,
        "ledger_migration",
        "card_ledger",
        report.file_name,
        summary=(
            f"カード台帳移行: 新規 {report.created:,} 件、更新 {report.updated:,} 件、"
            f"変更なし {report.unchanged:,} 件、所有者不明 {report.unknown_holders:,} 件"
        ),
        detail={
            "sha256": sha256,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rematched": report.rematched,
            "unknown_holders": report.unknown_holders,
            "code_mismatches": report.code_mismatches,
        },
    )


def migrate_ledger(
    session: Session,
    *,
    header: Sequence[str],
    chunks: Iterable[bytes],
    file_name: str,
    sha256: str,
    actor: Actor,
    progress: Progress | None = None,
) -> MigrationReport:
    """Stage and apply one validated ledger export in the caller's transaction."""
    stage_ledger(session, header, chunks)
    session.execute(text(f"ANALYZE {STAGE}"))
    return apply_ledger(session, file_name=file_name, sha256=sha256, actor=actor, progress=progress)
