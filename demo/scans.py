"""Realistic scanned pages for tests and `make demo`: a page drawn or rasterised at 300 dpi, then skewed,
speckled and given a grey photo area, saved as a scanner would (G4 TIFF, or a PDF of JPEG pages)."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

import img2pdf
import pypdfium2
import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from reports.pdf import GOTHIC

A4_MM = (210, 297)


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def qr_image(text: str, *, module_px: int) -> Image.Image:
    """TEXT as a QR code image, MODULE_PX pixels per module, quiet zone kept."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=module_px, border=4)
    out.seek(0)
    return Image.open(out).convert("L")


def sheet(lines: Sequence[str], *, qr: str | None = None, photo: bool = False, dpi: int = 300) -> Image.Image:
    """An A4 page in grey: LINES of Japanese text, a QR code top right, a face-photo-like area if PHOTO."""
    page = Image.new("L", (_px(A4_MM[0], dpi), _px(A4_MM[1], dpi)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(GOTHIC), _px(5, dpi))
    y = _px(30, dpi)
    for line in lines:
        draw.text((_px(20, dpi), y), line, fill=0, font=font)
        draw.line((_px(20, dpi), y + _px(8, dpi), _px(190, dpi), y + _px(8, dpi)), fill=0, width=2)
        y += _px(12, dpi)
    if qr is not None:
        code = qr_image(qr, module_px=max(2, round(dpi / 300 * 8)))
        page.paste(code, (page.width - code.width - _px(15, dpi), _px(12, dpi)))
    if photo:
        _photo(page, (_px(150, dpi), _px(200, dpi)), (_px(30, dpi), _px(40, dpi)))
    return page


def _photo(page: Image.Image, at: tuple[int, int], size: tuple[int, int]) -> None:
    """A grey gradient with a face-like oval: continuous tone that must not be made black and white."""
    width, height = size
    area = Image.linear_gradient("L").resize((width, height)).point(lambda v: 70 + v // 3)
    ImageDraw.Draw(area).ellipse((width // 5, height // 6, width * 4 // 5, height * 5 // 6), fill=150)
    page.paste(area.filter(ImageFilter.GaussianBlur(3)), at)


def rasterise(pdf: bytes, *, dpi: int = 300) -> list[Image.Image]:
    """Each page of PDF as a grey image at DPI (pypdfium2), as a scanner would see the printout."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for i in range(len(document))
        ]
    finally:
        document.close()


def scanned(image: Image.Image, *, seed: int, skew: float = 0.8, speckles: int = 400) -> Image.Image:
    """IMAGE as it comes off a sheet-fed scanner: turned a little, with dust specks and grain."""
    rng = random.Random(seed)
    turned = image.rotate(rng.uniform(-skew, skew), resample=Image.Resampling.BICUBIC, fillcolor=255)
    draw = ImageDraw.Draw(turned)
    for _ in range(speckles):
        x, y = rng.randrange(turned.width), rng.randrange(turned.height)
        draw.point((x, y), fill=rng.randrange(0, 120))
    return turned


def blank(*, dpi: int = 300, seed: int = 0) -> Image.Image:
    """The empty back of a sheet, with the scanner's dust."""
    return scanned(Image.new("L", (_px(A4_MM[0], dpi), _px(A4_MM[1], dpi)), 255), seed=seed)


def save_tiff_g4(pages: Sequence[Image.Image], path: Path, *, dpi: int = 300) -> Path:
    """PAGES as one multi-page black-and-white TIFF in CCITT G4, as text scanners write."""
    bilevel = [p.point(lambda v: 255 if v > 160 else 0, "1") for p in pages]
    bilevel[0].save(
        path, "TIFF", compression="group4", dpi=(dpi, dpi), save_all=True, append_images=bilevel[1:]
    )
    return path


def save_jpeg_pdf(pages: Sequence[Image.Image], path: Path, *, dpi: int = 300, quality: int = 85) -> Path:
    """PAGES as one PDF of greyscale JPEG images at DPI, as scanners write for photo pages."""
    jpegs = []
    for page in pages:
        out = io.BytesIO()
        page.convert("L").save(out, "JPEG", quality=quality, dpi=(dpi, dpi))
        jpegs.append(out.getvalue())
    path.write_bytes(img2pdf.convert(jpegs))
    return path
