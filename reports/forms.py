"""The five counter forms: the values they carry (stored as the form's record) and their PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.domain.documents import format_form_qr
from core.domain.forms import FormKind, FormSource
from core.domain.identity import Match, PersonFace, compare_identity
from reports.jp import wareki_with_western
from reports.pdf import render_pdf, unprintable
from reports.qr import qr_data_uri

SEX_LABELS = {"0": "不明", "1": "男", "2": "女", "9": "適用不能"}


@dataclass(frozen=True)
class FormPerson:
    """The person as the form prints them: the 4 items plus what only the register knows."""

    face: PersonFace
    name_kana: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class FormCard:
    """The card the form is about, from the ledger."""

    notice_no: str | None
    expires_on: date | None


def _postal(code: str | None) -> str | None:
    return f"{code[:3]}-{code[3:]}" if code and len(code) == 7 else code


def _person_values(person: FormPerson) -> dict[str, Any]:
    face = person.face
    return {
        "name": face.name,
        "name_kana": person.name_kana,
        "address": face.address,
        "address_extra": face.address_extra,
        "postal_code": _postal(person.postal_code),
        "birth_date": face.birth_date.isoformat() if face.birth_date else None,
        "birth_date_text": wareki_with_western(face.birth_date),
        "sex": face.sex,
        "sex_label": SEX_LABELS.get(face.sex, face.sex),
    }


def form_values(
    kind: FormKind,
    person: FormPerson,
    *,
    source: FormSource,
    card: FormCard | None = None,
    card_face: PersonFace | None = None,
    filled_on: date,
) -> dict[str, Any]:
    """Everything the form prints, as JSON-ready values (this is what the filled-form record keeps)."""
    values: dict[str, Any] = {
        "kind": kind.value,
        "source": source.value,
        "filled_on": filled_on.isoformat(),
        "person": _person_values(person),
        "card": None
        if card is None
        else {
            "notice_no": card.notice_no,
            "expires_on": card.expires_on.isoformat() if card.expires_on else None,
            "expires_on_text": wareki_with_western(card.expires_on),
        },
    }
    if kind is FormKind.FACE_CHANGE:
        values.update(_face_change(person.face, card_face))
    return values


def _face_change(register: PersonFace, card_face: PersonFace | None) -> dict[str, Any]:
    after = {"name": register.name, "address": register.address + (register.address_extra or "")}
    if card_face is None:
        return {"before": {"name": "", "address": ""}, "after": after, "changed": {}}
    comparison = compare_identity(card_face, register)
    changed = {f.field: f.match is not Match.SAME for f in comparison.fields}
    return {
        "before": {"name": card_face.name, "address": card_face.address},
        "after": after,
        "changed": changed,
    }


def _texts(values: dict[str, Any]) -> str:
    person = values["person"]
    parts = [
        person["name"],
        person["address"],
        person.get("address_extra") or "",
        person.get("name_kana") or "",
    ]
    parts += [values.get("before", {}).get("name", ""), values.get("before", {}).get("address", "")]
    return "".join(parts)


def render_form(
    values: dict[str, Any],
    reference: str,
    *,
    staff: str,
    printed: datetime,
    source: FormSource,
    reprinted: datetime | None = None,
    atena_no: str | None = None,
) -> bytes:
    """The form's PDF: the stored values, its reference and QR code (reference, kind, 宛名番号, date: the
    document store indexes the scanned sheet from it), the staff member and the time."""
    kind = FormKind(values["kind"])
    card = values.get("card") or {}
    context = {
        **values,
        "filled_on": date.fromisoformat(values["filled_on"]),
        "title_ja": kind.label_ja,
        "title_en": kind.label_en,
        "reference": reference,
        "qr": qr_data_uri(
            format_form_qr(reference, kind.value, atena_no, date.fromisoformat(values["filled_on"]))
        ),
        "notice_qr": qr_data_uri(card["notice_no"]) if card.get("notice_no") else None,
        "staff": staff,
        "printed": printed,
        "reprinted": reprinted,
        "source_label": source.label_ja,
        "has_gaiji": bool(unprintable(_texts(values))),
    }
    return render_pdf(kind.value, context)
