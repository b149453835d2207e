"""Register use cases: apply a staged extract to the register with history, record the file, query the past.

The loader (etl.load) builds the staging table of validated rows (core.services.register_staging.STAGE);
`apply_staged` then merges them with set-based SQL in the caller's transaction (all or nothing).

MynaDesk rule (people missing from a full extract): a full file holds everyone the register holds, including
people removed in the last 400 days. Someone in our register but not in a full file is therefore either a
removed person older than 400 days (normal: kept as is, counted as `aged_out`) or — if we still hold them
as 住民 — an inconsistency we must not guess about: the record is kept unchanged and a `missing_from_full`
alert is raised for the register desk. No 異動 is ever invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db.models.register import ExtractFile, Resident, ResidentVersion
from core.domain.errors import DomainError
from core.domain.register import STORED_COLUMNS, ExtractKind
from core.services.audit import Actor, record
from core.services.register_staging import DIFF, STAGE, create_diff

_COMPARED = [c for c in STORED_COLUMNS if c not in ("atena_no", "updated_at")]
# What a version says of itself, beside the person's columns (residents and resident_versions alike).
_VERSION_META_COLUMNS = (
    "version",
    "valid_from",
    "change_kind",
    "changed_columns",
    "source_file_id",
    "source_line",
    "recorded_by",
    "recorded_at",
)
_VERSION_META = ", ".join(_VERSION_META_COLUMNS)


class OutOfOrder(DomainError):  # noqa: N818
    """A file older than one already loaded."""


@dataclass
class LoadSummary:
    """What a load did (or would do): people by outcome, and by 異動事由 for the changed ones."""

    file_name: str
    kind: str
    rows: int
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    aged_out: int = 0
    missing_residents: int = 0
    by_reason: dict[tuple[str, str], int] = field(default_factory=dict)  # (outcome, 異動事由) -> people
    already_loaded_as: str | None = None
    file_id: int | None = None


def find_loaded(session: Session, sha256: str) -> ExtractFile | None:
    """The loaded file with these bytes, if any."""
    return session.scalar(
        select(ExtractFile).where(ExtractFile.sha256 == sha256, ExtractFile.status == "loaded")
    )


def check_order(session: Session, file_name: str, extract_date: date) -> None:
    """Refuse a file older than the newest one loaded."""
    newest = session.execute(
        select(ExtractFile.file_name, ExtractFile.extract_date)
        .where(ExtractFile.status == "loaded")
        .order_by(ExtractFile.extract_date.desc(), ExtractFile.id.desc())
        .limit(1)
    ).first()
    if newest is not None and extract_date < newest.extract_date:
        raise OutOfOrder(
            f"{file_name}({extract_date})は読込済みの {newest.file_name}({newest.extract_date})より古いため"
            "適用できません。ファイルは日付順に読み込んでください",
            f"{file_name} ({extract_date}) is older than {newest.file_name} ({newest.extract_date}), which is"
            " already loaded; files must be applied in date order",
        )


def _diff_sql() -> str:
    changed = ", ".join(f"CASE WHEN s.{c} IS DISTINCT FROM r.{c} THEN '{c}' END" for c in _COMPARED)
    return f"""
    SELECT * FROM (
        SELECT d.*, CASE WHEN d.resident_status <> 1 AND (d.is_new OR d.old_status = 1) THEN 'removed'
                         WHEN d.is_new THEN 'new' WHEN d.changed_columns <> '' THEN 'changed'
                         ELSE 'unchanged' END AS outcome
        FROM (
            SELECT s.*, r.atena_no IS NULL AS is_new, r.resident_status AS old_status,
                   r.version AS old_version, greatest(s.updated_at, r.updated_at) AS valid_from,
                   CASE WHEN r.atena_no IS NULL THEN NULL
                        ELSE concat_ws(',', {changed}) END AS changed_columns
            FROM {STAGE} s LEFT JOIN register.residents r ON r.atena_no = s.atena_no
        ) d
    ) x WHERE outcome <> 'unchanged' ORDER BY atena_no
    """


def _summarise(session: Session, summary: LoadSummary) -> None:
    for outcome, reason, people in session.execute(
        text(f"SELECT outcome, move_reason, count(*) FROM {DIFF} GROUP BY 1, 2")
    ):
        setattr(summary, outcome, getattr(summary, outcome) + people)
        summary.by_reason[(outcome, reason)] = people
    summary.unchanged = summary.rows - summary.new - summary.changed - summary.removed
    session.execute(text(f"ANALYZE {DIFF}"))


def _count_absent(session: Session, summary: LoadSummary) -> None:
    absent = session.execute(
        text(
            f"""SELECT count(*) FILTER (WHERE r.resident_status <> 1),
                count(*) FILTER (WHERE r.resident_status = 1)
            FROM register.residents r
            WHERE NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.atena_no = r.atena_no)"""
        )
    ).one()
    summary.aged_out, summary.missing_residents = int(absent[0]), int(absent[1])


def _merge(session: Session, file_id: int, actor: Actor) -> None:
    cols = ", ".join(STORED_COLUMNS)
    updates = ", ".join(f"{c} = d.{c}" for c in STORED_COLUMNS if c != "atena_no")
    params = {"file_id": file_id, "actor": actor.name}
    # the current versions of the people who changed become history, closed where the new ones start
    session.execute(
        text(
            f"""INSERT INTO register.resident_versions ({cols}, {_VERSION_META}, valid_to)
            SELECT {", ".join(f"r.{c}" for c in (*STORED_COLUMNS, *_VERSION_META_COLUMNS))},
                greatest(d.updated_at, r.valid_from)
            FROM register.residents r JOIN {DIFF} d ON d.atena_no = r.atena_no WHERE NOT d.is_new"""
        )
    )
    session.execute(
        text(
            f"""INSERT INTO register.residents ({cols}, {_VERSION_META})
            SELECT {cols}, 1, valid_from, outcome, nullif(changed_columns, ''), :file_id, source_line, :actor,
                now() FROM {DIFF} WHERE is_new"""
        ),
        params,
    )
    session.execute(
        text(
            f"""UPDATE register.residents r SET {updates}, version = d.old_version + 1,
                valid_from = d.valid_from, change_kind = d.outcome,
                changed_columns = nullif(d.changed_columns, ''), source_file_id = :file_id,
                source_line = d.source_line, recorded_by = :actor, recorded_at = now()
            FROM {DIFF} d WHERE r.atena_no = d.atena_no AND NOT d.is_new"""
        ),
        params,
    )
    session.execute(
        text(
            f"""INSERT INTO register.households (household_no, head_atena_no, updated_at)
            SELECT DISTINCT ON (household_no) household_no,
                   CASE WHEN relation = '世帯主' AND resident_status = 1 THEN atena_no END, now()
            FROM {DIFF} ORDER BY household_no, (relation = '世帯主' AND resident_status = 1) DESC
            ON CONFLICT (household_no) DO UPDATE SET
                head_atena_no = coalesce(EXCLUDED.head_atena_no, register.households.head_atena_no),
                updated_at = now()"""
        )
    )


def apply_staged(
    session: Session,
    *,
    file_name: str,
    kind: ExtractKind,
    extract_date: date,
    sha256: str,
    rows: int,
    actor: Actor,
    dry_run: bool = False,
) -> LoadSummary:
    """Merge the staged rows into the register (history kept); record the file. The caller commits."""
    summary = LoadSummary(file_name, kind.value, rows)
    session.execute(text(f"ANALYZE {STAGE}"))
    create_diff(session, _diff_sql())
    _summarise(session, summary)
    if kind is ExtractKind.FULL:
        _count_absent(session, summary)
    if dry_run:
        return summary
    file_id = record_file(session, summary, extract_date=extract_date, sha256=sha256, actor=actor)
    _merge(session, file_id, actor)
    return summary


def record_file(
    session: Session, summary: LoadSummary, *, extract_date: date, sha256: str, actor: Actor
) -> int:
    """Record a loaded file (its counts in `summary`, which gets the file id) and audit the load."""
    extract = ExtractFile(
        file_name=summary.file_name,
        kind=summary.kind,
        extract_date=extract_date,
        sha256=sha256,
        record_count=summary.rows,
        status="loaded",
        summary=describe(summary),
        loaded_by=actor.name,
    )
    session.add(extract)
    session.flush()
    summary.file_id = extract.id
    record(
        session,
        actor,
        "register_load",
        "extract_file",
        str(extract.id),
        summary=describe(summary),
        detail={"file": summary.file_name, "sha256": sha256, "rows": summary.rows},
    )
    return extract.id


def describe(summary: LoadSummary) -> str:
    """One line: the counts of a load."""
    return (
        f"新規 {summary.new:,} / 変更 {summary.changed:,} / 消除 {summary.removed:,}"
        f" / 変更なし {summary.unchanged:,}"
        f" (new / changed / removed / unchanged)"
    )


def current_version(resident: Resident) -> ResidentVersion:
    """The residents row as the newest version of the person's history (valid_to None). It is not a row
    of resident_versions and is never added to a session."""
    fields = {column: getattr(resident, column) for column in (*STORED_COLUMNS, *_VERSION_META_COLUMNS)}
    return ResidentVersion(**fields, valid_to=None)


def resident_as_of(session: Session, atena_no: str, at: datetime) -> ResidentVersion | None:
    """The version of a person's record that was valid at AT (None when the register did not know them)."""
    past = session.scalar(
        select(ResidentVersion)
        .where(
            ResidentVersion.atena_no == atena_no,
            ResidentVersion.valid_from <= at,
            ResidentVersion.valid_to > at,
        )
        .order_by(ResidentVersion.version.desc())
        .limit(1)
    )
    if past is not None:
        return past
    resident = session.get(Resident, atena_no)
    return current_version(resident) if resident is not None and resident.valid_from <= at else None


def history(session: Session, atena_no: str) -> list[ResidentVersion]:
    """Every version of a person's record, oldest first; the last is the current one (residents)."""
    past = session.scalars(
        select(ResidentVersion).where(ResidentVersion.atena_no == atena_no).order_by(ResidentVersion.version)
    )
    resident = session.get(Resident, atena_no)
    return [*past, *([current_version(resident)] if resident is not None else [])]
