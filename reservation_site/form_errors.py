"""Form errors in the page's language only: which field (family members' fields included) and what to fix.

A validator's message is a catalog key, optionally with one value after a colon (`too_long:20`). Anything else
(a library's own English text) becomes the field's own advice: no raw key or English default reaches a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wtforms import Field, FieldList, FormField
from wtforms.form import BaseForm

from reservation_site.i18n import CATALOG, translate

# What to tell the resident when a field's error is none of ours (e.g. a radio value that is no number).
FALLBACK: dict[str, str] = {"slot_id": "choose_slot", "party_size": "choose_party"}


@dataclass(frozen=True)
class FieldError:
    """One line of the error summary: the field's id (the link target), its label and what to fix."""

    field_id: str
    label: str
    message: str


def message(error: object, field_name: str = "") -> str:
    """The translated text of one validator message of the field named FIELD_NAME."""
    key, _, value = error.partition(":") if isinstance(error, str) else ("", "", "")
    if key not in CATALOG:
        return translate(FALLBACK.get(field_name, "check_field"))
    return translate(key, n=value) if value else translate(key)


def field_messages(field: Field) -> list[str]:
    """The translated errors of a plain field, each once."""
    texts = [message(error, field.short_name) for error in field.errors if isinstance(error, str)]
    return list(dict.fromkeys(texts)) or ([translate("check_field")] if field.errors else [])


def label(field: Field) -> str:
    """The field's name as the page shows it."""
    return translate(field.short_name) if field.short_name in CATALOG else translate("this_field")


def summary(form: BaseForm) -> list[FieldError]:
    """Every field with an error, family members' fields as 「2人目 交付通知書の番号」."""
    return list(_errors(form, prefix=""))


def _errors(form: BaseForm, prefix: str) -> Iterator[FieldError]:
    for field in form:
        if isinstance(field, FieldList):
            for index, entry in enumerate(field.entries):
                person = translate("member", n=index + 2)
                if isinstance(entry, FormField):
                    yield from _errors(entry.form, prefix=f"{prefix}{person} ")
                elif entry.errors:
                    yield FieldError(entry.id, f"{prefix}{person}", field_messages(entry)[0])
        elif field.errors and not isinstance(field, FormField):
            yield FieldError(field.id, prefix + label(field), field_messages(field)[0])
