"""`mynadesk docs cover|import|demo-batch|expire|list`: the document store (イメージ管理) from the CLI."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings
from core.domain.booking import TOKYO
from core.domain.documents import DocumentKind, batch_reference, document_kind, document_reference
from core.domain.errors import DomainError

if TYPE_CHECKING:
    from core.services.document_import import FolderReport

app = typer.Typer(
    help="書類イメージ / scanned documents: cover sheets, import, retention.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)
KINDS = ", ".join(f"{k.value} ({k.label_ja})" for k in DocumentKind)
STAFF = f"cli:{getpass.getuser()}"


def _fail(error: DomainError) -> typer.Exit:
    err_console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(2)


@app.command("cover")
def docs_cover(
    kind: Annotated[str, typer.Option("--kind", help=f"書類の種類 / kind: {KINDS}")],
    count: Annotated[int, typer.Option("--count", help="表紙を除いた枚数 / sheets in the batch")],
    out: Annotated[Path, typer.Option("--out", help="出力する PDF / PDF file to write")],
    note: Annotated[str | None, typer.Option(help="箱の番号など / box label")] = None,
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = STAFF,
) -> None:
    """スキャン表紙を印刷 / print a batch cover sheet (QR: batch, kind, sheet count)."""
    from core.clock import system_clock
    from core.db.engine import session_factory
    from core.services.documents import open_batch
    from reports.documents import render_cover

    now = system_clock()
    try:
        with session_factory(Settings.from_env(), "app").begin() as session:
            cover = open_batch(session, document_kind(kind), count, actor=staff, now=now, note=note)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(render_cover(cover, staff=staff, created=now.astimezone(TOKYO), note=note))
    except DomainError as error:
        raise _fail(error) from error
    console.print(f"[green]表紙を作成しました / written:[/] {out} ({batch_reference(cover.batch_id)})")


@app.command("import")
def docs_import(
    folder: Annotated[Path, typer.Argument(help="スキャナーの出力フォルダ / the scanner's output folder")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="確認のみ、保存しない / check only, store nothing")
    ] = False,
    no_ocr: Annotated[
        bool,
        typer.Option("--no-ocr", help="OCR しない(MYNADESK_DOCUMENT_OCR=0 と同じ) / skip OCR"),
    ] = False,
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = STAFF,
) -> None:
    """スキャンを取り込む / check a scanned folder and import it (all or nothing), with OCR text."""
    settings = Settings.from_env()
    try:
        report = import_scans(
            settings, folder, staff=staff, dry_run=dry_run, ocr=settings.documents.ocr and not no_ocr
        )
    except DomainError as error:
        raise _fail(error) from error
    if report.held:
        err_console.print(
            f"[bold red]保留 / held:[/] {folder} — 何も取り込んでいません / nothing was imported"
        )
        for problem in report.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    sheets = sum(len(b.sheets) for b in report.batches)
    blanks = sum(len(b.blanks) for b in report.batches)
    verb = "確認しました(保存なし) / checked (dry run)" if dry_run else "取り込みました / imported"
    console.print(
        f"[green]{verb}:[/] {len(report.batches)} バッチ / batches, {sheets} 枚 / sheets "
        f"(白紙除外 / blanks dropped {blanks}, 索引待ち / to index {report.needs_index})"
    )


def import_scans(settings: Settings, folder: Path, *, staff: str, dry_run: bool, ocr: bool) -> FolderReport:
    """Read FOLDER (OCR included, no transaction open), then check and store it in one transaction."""
    from core.clock import system_clock
    from core.db.engine import session_factory
    from core.filestore import FileStore
    from core.scans.ocr import ocr_pool
    from core.services.document_import import import_folder, read_folder

    store = FileStore(settings.documents_dir)
    if ocr and not dry_run:
        with ocr_pool(settings.documents.ocr_workers) as pool:
            read = read_folder(folder, ocr=pool)
    else:
        read = read_folder(folder)
    with store.written(), session_factory(settings, "app").begin() as session:
        # the files are written before the commit; written() removes them when the commit fails
        return import_folder(
            session, store, folder, actor=staff, now=system_clock(), dry_run=dry_run, read=read
        )


@app.command("demo-batch")
def docs_demo_batch(
    sheets: Annotated[int, typer.Option("--sheets", help="枚数 / sheets to scan")] = 20,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="OCR しない / skip OCR")] = False,
    seed: Annotated[int, typer.Option(help="乱数の種 / random seed")] = 42,
) -> None:
    """デモ用のスキャンを作って取り込む / scan and import a demo batch (make demo; once only)."""
    import tempfile

    from core.scans.ocr import ocr_available
    from demo.documents import demo_batch_exists, write_demo_batch

    settings = Settings.from_env()
    if demo_batch_exists(settings):
        console.print("デモの書類は取込済みです / demo documents already imported")
        return
    ocr = settings.documents.ocr and not no_ocr and ocr_available()
    if not ocr and not no_ocr:
        err_console.print(
            "警告: tesseract-ocr-jpn がないため OCR なしで取り込みます / no OCR: tesseract missing"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="mynadesk-demo-scans-") as folder:
            write_demo_batch(settings, Path(folder), sheets=sheets, seed=seed)
            report = import_scans(settings, Path(folder), staff="demo", dry_run=False, ocr=ocr)
    except DomainError as error:
        raise _fail(error) from error
    if report.held:
        for problem in report.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    console.print(
        "[green]デモの書類を取り込みました / demo documents imported:[/] "
        f"{len(report.documents)} 枚 / sheets "
        f"(索引待ち / to index {report.needs_index})"
    )


@app.command("expire")
def docs_expire(
    apply: Annotated[bool, typer.Option("--apply", help="実際に削除する / delete them")] = False,
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = STAFF,
) -> None:
    """保存年限を過ぎた書類 / list (and with --apply delete) documents past their retention (audited)."""
    from core.clock import day_of, system_clock
    from core.db.engine import session_factory
    from core.filestore import FileStore
    from core.services.documents import delete_expired, expired_documents, remove_unreferenced

    settings = Settings.from_env()
    retention = settings.documents.retention
    now = system_clock()
    factory = session_factory(settings, "app")
    table = Table(title="保存年限満了 / past retention")
    for column in ("書類 / document", "種類 / kind", "宛名番号", "日付 / date", "保存期限 / kept until"):
        table.add_column(column)
    with factory.begin() as session:
        expired = expired_documents(session, retention, day_of(now))
        for item in expired:
            d = item.document
            table.add_row(
                document_reference(d.id),
                DocumentKind(d.kind).label_ja,
                d.atena_no or "",
                str(d.form_date or ""),
                str(item.kept_until),
            )
        files = delete_expired(session, expired, retention, actor=staff, now=now) if apply else []
    console.print(table)
    if apply:
        with factory.begin() as session:
            removed = remove_unreferenced(session, FileStore(settings.documents_dir), files)
        console.print(
            f"[green]削除しました / deleted:[/] {len(expired)} 件 / documents, {removed} ファイル / files"
        )
    else:
        console.print(f"{len(expired)} 件 / documents (--apply で削除 / --apply deletes them)")


@app.command("list")
def docs_list(
    person: Annotated[str | None, typer.Option("--person", help="宛名番号 / atena number")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="バッチ BAT-… / batch")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="索引待ちのみ / unindexed only")] = False,
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = STAFF,
) -> None:
    """書類の一覧 / documents by person or batch (audited)."""
    from core.db.engine import session_factory
    from core.domain.documents import DocumentStatus
    from core.services.audit import Actor
    from core.services.documents import DocumentQuery, search_documents

    query = DocumentQuery(
        atena_no=person, batch=batch, status=DocumentStatus.NEEDS_INDEX if queue else None, limit=1000
    )
    table = Table(title="書類 / documents")
    for column in (
        "書類 / document",
        "種類 / kind",
        "状態 / status",
        "宛名番号",
        "日付 / date",
        "バッチ / batch",
    ):
        table.add_column(column)
    with session_factory(Settings.from_env(), "app").begin() as session:
        for d in search_documents(session, query, actor=Actor(staff)):
            table.add_row(
                document_reference(d.id),
                DocumentKind(d.kind).label_ja,
                d.status,
                d.atena_no or "",
                str(d.form_date or ""),
                batch_reference(d.batch_id) if d.batch_id else "",
            )
    console.print(table)
