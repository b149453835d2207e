"""Pre-filled forms as PDF for the browser (書かない窓口): a login-protected, role-checked route that serves
the copy kept in the document store, or a reprint from the stored record; audited, never cached, shown inline,
named by the form's reference only (no personal data in the address or the file name)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, g, request

from console import context
from core.domain.documents import DocumentError
from core.domain.errors import DomainError
from core.domain.forms import form_reference, parse_form_reference
from core.domain.roles import Role
from core.filestore import FileStore
from core.services import audit
from core.services.documents import view_printed_form
from reports.filling import reprint_form

bp = Blueprint("console_forms", __name__)
PATH = "/forms/pdf"
FORM_ROLES = frozenset({Role.COUNTER})  # who prints pre-filled forms: the counter, as on the person page


def pdf_url(reference: str, *, reprint: bool = False) -> str:
    """Where the browser opens the form's PDF (the kept copy, or a reprint)."""
    return f"{PATH}/{reference}" + ("/reprint" if reprint else "")


def _acting(what: str) -> None:
    """Set the acting role, or refuse (audited) with 403."""
    acting = sorted(FORM_ROLES & context.roles())
    if acting:
        g.acting_role = acting[0].value
        return
    with context.unit_of_work() as s:
        audit.record(
            s, context.actor(), "access_denied", "filled_form", what[:100], summary="帳票の表示を拒否"
        )
    abort(403, "この帳票を表示する権限がありません / your role may not open this form")


def _canonical(reference: str) -> str:
    form_id = parse_form_reference(reference)
    if form_id is None or form_reference(form_id) != reference:
        abort(404, "帳票番号は MDF-(8桁) です / a form reference is MDF- and 8 digits")
    return reference


def _pdf(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route(f"{PATH}/<reference>")
def printed(reference: str) -> Response:
    """The form as it was printed and kept in the document store (login is checked by the console's guard)."""
    _acting(request.path)
    reference = _canonical(reference)
    store = FileStore(context.context().settings.documents_dir)
    try:
        with context.unit_of_work() as s:
            _, pdf = view_printed_form(s, store, reference, actor=context.actor())
    except DocumentError as missing:
        abort(404, f"{missing.message_ja} / {missing.message_en}")
    return _pdf(pdf, f"{reference}.pdf")


@bp.route(f"{PATH}/<reference>/reprint")
def reprinted(reference: str) -> Response:
    """The same form again from its stored record, marked as a reprint (audited as one)."""
    _acting(request.path)
    reference = _canonical(reference)
    actor = context.actor()
    try:
        with context.unit_of_work() as s:
            result = reprint_form(
                s,
                reference,
                actor=actor.name,
                now=context.now(),
                terminal=actor.terminal,
                client_addr=actor.client_addr,
            )
    except DomainError as missing:
        abort(404, f"{missing.message_ja} / {missing.message_en}")
    return _pdf(result.pdf, f"{result.reference}-reprint.pdf")


def install(server: Flask) -> None:
    """Add the form routes to SERVER."""
    server.register_blueprint(bp)
