"""QR codes for printed forms (segno, no network, no PIL): a PNG data URI the PDF embeds."""

from __future__ import annotations

import segno


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A PNG data URI of a QR code holding TEXT (error correction M, quiet zone kept)."""
    return str(segno.make(text, error="m", micro=False).png_data_uri(scale=scale, border=2))
