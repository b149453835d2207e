"""Keeping every filled form as a structured record, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.db.models.forms import FilledForm
from core.domain.forms import FormKind, FormSource, form_reference
from core.services import audit

FORBIDDEN_KEYS = frozenset({"kojin_bango", "my_number", "mynumber", "individual_number", "個人番号", "pin"})


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
        actor=actor,
        action="form_filled",
        object_type="filled_form",
        object_id=form_reference(form.id),
        subject_atena_no=subject_atena_no,
        summary=f"{kind.label_ja}を作成({source.label_ja})",
        detail={"kind": kind.value, "source": source.value, "fields": sorted(values)},
        client_addr=client_addr,
        terminal=terminal,
    )
    return form
