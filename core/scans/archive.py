"""The archive copy of a document: PDF/A-2b with bilevel pages in CCITT G4 (lossless; never JBIG2, whose
pattern matching can swap digits) and photo pages in greyscale JPEG; and a small PNG thumbnail per page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import img2pdf
import pikepdf
import pypdfium2
from PIL import Image, ImageCms

from core.scans.pages import PageImage, grey, has_photo

JPEG_QUALITY = 80
THRESHOLD = 160  # grey → black and white for text pages
THUMBNAIL_WIDTH = 240


@dataclass(frozen=True)
class EncodedPage:
    """A page encoded for the archive: the image file img2pdf embeds as it is, and which encoding."""

    data: bytes
    encoding: str  # "g4" or "jpeg"


def encode_page(page: PageImage) -> EncodedPage:
    """G4 TIFF for text pages, greyscale JPEG for pages with a photo; the scan's resolution kept."""
    dpi = (round(page.dpi), round(page.dpi))
    out = io.BytesIO()
    if has_photo(page.image):
        grey(page.image).save(out, "JPEG", quality=JPEG_QUALITY, dpi=dpi)
        return EncodedPage(out.getvalue(), "jpeg")
    image = page.image
    bilevel = image if image.mode == "1" else grey(image).point(lambda v: 255 if v > THRESHOLD else 0, "1")
    bilevel.save(out, "TIFF", compression="group4", dpi=dpi)
    return EncodedPage(out.getvalue(), "g4")


def _srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def pdfa(pages: list[EncodedPage], *, title: str, created: datetime) -> bytes:
    """The pages as one PDF/A-2b file: img2pdf embeds each image without re-encoding; pikepdf adds the XMP
    metadata (pdfaid part 2, conformance B) and an sRGB OutputIntent."""
    raw = img2pdf.convert([p.data for p in pages], creationdate=created, moddate=created)
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        icc = pikepdf.Stream(pdf, _srgb_profile())
        icc["/N"] = 3
        pdf.Root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier="sRGB",
                    Info="sRGB IEC61966-2.1",
                    DestOutputProfile=icc,
                )
            ]
        )
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = title
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["xmp:CreateDate"] = created.isoformat()
            meta["xmp:ModifyDate"] = created.isoformat()
            meta["xmp:CreatorTool"] = "MynaDesk"
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def thumbnails(pdf: bytes) -> list[bytes]:
    """A small PNG of each page of PDF (pypdfium2), THUMBNAIL_WIDTH pixels wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        result = []
        for index in range(len(document)):
            page = document[index]
            scale = THUMBNAIL_WIDTH / page.get_width()
            image: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
            out = io.BytesIO()
            image.convert("L").save(out, "PNG", optimize=True)
            result.append(out.getvalue())
        return result
    finally:
        document.close()
