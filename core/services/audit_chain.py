"""Checking the audit log's hash chain (migration 0017) and writing down where it ends.

Every row's hash is recomputed by the database from audit.canonical, the same function audit.append used, so
the writer and the checker cannot disagree on the canonical form. The walk goes in batches of sequence
numbers, carrying the last good row's (seq, row_hash) from one batch into the next. A recorded head (seq and
hash, written daily into audit.chain_heads and a file beside the backups) catches what the walk alone cannot:
the newest rows removed, with the live chain head rewritten to match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.clock import day_of
from core.db.models.audit import ChainHead

GENESIS = bytes(32)  # the prev_hash of seq 1
BATCH = 2_000_000  # sequence numbers per look (each look scans the table once when in parallel)

# Two looks at a batch: each row's own hash (a filter that PostgreSQL runs in parallel workers; `seq + 0`
# keeps min() from walking the index one row at a time), and each row's link to the row before (no hashing).
HASH_FAULT = text("""
SELECT min(l.seq + 0) FROM audit.log l
WHERE l.seq >= :lo AND l.seq < :hi AND audit.row_hash(l.prev_hash, l) <> l.row_hash
""")
LINK_FAULT = text("""
WITH b AS (
    SELECT l.seq, l.prev_hash, lag(l.seq) OVER w AS before_seq, lag(l.row_hash) OVER w AS before_hash
    FROM audit.log l
    WHERE l.seq >= :lo AND l.seq < :hi
    WINDOW w AS (ORDER BY l.seq)
), judged AS (
    SELECT seq, CASE WHEN seq <> coalesce(before_seq, :carry_seq) + 1 THEN 'gap'
                     WHEN prev_hash <> coalesce(before_hash, :carry_hash) THEN 'link' END AS fault
    FROM b
)
SELECT seq, fault FROM judged WHERE fault IS NOT NULL ORDER BY seq LIMIT 1
""")
LAST_IN = text("SELECT seq, row_hash FROM audit.log WHERE seq >= :lo AND seq < :hi ORDER BY seq DESC LIMIT 1")
FAULTS = {
    "gap": "連番が飛んでいます(行の削除) / a sequence number is missing (a row was removed)",
    "link": "前の行のハッシュと一致しません / prev_hash does not match the row before",
    "hash": "行の内容がハッシュと一致しません(改ざん) / the row does not match its hash (altered)",
}


@dataclass(frozen=True)
class Head:
    """Where the chain ended: the last sequence number and its row_hash, and when that was written down."""

    seq: int
    row_hash: bytes
    recorded_at: datetime | None = None

    def as_json(self) -> str:
        """One line of the head file."""
        at = self.recorded_at.isoformat() if self.recorded_at else None
        return json.dumps({"recorded_at": at, "seq": self.seq, "row_hash": self.row_hash.hex()})


@dataclass(frozen=True)
class Fault:
    """The first row (by seq) that breaks the chain, or a recorded head the log no longer matches."""

    seq: int
    id: int | None
    at: datetime | None
    reason: str

    def describe(self) -> str:
        """The fault in words, naming the row."""
        row = f"seq {self.seq}" + (f" (id {self.id}, {self.at.isoformat()})" if self.id and self.at else "")
        return f"{row}: {self.reason}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a walk: rows checked, where it ended, and the first fault (None: the chain holds)."""

    checked: int
    last: Head
    fault: Fault | None

    @property
    def ok(self) -> bool:
        return self.fault is None


def _row_before(session: Session, start: int) -> Head | None:
    if start <= 1:
        return Head(0, GENESIS)
    row = session.execute(
        text("SELECT seq, row_hash FROM audit.log WHERE seq = :seq"), {"seq": start - 1}
    ).one_or_none()
    return None if row is None else Head(int(row.seq), bytes(row.row_hash))


def _live_head(session: Session) -> Head:
    row = session.execute(text("SELECT seq, row_hash FROM audit.chain_head")).one()
    return Head(int(row.seq), bytes(row.row_hash))


def _first_fault(session: Session, params: dict[str, object]) -> Fault | None:
    linked = session.execute(LINK_FAULT, params).one_or_none()
    hashed = session.execute(HASH_FAULT, {"lo": params["lo"], "hi": params["hi"]}).scalar_one()
    if linked is None and hashed is None:
        return None
    if linked is not None and (hashed is None or linked.seq <= hashed):
        seq, reason = int(linked.seq), FAULTS[linked.fault]  # a missing row before an altered one
    else:
        seq, reason = int(hashed), FAULTS["hash"]
    row = session.execute(text("SELECT id, at FROM audit.log WHERE seq = :seq"), {"seq": seq}).one()
    return Fault(seq, int(row.id), row.at, reason)


def verify(session: Session, start: int = 1, batch: int = BATCH) -> Verdict:
    """Walk the chain from seq START to its end; name the first broken row, or the live head's mismatch."""
    if start < 1:
        raise ValueError(f"--from は 1 以上 / --from must be 1 or more: {start}")
    carry = _row_before(session, start)
    if carry is None:
        return Verdict(0, Head(start - 1, GENESIS), Fault(start - 1, None, None, FAULTS["gap"]))
    end = session.execute(text("SELECT coalesce(max(seq), 0) FROM audit.log")).scalar_one()
    lo = start
    while lo <= end:
        params = {"lo": lo, "hi": lo + batch, "carry_seq": carry.seq, "carry_hash": carry.row_hash}
        fault = _first_fault(session, params)
        if fault is not None:
            return Verdict(fault.seq - start, carry, fault)
        last = session.execute(LAST_IN, {"lo": lo, "hi": lo + batch}).one_or_none()
        if last is not None:
            carry = Head(int(last.seq), bytes(last.row_hash))
        lo += batch
    checked = max(0, carry.seq - start + 1)
    live = _live_head(session)
    if live.seq != carry.seq or live.row_hash != carry.row_hash:
        reason = (
            f"監査ログの末尾が chain_head (seq {live.seq}) と一致しません / the log ends at seq {carry.seq}, "
            f"but audit.chain_head says seq {live.seq}"
        )
        return Verdict(checked, carry, Fault(carry.seq, None, None, reason))
    return Verdict(checked, carry, None)


def check_heads(session: Session, heads: Iterable[Head]) -> Fault | None:
    """The first recorded head (lowest seq) the log no longer holds: its row gone or different."""
    wanted = sorted(heads, key=lambda head: head.seq)
    if not wanted:
        return None
    rows = session.execute(
        text(
            "SELECT h.seq, l.id, l.at, l.row_hash FROM unnest(CAST(:seqs AS bigint[])) AS h(seq) "
            "LEFT JOIN audit.log l ON l.seq = h.seq"
        ),
        {"seqs": [head.seq for head in wanted]},
    ).all()
    found = {int(row.seq): row for row in rows}
    end = session.execute(text("SELECT coalesce(max(seq), 0) FROM audit.log")).scalar_one()
    for head in wanted:
        row = found.get(head.seq)
        when = head.recorded_at.isoformat() if head.recorded_at else "?"
        if row is None or row.row_hash is None:
            reason = (
                f"記録済みの末尾 (seq {head.seq}, {when}) がありません: 末尾の行が削除されています / "
                f"the head recorded at {when} is gone: the log ends at seq {end}, "
                "the newest rows were removed"
            )
            return Fault(head.seq, None, None, reason)
        if bytes(row.row_hash) != head.row_hash:
            reason = (
                f"記録済みの末尾 ({when}) とハッシュが違います / "
                f"the row differs from the head recorded at {when}"
            )
            return Fault(head.seq, int(row.id), row.at, reason)
    return None


HEAD_FILE = "audit-chain-heads.jsonl"  # in the backup folder: a copy of the heads outside the database


def recorded_heads(session: Session) -> list[Head]:
    """Every head written down in audit.chain_heads, oldest first."""
    rows = session.scalars(select(ChainHead).order_by(ChainHead.id)).all()
    return [Head(row.seq, bytes(row.row_hash), row.recorded_at) for row in rows]


def record_head(session: Session, now: datetime) -> Head:
    """Write down where the chain ends now (audit.record_head: waits for appends in flight)."""
    row = session.execute(
        text("SELECT seq, row_hash, recorded_at FROM audit.record_head(:at)"), {"at": now}
    ).one()
    return Head(int(row.seq), bytes(row.row_hash), row.recorded_at)


def record_daily_head(session: Session, now: datetime) -> Head | None:
    """The day's head, unless one was already written down today (Japan's calendar day of NOW)."""
    newest = session.scalars(select(ChainHead.recorded_at).order_by(ChainHead.id.desc()).limit(1)).first()
    if newest is not None and day_of(newest) >= day_of(now):
        return None
    return record_head(session, now)


def read_head_file(path: Path) -> list[Head]:
    """The heads in a head file (JSON lines), or none when it does not exist."""
    if not path.exists():
        return []
    heads = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            at = datetime.fromisoformat(item["recorded_at"]) if item.get("recorded_at") else None
            heads.append(Head(int(item["seq"]), bytes.fromhex(item["row_hash"]), at))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}:{number}: 末尾の記録が読めません / not a chain head: {error}"
            ) from error
    return heads


def export_heads(path: Path, heads: Iterable[Head]) -> int:
    """Append to PATH (0600) the heads it does not hold yet (never rewriting a line); how many were added."""
    held = {(head.seq, head.row_hash) for head in read_head_file(path)}
    new = [head for head in heads if (head.seq, head.row_hash) not in held]
    if new:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with os.fdopen(
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8"
        ) as out:
            out.writelines(head.as_json() + "\n" for head in new)
    return len(new)


def keep_head(factory: sessionmaker[Session], now: datetime, path: Path) -> tuple[Head, int]:
    """Write down where the chain ends now and append every recorded head to PATH, a copy outside the database
    kept with the backups (`mynadesk audit head`, and the nightly job before its backup, so each backup set
    holds the head of its night): the head and how many lines PATH gained."""
    with factory.begin() as session:
        head = record_head(session, now)
        heads = recorded_heads(session)
    return head, export_heads(path, heads)
