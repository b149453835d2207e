"""A scanner's file (PDF or multi-page TIFF) as page images with their resolution, QR codes and blankness."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
import zxingcpp
from PIL import Image, ImageFilter, ImageSequence, UnidentifiedImageError

from core.domain.errors import DomainError
from core.filestore import sha256_of

SUFFIXES = {".pdf": "application/pdf", ".tif": "image/tiff", ".tiff": "image/tiff"}
RENDER_DPI = 300  # a PDF page that is not one scanned image is rendered at this resolution
BLANK_INK = 0.002  # a page with less than 0.2 % inked cells (noise and dust averaged away) is blank


class UnreadableScan(DomainError):  # noqa: N818 - named for what staff see
    """The file is not a PDF or TIFF MynaDesk can read (corrupt, truncated, or something else)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"ファイルを読めません(壊れているか、PDF/TIFF ではありません): {reason}。"
            "スキャナーから出力し直してください",
            f"cannot read the file (corrupt, or not a PDF/TIFF): {reason}; export it from the scanner again",
        )
        self.name = name


@dataclass(frozen=True)
class PageImage:
    """One page's pixels as scanned and its resolution in dots per inch."""

    image: Image.Image
    dpi: float

    @property
    def sha256(self) -> str:
        """The sha256 of the page's pixels (mode, size and raw bytes): the same scan gives the same hash."""
        header = f"{self.image.mode}:{self.image.width}x{self.image.height}:".encode()
        return sha256_of(header + self.image.tobytes())


@dataclass(frozen=True)
class ScanFile:
    """A scanner's file: its name, bytes' sha256 and size, media type and pages."""

    name: str
    sha256: str
    size: int
    media_type: str
    pages: list[PageImage]


def scan_files(folder: Path) -> list[Path]:
    """The scanner's files in FOLDER (PDF and TIFF), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_scan(path: Path) -> ScanFile:
    """The file's pages; UnreadableScan when it cannot be read."""
    data = path.read_bytes()
    media_type = SUFFIXES[path.suffix.lower()]
    try:
        pages = _pdf_pages(data) if media_type == "application/pdf" else _tiff_pages(data)
    except (pikepdf.PdfError, UnidentifiedImageError, OSError, ValueError, pypdfium2.PdfiumError) as error:
        raise UnreadableScan(path.name, type(error).__name__) from error
    if not pages:
        raise UnreadableScan(path.name, "no pages")
    return ScanFile(path.name, sha256_of(data), len(data), media_type, pages)


def _tiff_pages(data: bytes) -> list[PageImage]:
    pages = []
    with Image.open(io.BytesIO(data)) as tiff:
        for frame in ImageSequence.Iterator(tiff):
            dpi = frame.info.get("dpi", (72, 72))
            image = frame.copy()
            image.load()
            pages.append(PageImage(image, float(min(dpi))))
    return pages


def _pdf_pages(data: bytes) -> list[PageImage]:
    pages = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages):
            images = list(page.get_images().values())
            width_pt = float(page.mediabox[2]) - float(page.mediabox[0])
            if len(images) == 1:
                image = pikepdf.PdfImage(images[0]).as_pil_image()  # type: ignore[arg-type]
                image.load()
                pages.append(PageImage(image, image.width / (width_pt / 72)))
            else:
                pages.append(PageImage(_render(data, number), float(RENDER_DPI)))
    return pages


def _render(data: bytes, number: int) -> Image.Image:
    document = pypdfium2.PdfDocument(data)
    try:
        image: Image.Image = document[number].render(scale=RENDER_DPI / 72, grayscale=True).to_pil()
        return image
    finally:
        document.close()


def grey(image: Image.Image) -> Image.Image:
    """The page in 8-bit grey."""
    return image if image.mode == "L" else image.convert("L")


def is_blank(image: Image.Image) -> bool:
    """True when the page carries no writing: dust and scanner noise average away in 8x8 cells."""
    cells = grey(image).reduce(8)
    inked = sum(cells.histogram()[:230])
    return inked < BLANK_INK * cells.width * cells.height


def has_photo(image: Image.Image) -> bool:
    """True when the page holds a continuous-tone area (a face photo): 8x8 cells three-quarters mid-grey over
    at least 5x5 cells, which text strokes and QR modules (black or white, grey only at their edges) never
    fill. Bilevel scans have none."""
    if image.mode == "1":
        return False
    mid = grey(image).point(lambda v: 255 if 40 <= v <= 200 else 0).reduce(8)
    cells = mid.point(lambda v: 255 if v >= 190 else 0)
    return cells.filter(ImageFilter.MinFilter(5)).getextrema()[1] == 255


def qr_texts(image: Image.Image) -> list[str]:
    """The texts of every QR code found on the page (any angle)."""
    found = zxingcpp.read_barcodes(
        grey(image), formats=zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])
    )
    return [code.text for code in found if code.valid]
