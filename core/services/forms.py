"""Keeping every filled form as a structured record, audited."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db.models.forms import FilledForm
from core.domain.errors import DomainError
from core.domain.forms import FormKind, FormSource, form_reference, parse_form_reference
from core.services import audit

FORBIDDEN_KEYS = frozenset({"kojin_bango", "my_number", "mynumber", "individual_number", "個人番号", "pin"})
REQUEST_TOKEN_KEY = "request_token"  # noqa: S105 - in the form's values: which request made it (not printed)
REQUEST_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_REQUEST_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def record_filled_form(
    session: Session,
    *,
    kind: FormKind,
    source: FormSource,
    values: dict[str, Any],
    actor: str,
    subject_atena_no: str | None = None,
    card_id: int | None = None,
    terminal: str | None = None,
    client_addr: str | None = None,
) -> FilledForm:
    """Store the form's values and write the audit entry (names of the fields, not their values)."""
    bad = FORBIDDEN_KEYS & {key.lower() for key in values}
    if bad:
        raise ValueError(f"個人番号・暗証番号は記録しません / never stored: {', '.join(sorted(bad))}")
    form = FilledForm(
        kind=kind.value,
        source=source.value,
        subject_atena_no=subject_atena_no,
        card_id=card_id,
        form_values=values,
        created_by=actor,
        terminal=terminal,
    )
    session.add(form)
    session.flush()
    audit.record(
        session,
        audit.Actor(actor, client_addr=client_addr, terminal=terminal),
        "form_filled",
        "filled_form",
        object_id=form_reference(form.id),
        subject_atena_no=subject_atena_no,
        summary=f"{kind.label_ja}を作成({source.label_ja})",
        detail={"kind": kind.value, "source": source.value, "fields": sorted(values)},
    )
    return form


class FilledFormNotFound(DomainError):  # noqa: N818 - named for what staff see
    """No filled form has this reference."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"帳票 {reference} は見つかりません。QR コードか番号(MDF-…)を確認してください",
            f"no filled form {reference}; check the QR code or the number (MDF-…)",
        )


def reopen_filled_form(
    session: Session,
    reference: str,
    *,
    actor: str,
    terminal: str | None = None,
    client_addr: str | None = None,
) -> FilledForm:
    """A stored form by its printed reference or QR text, for a reprint; the view is audited."""
    form_id = parse_form_reference(reference)
    form = None if form_id is None else session.get(FilledForm, form_id)
    if form is None:
        raise FilledFormNotFound(reference)
    audit.record(
        session,
        audit.Actor(actor, client_addr=client_addr, terminal=terminal),
        "form_reprinted",
        "filled_form",
        object_id=form_reference(form.id),
        subject_atena_no=form.subject_atena_no,
        summary=f"{FormKind(form.kind).label_ja}を再印刷",
    )
    return form


def forms_of(session: Session, atena_no: str, *, actor: str, terminal: str | None = None) -> list[FilledForm]:
    """The person's filled forms, newest first; the view is audited."""
    forms = list(
        session.scalars(
            select(FilledForm)
            .where(FilledForm.subject_atena_no == atena_no)
            .order_by(FilledForm.created_at.desc(), FilledForm.id.desc())
        )
    )
    audit.record(
        session,
        audit.Actor(actor, terminal=terminal),
        "view",
        "filled_form_list",
        subject_atena_no=atena_no,
        summary=f"記入済み帳票の一覧を表示({len(forms)}件)",
    )
    return forms


class BadRequestToken(DomainError):  # noqa: N818 - named for what staff see
    """The screen sent a request token that is not one the console makes."""

    def __init__(self) -> None:
        super().__init__(
            "画面の情報が正しくありません。画面を開き直してから作成してください",
            "the screen's request token is invalid; reload the page and try again",
        )


def form_of_request(
    session: Session, token: str, *, kind: FormKind, atena_no: str, actor: str
) -> FilledForm | None:
    """Take the transaction's lock on TOKEN, then find the form this request already made (None the first
    time): a double click or a replayed request gets that form back instead of filling a second one. The
    lookup runs after the lock, so it sees what a concurrent twin committed."""
    if not REQUEST_TOKEN.fullmatch(token):
        raise BadRequestToken()
    session.execute(_REQUEST_LOCK, {"key": f"form:{token}"})
    return session.scalars(
        select(FilledForm).where(
            FilledForm.subject_atena_no == atena_no,
            FilledForm.kind == kind.value,
            FilledForm.created_by == actor,
            FilledForm.form_values[REQUEST_TOKEN_KEY].astext == token,
        )
    ).first()
