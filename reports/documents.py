"""The scan batch's cover sheet (`mynadesk docs cover`): a big QR with the batch, the kind and the count."""

from __future__ import annotations

from datetime import datetime

from core.domain.documents import CoverQr, batch_reference, format_cover_qr
from reports.pdf import render_pdf
from reports.qr import qr_data_uri


def render_cover(cover: CoverQr, *, staff: str, created: datetime, note: str | None = None) -> bytes:
    """The cover sheet's PDF (one A4 page)."""
    context = {
        "reference": batch_reference(cover.batch_id),
        "kind_label": cover.kind.label_ja,
        "count": cover.count,
        "staff": staff,
        "created": created,
        "note": note,
        "qr": qr_data_uri(format_cover_qr(cover), scale=8),
    }
    return render_pdf("cover", context)
