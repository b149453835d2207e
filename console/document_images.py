"""Page images of stored documents: a login-protected, role-checked route (never a static path), each image
audited and marked no-store, so a scanned sheet stays out of the browser's cache and every look is logged."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, g, request

from console import context
from core.domain.document_access import DOCUMENT_ROLES
from core.domain.documents import DocumentError
from core.filestore import FileStore
from core.services import audit
from core.services.document_views import THUMB_WIDTH, VIEWER_WIDTH, NotAllowed, page_image, record_refusal

bp = Blueprint("console_documents", __name__)
PATH = "/documents/image"


def image_url(document_id: int, page_no: int, *, thumb: bool = False) -> str:
    """Where the browser fetches a page image."""
    return f"{PATH}/{document_id}/{page_no}" + ("?size=thumb" if thumb else "")


def _refuse(what: str) -> Response:
    with context.unit_of_work() as s:
        audit.record(
            s, context.actor(), "access_denied", "document_page", what[:100], summary="画像の表示を拒否"
        )
    abort(403, "この画像を表示する権限がありません / your role may not see this image")
    raise AssertionError("abort() raises")


@bp.route(f"{PATH}/<int:document_id>/<int:page_no>")
def document_image(document_id: int, page_no: int) -> Response:
    """One page as PNG (login is checked by the console's guard before this runs)."""
    acting = sorted(DOCUMENT_ROLES & context.roles())
    if not acting:
        return _refuse(request.path)
    g.acting_role = acting[0].value
    width = THUMB_WIDTH if request.args.get("size") == "thumb" else VIEWER_WIDTH
    store = FileStore(context.context().settings.documents_dir)
    try:
        with context.unit_of_work() as s:
            png = page_image(
                s, store, document_id, page_no, width=width, roles=context.roles(), actor=context.actor()
            )
    except NotAllowed as refused:
        with context.unit_of_work() as s:
            record_refusal(s, context.actor(), refused)
        abort(403, f"{refused.message_ja} / {refused.message_en}")
    except DocumentError as missing:
        abort(404, f"{missing.message_ja} / {missing.message_en}")
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store, private"
    return response


def install(server: Flask) -> None:
    """Add the image route to SERVER."""
    server.register_blueprint(bp)
