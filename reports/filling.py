"""Fill a form for one person: register record (and, if read, the card's 4 items) → stored record + PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.domain.booking import TOKYO
from core.domain.forms import FormKind, FormSource, form_reference, suggest_certificate_application
from core.domain.identity import PersonFace, require_same_person
from core.filestore import FileStore
from core.services.documents import printed_form_pdf, store_printed_form
from core.services.forms import REQUEST_TOKEN_KEY, form_of_request, record_filled_form, reopen_filled_form
from core.services.residents import certificate_facts, get_resident, newest_card, register_face
from reports.forms import FormCard, FormPerson, form_values, render_form


@dataclass(frozen=True)
class FilledFormResult:
    """What the counter gets back: the record's id and reference, and the PDF."""

    form_id: int
    reference: str
    pdf: bytes
    repeated: bool = False  # the same request came again: the form it made before, not a second one


def _person(register: PersonFace, card_face: PersonFace | None, kind: FormKind) -> PersonFace:
    """The 4 items to print: the card's when read (a 券面記載事項変更届 prints the register's new ones)."""
    if card_face is None or kind is FormKind.FACE_CHANGE:
        return register
    return PersonFace(card_face.name, card_face.address, card_face.birth_date, card_face.sex)


def fill_form(
    session: Session,
    kind: FormKind,
    atena_no: str,
    *,
    actor: str,
    card_face: PersonFace | None = None,
    terminal: str | None = None,
    client_addr: str | None = None,
    request_token: str | None = None,
    now: datetime,
) -> FilledFormResult:
    """Store the form filled at NOW (audited) and render it; the caller owns the transaction."""
    moment = now.astimezone(TOKYO)
    resident = get_resident(session, atena_no)
    register = register_face(resident)
    if card_face is not None:
        require_same_person(card_face, register)
    card = newest_card(session, resident.atena_no)
    source = FormSource.CARD if card_face is not None else FormSource.REGISTER
    person = FormPerson(_person(register, card_face, kind), resident.name_kana, resident.postal_code)
    values = form_values(
        kind,
        person,
        source=source,
        card=None if card is None else FormCard(card.notice_no, card.expires_on),
        card_face=card_face,
        filled_on=moment.date(),
    )
    values["printed_at"] = moment.isoformat()
    if request_token is not None:
        values[REQUEST_TOKEN_KEY] = request_token
    if kind is FormKind.CERTIFICATE:
        facts = [] if card is None else certificate_facts(session, card.id)
        suggestion = suggest_certificate_application(facts, moment.date())
        values["certificate_application"] = None if suggestion is None else suggestion.value
    record = record_filled_form(
        session,
        kind=kind,
        source=source,
        values=values,
        actor=actor,
        subject_atena_no=resident.atena_no,
        card_id=None if card is None else card.id,
        terminal=terminal,
        client_addr=client_addr,
    )
    reference = form_reference(record.id)
    pdf = render_form(
        values, reference, staff=actor, printed=moment, source=source, atena_no=resident.atena_no
    )
    return FilledFormResult(record.id, reference, pdf)


def print_form(
    session: Session,
    store: FileStore,
    kind: FormKind,
    atena_no: str,
    *,
    actor: str,
    card_face: PersonFace | None = None,
    terminal: str | None = None,
    client_addr: str | None = None,
    request_token: str | None = None,
    now: datetime,
) -> FilledFormResult:
    """What every counter print does (CLI and console): fill the form and keep its PDF in the document store
    at once (paperless from the counter). With REQUEST_TOKEN the same request again returns the form it made
    instead of a second one. The caller owns the transaction and runs it inside `store.written()`."""
    if request_token is not None:
        earlier = form_of_request(session, request_token, kind=kind, atena_no=atena_no, actor=actor)
        if earlier is not None:
            pdf = printed_form_pdf(session, store, earlier.id)
            return FilledFormResult(earlier.id, form_reference(earlier.id), pdf, repeated=True)
    result = fill_form(
        session,
        kind,
        atena_no,
        actor=actor,
        card_face=card_face,
        terminal=terminal,
        client_addr=client_addr,
        request_token=request_token,
        now=now,
    )
    store_printed_form(session, store, result.form_id, result.pdf, actor=actor, now=now)
    return result


def reprint_form(
    session: Session,
    reference: str,
    *,
    actor: str,
    now: datetime,
    terminal: str | None = None,
    client_addr: str | None = None,
) -> FilledFormResult:
    """The same form again from its stored values (the reference and the original staff member stay)."""
    form = reopen_filled_form(session, reference, actor=actor, terminal=terminal, client_addr=client_addr)
    pdf = render_form(
        form.form_values,
        form_reference(form.id),
        staff=form.created_by,
        printed=datetime.fromisoformat(form.form_values["printed_at"]),
        source=FormSource(form.source),
        reprinted=now.astimezone(TOKYO),
        atena_no=form.subject_atena_no,
    )
    return FilledFormResult(form.id, form_reference(form.id), pdf)
