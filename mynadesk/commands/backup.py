"""`mynadesk backup …`: base backups with WAL archiving, their verification, restore drills and restores."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.clock import system_clock
from core.config import Settings
from core.domain.dates import TOKYO
from core.domain.errors import DomainError

app = typer.Typer(help="バックアップ / backups, restore drills and restores.", no_args_is_help=True)
console = Console()
EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(error: Exception, code: int = EXIT_FAILED) -> typer.Exit:
    console.print(f"[bold red]エラー / error:[/] {escape(str(error))}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


def _size(size: int | None) -> str:
    return "-" if size is None else f"{size / 1024 / 1024:,.1f} MiB"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")


@app.command("run")
def backup_run(
    fmt: Annotated[
        str, typer.Option("--format", help="plain(既定)か tar / plain (default) or tar")
    ] = "plain",
    wal: Annotated[str, typer.Option("--wal", help="stream(既定)か fetch / WAL method")] = "stream",
    max_rate: Annotated[
        str | None, typer.Option("--max-rate", help="読み出し速度の上限 例 50M / limit per second, e.g. 50M")
    ] = None,
) -> None:
    """ベースバックアップを取る / take a verified base backup (and archive WAL continuously)."""
    from core.ops.jobs import run_backup

    settings = Settings.from_env()
    try:
        outcome = run_backup(settings, system_clock, fmt, wal, max_rate)
    except DomainError as error:
        raise _fail(error) from error
    for note in outcome.notes:
        console.print(f"[yellow]{note}[/]", soft_wrap=True)
    info = outcome.info
    console.print(
        f"[green]バックアップ完了・検証済み / backup taken and verified:[/] {info.name} "
        f"({_size(info.size_bytes)}, WAL {info.start_wal} – {info.stop_wal}) in {settings.backup_dir}"
    )
    if info.documents is not None:
        docs = info.documents
        console.print(
            f"文書ファイル / document files: {docs['referenced']:,} 件を確認、新規 {docs['copied']:,} 件"
            f" ({_size(docs['copied_bytes'])}) をコピー / {docs['referenced']:,} named, "
            f"{docs['copied']:,} new copied into {settings.backup_dir / 'documents'}",
            soft_wrap=True,
        )
    if outcome.pruned:
        console.print(f"保持期間を過ぎたため削除 / removed by retention: {', '.join(outcome.pruned)}")


@app.command("verify")
def backup_verify(
    drill: Annotated[
        bool,
        typer.Option("--drill", help="復元訓練もする / also restore it into a throwaway copy and compare"),
    ] = False,
    name: Annotated[
        str | None, typer.Option(help="バックアップ名(既定: 最新) / backup (default: newest)")
    ] = None,
) -> None:
    """バックアップを検証する / pg_verifybackup, and with --drill a full restore drill."""
    from core.ops import jobs

    settings = Settings.from_env()
    try:
        info = jobs.verify(settings, system_clock, name)
    except DomainError as error:
        raise _fail(error) from error
    console.print(f"[green]検証 OK / verified:[/] {info.name} (pg_verifybackup, SHA-256)")
    if not drill:
        return
    try:
        result = jobs.drill(settings, system_clock)
    except DomainError as error:
        raise _fail(error) from error
    table = Table(title=f"復元訓練 / restore drill: {result.backup_name}", show_header=False)
    table.add_row("目標 / target", result.target)
    table.add_row("チェックサム / checksums", result.checksums)
    table.add_row("RTO (復元開始→応答 / restore → queries answered)", f"{result.rto_seconds or 0:.1f} s")
    table.add_row("RPO (最後のアーカイブからの経過 / since last archived WAL)", _seconds(result.rpo_seconds))
    for table_name, digest in result.source.get("fingerprints", {}).items():
        table.add_row(f"指紋 / fingerprint {table_name}", digest or "(空 / empty)")
    table.add_row("結果 / result", "一致 / identical" if result.ok else "不一致 / DIFFERS")
    console.print(table)
    if not result.ok:
        for problem in result.problems:
            console.print(f"  [red]{problem}[/]", soft_wrap=True)
        raise typer.Exit(EXIT_FAILED)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _parse_at(at: str | None) -> datetime | None:
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as error:
        raise _fail(
            ValueError(
                f"--at は 'YYYY-MM-DD HH:MM:SS+09' の形で指定してください / --at must look like that: {at}"
            ),
            EXIT_USAGE,
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


@app.command("restore")
def backup_restore(
    to: Annotated[Path, typer.Option("--to", help="新しいデータディレクトリ / a new data directory")],
    at: Annotated[
        str | None, typer.Option("--at", help="時点 'YYYY-MM-DD HH:MM:SS+09'(既定: 最新) / moment")
    ] = None,
    name: Annotated[str | None, typer.Option(help="バックアップ名 / backup to restore")] = None,
    from_copy: Annotated[
        Path | None,
        typer.Option("--from-copy", help="複製(NAS 等)から / from an off-machine copy (its folder)"),
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="複製の秘密鍵ファイル / the copy's secret key file")
    ] = None,
    allow_missing_documents: Annotated[
        bool,
        typer.Option(
            "--allow-missing-documents",
            help="欠けた・壊れた文書ファイルなしでも復元する / restore even when document files are missing",
        ),
    ] = False,
) -> None:
    """新しいディレクトリに復元する / restore a backup (or a moment) into a new data directory."""
    from core.ops import docfiles, jobs

    settings = Settings.from_env()
    moment = _parse_at(at)
    target = to.expanduser().resolve()
    try:
        if from_copy is not None:
            from core.ops.copy_jobs import restore_from_copy

            source = from_copy.expanduser().resolve()
            copied, restored = restore_from_copy(
                settings, source, key, target, moment, allow_missing_documents
            )
            console.print(f"複製を確認・復号・検証済み / copy checked, decrypted, verified: {copied.folder}")
        else:
            restored = jobs.restore(settings, target, moment, name, allow_missing_documents)
    except DomainError as error:
        raise _fail(error) from error
    when = "時点 / at " + moment.isoformat(sep=" ") if moment else "最新 / latest"
    console.print(
        f"[green]復元完了 / restored:[/] {restored.info.name} → {target} ({when}, {restored.seconds:.1f} s)"
    )
    files = restored.documents
    console.print(
        f"文書ファイル / document files: {files.copied:,} 件 ({_size(files.copied_bytes)}、SHA-256 確認済み"
        f" / checked) → {restored.documents_dir}",
        soft_wrap=True,
        highlight=False,
    )
    without = docfiles.restored_without(files)
    if without:
        console.print(f"[bold yellow]{escape(without)}[/]", soft_wrap=True, highlight=False)
    console.print(
        "切り替えるには組込みサーバーを止め、このディレクトリを data/pg に置き換え、文書フォルダーを"
        f" MYNADESK_DOCUMENTS_DIR={restored.documents_dir} で指定してください(または data/documents に"
        "置き換え、docs/operations.md)"
        " / to switch over, stop the server, put this directory in place of data/pg and set"
        f" MYNADESK_DOCUMENTS_DIR={restored.documents_dir} (or put it in place of data/documents)",
        soft_wrap=True,
        highlight=False,
    )


@app.command("list")
def backup_list() -> None:
    """バックアップの一覧 / every backup: time, size, WAL range, verification, drill and RTO."""
    from core.ops import jobs, records
    from core.ops.layout import BackupRoot

    settings = Settings.from_env()
    root = BackupRoot(settings.backup_dir)
    backups = root.finished()
    runs, drills = {}, {}
    try:
        live = jobs.connect(settings)
        with live.factory() as session:
            runs, drills = records.runs_by_name(session), records.last_drills(session)
    except Exception as error:
        console.print(f"[yellow]記録を読めません(フォルダーのみ表示) / records unavailable: {error}[/]")
    headers = (
        "名前 / name",
        "取得 / taken",
        "サイズ / size",
        "WAL",
        "検証 / verified",
        "訓練 / drill",
        "RTO",
    )
    table = Table(title=f"バックアップ / backups in {root.path}")
    for header in headers:
        table.add_column(header, overflow="fold")  # never cut a name or a WAL file name short
    for info in reversed(backups):
        run, drill_run = runs.get(info.name), drills.get(info.name)
        verified = "-"
        if run is not None and run.verify_ok is not None:
            verified = ("OK " if run.verify_ok else "NG ") + _when(run.verified_at)
        drilled = "-" if drill_run is None else ("一致 OK" if drill_run.ok else "NG")
        rto = "-" if drill_run is None else _seconds(drill_run.rto_seconds)
        table.add_row(
            info.name,
            _when(info.finished_at),
            _size(info.size_bytes),
            f"{info.start_wal}–{info.stop_wal}",
            verified,
            drilled,
            rto,
        )
    # a log or a pipe (cron, the nightly's mail) gets whole lines rather than 80 columns of folded names
    wide = console if console.is_terminal else Console(width=160)
    wide.print(table)
    if not backups:
        console.print("バックアップはまだありません / no backups yet")
    _print_last_copy(settings)
    failed = sorted((run for run in runs.values() if run.status == "failed"), key=lambda run: run.started_at)
    if failed:
        last = failed[-1]
        console.print(
            f"[red]失敗・中断 / failed or interrupted: {len(failed)} 件、最新 / latest {last.name}"
            f" ({_when(last.started_at)}): {escape(last.message or '')}[/]",
            soft_wrap=True,
        )


def _print_last_copy(settings: Settings) -> None:
    from core.ops.copy_jobs import last_copy

    copy = last_copy(settings)
    if copy is None:
        console.print("機械外の複製: まだありません / off-machine copy: none yet")
        return
    encrypted = "暗号化あり / encrypted" if copy["encrypted"] else "暗号化なし / NOT encrypted"
    when = _when(copy["created_at"])
    console.print(
        f"最新の複製 / last copy: {copy['name']} → {copy['folder']} ({when}, {encrypted})",
        soft_wrap=True,
        highlight=False,
    )


@app.command("copy")
def backup_copy(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="複製先(NAS・外付けディスク)既定 MYNADESK_BACKUP_COPY_DIR / copy folder"),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="鍵ファイル(公開鍵で可)既定 MYNADESK_BACKUP_COPY_KEY_FILE / key file"),
    ] = None,
) -> None:
    """検証済みの最新バックアップを機械の外へ複製する / copy the newest verified backup off the machine."""
    from core.ops.copy_jobs import make_copy

    settings = Settings.from_env()
    copy_dir = to or settings.backup.copy_dir
    if copy_dir is None:
        raise _fail(
            ValueError("--to か MYNADESK_BACKUP_COPY_DIR で複製先を指定してください / give --to"), EXIT_USAGE
        )
    key_file = key or settings.backup.copy_key_file
    try:
        outcome = make_copy(settings, system_clock, copy_dir.expanduser().resolve(), key_file)
    except DomainError as error:
        raise _fail(error) from error
    copy = outcome.copy
    encrypted = "暗号化済み / encrypted (age)" if copy.encrypted else "[yellow]暗号化なし / NOT encrypted[/]"
    console.print(
        f"[green]複製完了 / copied:[/] {copy.name} → {copy.folder} ({encrypted}, {len(copy.files)} files)",
        soft_wrap=True,
    )
    if copy.documents:
        docs = copy.documents
        console.print(
            f"文書ファイル / document files: {docs['files']:,} 件、新規 {docs['copied']:,} 件"
            f" ({_size(docs['copied_bytes'])}) → {copy.folder.parent / 'documents'}",
            soft_wrap=True,
            highlight=False,
        )
    if outcome.pruned:
        console.print(f"保持期間を過ぎた複製を削除 / removed by retention: {', '.join(outcome.pruned)}")


key_app = typer.Typer(help="複製の鍵 / the off-machine copy's key.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("create")
def key_create(
    path: Annotated[Path, typer.Argument(help="秘密鍵ファイル(新規) / new secret key file")],
) -> None:
    """複製の鍵を作る(0600、X25519)/ make a new key (0600) and PATH.pub, its public half."""
    from core.ops.copy_keys import create_key

    target = path.expanduser().resolve()
    try:
        public = create_key(target)
    except DomainError as error:
        raise _fail(error) from error
    console.print(f"[green]鍵を作成 / key created:[/] {target} (0600)", soft_wrap=True)
    console.print(f"公開鍵 / public key: {public} ({target}.pub)", soft_wrap=True, highlight=False)
    console.print(
        "秘密鍵はサーバーと複製先の NAS 以外(金庫の USB など)に保管し、"
        "サーバーには .pub だけを置いてください。"
        "鍵をなくすと暗号化した複製は誰にも復元できません"
        " / keep the secret key off this server and off the copy's NAS (e.g. a USB stick in a safe); the"
        " server needs only the .pub. A lost key makes the encrypted copies unrecoverable by anyone.",
        soft_wrap=True,
    )
