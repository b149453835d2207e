"""HTML templates rendered to PDF with xhtml2pdf and the embedded IPAex fonts: render_pdf(name, context)."""

from __future__ import annotations

import io
import logging
import unicodedata
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import pisa

from core.domain.errors import DomainError
from reports.jp import printed_at, wareki, wareki_with_western

FONTS_DIR = Path(str(files("reports").joinpath("fonts")))
GOTHIC = FONTS_DIR / "ipaexg.ttf"
MINCHO = FONTS_DIR / "ipaexm.ttf"
GETA = "〓"  # 下駄記号: the printed stand-in for a character no font has (外字)


class RenderError(DomainError):
    """xhtml2pdf could not render a template."""


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the IPAex fonts with reportlab once per process (xhtml2pdf would re-read them per PDF)."""
    for family, path in (("IPAexGothic", GOTHIC), ("IPAexMincho", MINCHO)):
        pdfmetrics.registerFont(TTFont(family, str(path)))
        pdfmetrics.registerFontFamily(family, normal=family, bold=family, italic=family, boldItalic=family)
        xhtml2pdf_default.DEFAULT_FONT[family.lower()] = family


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Code points both IPAex fonts can draw."""
    register_fonts()
    gothic = set(pdfmetrics.getFont("IPAexGothic").face.charToGlyph)
    mincho = set(pdfmetrics.getFont("IPAexMincho").face.charToGlyph)
    return frozenset(gothic & mincho)


def unprintable(text: str) -> list[str]:
    """Characters of TEXT the embedded fonts cannot draw (外字, rare kanji beyond JIS X 0213)."""
    covered = _covered()
    return [ch for ch in text if ord(ch) not in covered and not unicodedata.category(ch).startswith("Z")]


def printable(text: str | None) -> str:
    """TEXT with every character the fonts cannot draw replaced by 〓 (never a tofu box)."""
    if not text:
        return ""
    missing = set(unprintable(text))
    return "".join(GETA if ch in missing else ch for ch in text)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment over reports/templates (autoescaped, strict about missing values)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["printable"] = printable
    env.filters["wareki"] = wareki
    env.filters["wareki_with_western"] = wareki_with_western
    env.filters["printed_at"] = printed_at
    return env


def render_html(name: str, context: dict[str, Any]) -> str:
    """Render templates/NAME.html."""
    return environment().get_template(f"{name}.html").render(**context)


def _link(uri: str, _relative: str) -> str:
    return uri.removeprefix("file://")


def render_pdf(name: str, context: dict[str, Any]) -> bytes:
    """Render templates/NAME.html to PDF bytes, with the Japanese fonts embedded."""
    register_fonts()
    html = render_html(name, context)
    output = io.BytesIO()
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", link_callback=_link)
    if result.err:
        raise RenderError(f"帳票 {name} を作成できませんでした", f"could not render the form {name}")
    return output.getvalue()
