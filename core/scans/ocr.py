"""Tesseract OCR of a scanned page (the Debian `tesseract-ocr` + `tesseract-ocr-jpn` command, Apache-2.0),
one process per page with OMP_THREAD_LIMIT=1 so that the workers, not OpenMP, share the cores.

The text is a suggestion and a search aid only: the index comes from QR codes and double entry."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from PIL import Image

from core.domain.errors import DomainError
from core.domain.ocr_text import stored_ocr_text
from core.scans.pages import grey

LANGUAGES = "jpn+eng"
TIMEOUT_SECONDS = 120  # a page Tesseract cannot finish in two minutes is not worth holding the import for


class OcrUnavailable(DomainError):  # noqa: N818 - named for what staff see
    """Tesseract or its Japanese model is missing, or it failed on a page."""


def _command() -> str:
    found = shutil.which("tesseract")
    if found is None:
        raise OcrUnavailable(
            "OCR(tesseract)がありません。`apt-get install tesseract-ocr tesseract-ocr-jpn` で導入するか、"
            "--no-ocr で OCR なしに取り込んでください",
            "tesseract is not installed; `apt-get install tesseract-ocr tesseract-ocr-jpn`, "
            "or import with --no-ocr",
        )
    return found


def ocr_available() -> bool:
    """True when the tesseract command and its Japanese model are installed."""
    try:
        listed = subprocess.run(
            [_command(), "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OcrUnavailable, OSError, subprocess.TimeoutExpired):
        return False
    return "jpn" in listed.stdout.split()


def page_png(image: Image.Image) -> bytes:
    """The page as Tesseract reads it fastest: grey PNG, light compression (10x smaller than raw PGM)."""
    out = io.BytesIO()
    grey(image).save(out, "PNG", compress_level=1)
    return out.getvalue()


def ocr_png(png: bytes, dpi: float) -> str:
    """The page's text as stored (normalised, any 個人番号 masked)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [_command(), "-", "-", "-l", LANGUAGES, "--dpi", str(round(dpi))]
    try:
        done = subprocess.run(command, input=png, capture_output=True, env=env, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as error:
        raise OcrUnavailable(
            f"OCR が {TIMEOUT_SECONDS} 秒で終わりませんでした", f"OCR took over {TIMEOUT_SECONDS} s"
        ) from error
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise OcrUnavailable(
            f"OCR に失敗しました: {reason[0]}(tesseract-ocr-jpn は入っていますか)",
            f"OCR failed: {reason[0]} (is tesseract-ocr-jpn installed?)",
        )
    return stored_ocr_text(done.stdout.decode("utf-8", errors="replace"))


def ocr_page(image: Image.Image, dpi: float) -> str:
    """The text of one page image."""
    return ocr_png(page_png(image), dpi)


def default_workers() -> int:
    """One Tesseract per core."""
    return max(1, os.cpu_count() or 1)


class OcrPool:
    """Pages OCR'd by WORKERS Tesseract processes while the caller reads the next pages; at most
    2 x WORKERS pages wait (their PNGs in memory), so a big folder keeps memory flat."""

    def __init__(self, executor: ThreadPoolExecutor, workers: int) -> None:
        self._executor = executor
        self._limit = 2 * workers
        self._pending: deque[Future[str]] = deque()

    def submit(self, image: Image.Image, dpi: float) -> Callable[[], str]:
        """Queue a page; the returned callable gives its text (waiting for it)."""
        while sum(not f.done() for f in self._pending) >= self._limit:
            self._pending[0].result()
            self._pending.popleft()
        future = self._executor.submit(ocr_png, page_png(image), dpi)
        self._pending.append(future)
        return future.result


@contextmanager
def ocr_pool(workers: int | None = None) -> Iterator[OcrPool]:
    """An OcrPool (checks first that Tesseract is there, so a missing one fails before any page)."""
    _command()
    count = workers or default_workers()
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="ocr") as executor:
        yield OcrPool(executor, count)
