"""Fetching register extracts from the city's FTP server (FTPS when configured), loading them in date order.

Only data files whose `.end` flag exists are fetched; a file whose bytes were loaded before (sha256 in
register.extract_files) or that was rejected before (same name and sha256 in the error folder) is skipped.
Files are loaded one by one, each in its own transaction; the first rejected file stops the run (a later
delta must not be applied over a missing one) and stays in errors/ with its report. Nothing is deleted on the
server unless `delete_after_load` is configured.
"""

from __future__ import annotations

import ftplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.config import FtpSettings
from core.domain.errors import DomainError
from core.domain.register import END_SUFFIX, InvalidEndLine, parse_end_line
from core.paths import DataLayout, private_dir
from core.services.audit import Actor
from core.services.register import find_loaded
from etl.load import LoadOutcome, Progress, load_extract, sort_by_extract_date

REPORT_SUFFIX = ".report.txt"


@dataclass
class PullResult:
    """What one pull did with each file it saw on the server."""

    loaded: list[LoadOutcome] = field(default_factory=list)
    rejected: list[LoadOutcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, why, ja / en)
    waiting: list[str] = field(default_factory=list)  # not fetched because an earlier file was rejected


class PullError(DomainError):
    """The FTP server cannot be reached or refuses us."""


@contextmanager
def connect(settings: FtpSettings) -> Iterator[ftplib.FTP]:
    """A logged-in connection in the extract folder (FTPS with a protected data channel when configured)."""
    try:
        if settings.tls:
            context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
            # FTPS with a verified certificate; plain FTP only where the city's server offers nothing else.
            ftp: ftplib.FTP = ftplib.FTP_TLS(context=context, timeout=30)  # noqa: S321
        else:
            ftp = ftplib.FTP(timeout=30)  # noqa: S321
        ftp.connect(settings.host, settings.port)
        ftp.login(settings.user, settings.password or "")
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()
        ftp.cwd(settings.directory)
    except (OSError, ftplib.Error) as error:
        raise PullError(
            f"FTP サーバー {settings.host}:{settings.port} に接続できません({error})",
            f"cannot reach the FTP server {settings.host}:{settings.port} ({error})",
        ) from error
    try:
        yield ftp
    finally:
        try:
            ftp.quit()
        except (OSError, ftplib.Error):
            ftp.close()


def ready_files(names: list[str]) -> tuple[list[str], list[str]]:
    """Data files whose `.end` exists (in date order), and those still being uploaded."""
    present = set(names)
    data = [n for n in names if n.startswith("resident_") and n.endswith(".csv")]
    ready = [n for n in data if n + END_SUFFIX in present]
    uploading = [n for n in data if n + END_SUFFIX not in present]
    return [p.name for p in sort_by_extract_date([Path(n) for n in ready])], sorted(uploading)


def _read_remote_end(ftp: ftplib.FTP, name: str) -> tuple[int, str] | None:
    lines: list[str] = []
    ftp.retrlines(f"RETR {name}{END_SUFFIX}", lines.append)
    try:
        return parse_end_line("\n".join(lines))
    except InvalidEndLine:
        return None


def _download(ftp: ftplib.FTP, name: str, folder: Path) -> Path:
    private_dir(folder)
    for remote in (name, name + END_SUFFIX):  # the flag last, as the server side does
        partial = folder / (remote + ".part")
        with partial.open("wb") as out:
            ftp.retrbinary(f"RETR {remote}", out.write)
        partial.replace(folder / remote)
    return folder / name


def _rejected_before(errors_dir: Path, name: str, digest: str | None) -> bool:
    flag = errors_dir / (name + END_SUFFIX)
    if digest is None or not flag.is_file():
        return False
    try:
        return parse_end_line(flag.read_text(encoding="ascii", errors="replace"))[1] == digest
    except InvalidEndLine:
        return False


def _file_away(path: Path, folder: Path) -> Path:
    private_dir(folder)
    for source in (path, path.with_name(path.name + END_SUFFIX)):
        if source.exists():
            source.replace(folder / source.name)
    return folder / path.name


def write_report(outcome: LoadOutcome, folder: Path) -> Path:
    """The rejection report beside the rejected file: every error, Japanese and English."""
    private_dir(folder)
    report = folder / (outcome.path.name + REPORT_SUFFIX)
    lines = [f"{outcome.path.name}: 拒否 / rejected ({len(outcome.errors)} 件 / errors)", ""]
    lines += [str(error) for error in outcome.errors]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def pull(
    settings: FtpSettings,
    layout: DataLayout,
    factory: sessionmaker[Session],
    actor: Actor,
    *,
    progress: Progress | None = None,
    on_file: Callable[[LoadOutcome], None] | None = None,
    owner_factory: sessionmaker[Session] | None = None,
) -> PullResult:
    """Fetch and load every new, complete extract on the server into LAYOUT's register folders, oldest first
    (each by etl.load's load_extract, in its own transaction; OWNER_FACTORY as there)."""
    result = PullResult()
    private_dir(layout.register)
    inbox, errors_dir, loaded_dir = layout.register_inbox, layout.register_errors, layout.register_loaded
    with connect(settings) as ftp:
        ready, uploading = ready_files(ftp.nlst())
        result.skipped += [
            (n, "完了ファイルなし(アップロード中)/ no .end yet (still uploading)") for n in uploading
        ]
        for position, name in enumerate(ready):
            expected = _read_remote_end(ftp, name)
            digest = expected[1] if expected else None
            if digest is not None and _already_loaded(factory, digest):
                result.skipped.append((name, "読込済み / already loaded"))
                continue
            if _rejected_before(errors_dir, name, digest):
                result.skipped.append((name, "前回拒否(同じ内容)/ rejected before, unchanged"))
                continue
            path = _download(ftp, name, inbox)
            outcome = load_extract(path, actor, factory, owner_factory=owner_factory, progress=progress)
            if on_file is not None:
                on_file(outcome)
            if outcome.status == "rejected":
                write_report(outcome, errors_dir)
                outcome.path = _file_away(path, errors_dir)
                result.rejected.append(outcome)
                result.waiting += ready[position + 1 :]
                break
            outcome.path = _file_away(path, loaded_dir)
            result.loaded.append(outcome)
            if settings.delete_after_load:
                ftp.delete(name + END_SUFFIX)
                ftp.delete(name)
    return result


def _already_loaded(factory: sessionmaker[Session], digest: str) -> bool:
    with factory() as session:
        return find_loaded(session, digest) is not None
