"""Forms (flask-wtf: CSRF on every one). Error messages are catalog keys, translated when rendered."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, RadioField, SelectField, StringField
from wtforms.form import Form
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from core.domain.booking import is_valid_notice_no, normalise_notice_no
from reservation_site import web

KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


def _nfkc(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def _kana(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def parse_birth_date(value: str) -> date | None:
    """A birth date typed as 1985-04-01, 1985/4/1 or 19850401 (full-width digits allowed)."""
    text = unicodedata.normalize("NFKC", value or "").strip().replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if date(1900, 1, 1) <= day <= web.today() else None


def _birth(form: Form, field: Field) -> None:
    if field.data and parse_birth_date(field.data) is None:
        raise ValidationError("bad_date")


def _notice(form: Form, field: Field) -> None:
    if field.data and not is_valid_notice_no(normalise_notice_no(field.data)):
        raise ValidationError("bad_notice")


def _phone(form: Form, field: Field) -> None:
    digits = re.sub(r"\D", "", field.data or "")
    if not 10 <= len(digits) <= 11:
        raise ValidationError("bad_phone")


def _katakana(form: Form, field: Field) -> None:
    if field.data and not KANA.match(field.data):
        raise ValidationError("bad_kana")


REQUIRED = DataRequired(message="required")


class HoldForm(FlaskForm):  # type: ignore[misc]
    """Pick a time (and how many people) on the day page."""

    slot_id = RadioField("slot", coerce=int, validators=[REQUIRED], validate_choice=False)
    party_size = SelectField("party", coerce=int, validators=[REQUIRED], validate_choice=False)


class MemberForm(Form):  # type: ignore[misc]
    """A further person of a family pickup booking."""

    notice_no = StringField("notice_no", filters=[_nfkc], validators=[REQUIRED, Length(max=20), _notice])
    birth_date = StringField("birth_date", filters=[_nfkc], validators=[REQUIRED, Length(max=20), _birth])


class DetailsForm(FlaskForm):  # type: ignore[misc]
    """The person's details; notice fields only matter for pickups."""

    name = StringField("name", filters=[_nfkc], validators=[REQUIRED, Length(max=100, message="too_long")])
    name_kana = StringField(
        "name_kana", filters=[_kana], validators=[REQUIRED, Length(max=100, message="too_long"), _katakana]
    )
    birth_date = StringField("birth_date", filters=[_nfkc], validators=[REQUIRED, Length(max=20), _birth])
    phone = StringField("phone", filters=[_nfkc], validators=[REQUIRED, Length(max=30), _phone])
    email = StringField(
        "email",
        filters=[_nfkc],
        validators=[Optional(), Length(max=254, message="too_long"), Email(message="bad_email")],
    )
    notice_no = StringField("notice_no", filters=[_nfkc], validators=[Length(max=20), _notice])
    members = FieldList(FormField(MemberForm), min_entries=0, max_entries=9)


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button with a CSRF token (confirm, cancel, change)."""


class LookupForm(FlaskForm):  # type: ignore[misc]
    """Find a booking by its number plus birth date or phone."""

    booking_no = StringField("booking_no", filters=[_nfkc], validators=[REQUIRED, Length(max=20)])
    birth_date = StringField("birth_date", filters=[_nfkc], validators=[Optional(), Length(max=20), _birth])
    phone = StringField("phone", filters=[_nfkc], validators=[Optional(), Length(max=30)])

    def validate(self, extra_validators: Any = None) -> bool:
        """One of birth date and phone is needed besides the number."""
        valid = bool(super().validate(extra_validators))
        if not self.birth_date.data and not self.phone.data:
            self.birth_date.errors = [*self.birth_date.errors, "birth_or_phone"]
            valid = False
        return valid
