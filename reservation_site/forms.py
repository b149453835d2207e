"""Forms (flask-wtf: CSRF on every one). Error messages are catalog keys, translated when rendered."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, HiddenField, RadioField, SelectField, StringField
from wtforms.form import Form
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from core.domain.booking import is_valid_notice_no, normalise_notice_no
from core.domain.register import is_kana_name
from core.domain.typed_input import InvalidTypedDate, normalise_kana, parse_typed_date
from core.services.booking_keys import is_valid_key, new_key
from reservation_site import web

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MARK = "\ufffd"  # how a control character is shown back in the field (browsers show NUL so, too)
LARGEST_ID = 2**31 - 1  # the ids' column type: a larger number names no row (and PostgreSQL would refuse it)


def _marked(value: Any) -> Any:
    """The text as typed, surrounding spaces removed, control characters shown as � so that the field is
    refused (`_printable`) and shown again as typed: none belongs in a name, number or date, and PostgreSQL
    refuses NUL."""
    return CONTROL.sub(MARK, value.strip()) if isinstance(value, str) else value


def _nfkc(value: Any) -> Any:
    return unicodedata.normalize("NFKC", _marked(value)) if isinstance(value, str) else value


def _kana(value: Any) -> Any:
    return normalise_kana(_marked(value)) if isinstance(value, str) else value


def _printable(form: Form, field: Field) -> None:
    if isinstance(field.data, str) and MARK in field.data:
        raise StopValidation("bad_characters")


def parse_birth_date(value: str) -> date | None:
    """The birth date as typed (和暦, 1964年11月1日, 1964/11/1, 19641101, full-width), or None if refused."""
    try:
        return parse_typed_date(value or "", web.today())
    except InvalidTypedDate:
        return None


def _birth(form: Form, field: Field) -> None:
    if not field.data:
        return
    try:
        parse_typed_date(field.data, web.today())
    except InvalidTypedDate as refused:
        raise ValidationError(f"birth_{refused.problem.value}") from None


def _notice(form: Form, field: Field) -> None:
    if field.data and not is_valid_notice_no(normalise_notice_no(field.data)):
        raise ValidationError("bad_notice")


def _phone(form: Form, field: Field) -> None:
    digits = re.sub(r"\D", "", field.data or "")
    if not 10 <= len(digits) <= 11:
        raise ValidationError("bad_phone")


def _katakana(form: Form, field: Field) -> None:
    if field.data and not is_kana_name(field.data):
        raise ValidationError("bad_kana")


def _at_most(length: int) -> Length:
    return Length(max=length, message=f"too_long:{length}")


REQUIRED = DataRequired(message="required")
CHOOSE_SLOT = DataRequired(message="choose_slot")
CHOOSE_PARTY = DataRequired(message="choose_party")


class HoldForm(FlaskForm):  # type: ignore[misc]
    """Pick a time (and how many people) on the day page."""

    slot_id = RadioField(
        "slot",
        coerce=int,
        validators=[CHOOSE_SLOT, NumberRange(1, LARGEST_ID, message="choose_slot")],
        validate_choice=False,
    )
    party_size = SelectField("party", coerce=int, validators=[CHOOSE_PARTY], validate_choice=False)


class MemberForm(Form):  # type: ignore[misc]
    """A further person of a family booking: the name (a pickup's notice number was asked first)."""

    name = StringField("name", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(100)])


class DetailsForm(FlaskForm):  # type: ignore[misc]
    """The person's details and the names of the family members booked with them."""

    name = StringField("name", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(100)])
    name_kana = StringField(
        "name_kana", filters=[_kana], validators=[REQUIRED, _printable, _at_most(100), _katakana]
    )
    birth_date = StringField("birth_date", filters=[_marked], validators=[REQUIRED, _printable, _birth])
    phone = StringField("phone", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(30), _phone])
    email = StringField(
        "email",
        filters=[_nfkc],
        validators=[Optional(), _printable, _at_most(254), Email(message="bad_email")],
    )
    members = FieldList(FormField(MemberForm), min_entries=0, max_entries=9)


class NoticeMemberForm(Form):  # type: ignore[misc]
    """A further person's 交付通知書 number and birth date (a family pickup)."""

    notice_no = StringField(
        "notice_no", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(20), _notice]
    )
    birth_date = StringField("birth_date", filters=[_marked], validators=[REQUIRED, _printable, _birth])


class NoticeForm(FlaskForm):  # type: ignore[misc]
    """The pickup's first step: every person's 交付通知書 number and birth date."""

    notice_no = StringField(
        "notice_no", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(20), _notice]
    )
    birth_date = StringField("birth_date", filters=[_marked], validators=[REQUIRED, _printable, _birth])
    members = FieldList(FormField(NoticeMemberForm), min_entries=0, max_entries=9)


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button with a CSRF token (confirm, cancel, change)."""


def _booking_key(form: Form, field: Field) -> None:
    sent = field.raw_data or [None]  # what was sent: a missing key must not become the field's fresh default
    if not is_valid_key(sent[0]):
        raise StopValidation("bad_booking_key")


class BookForm(FlaskForm):  # type: ignore[misc]
    """The confirmation page's 予約する: the CSRF token and the attempt's key, made when the page is rendered,
    so that the same attempt sent again gets the same booking (core.services.booking_keys)."""

    key = HiddenField("key", default=new_key, validators=[_booking_key])

    def fresh_key(self) -> None:
        """A new key in place of a garbled one (the page is shown again for another try)."""
        if self.key.errors:
            self.key.data = new_key()


class LookupForm(FlaskForm):  # type: ignore[misc]
    """Find a booking by its number plus birth date or phone."""

    booking_no = StringField("booking_no", filters=[_nfkc], validators=[REQUIRED, _printable, _at_most(20)])
    birth_date = StringField("birth_date", filters=[_marked], validators=[Optional(), _printable, _birth])
    phone = StringField("phone", filters=[_nfkc], validators=[Optional(), _printable, _at_most(30)])

    def validate(self, extra_validators: Any = None) -> bool:
        """One of birth date and phone is needed besides the number."""
        valid = bool(super().validate(extra_validators))
        if not self.birth_date.data and not self.phone.data:
            self.birth_date.errors = [*self.birth_date.errors, "birth_or_phone"]
            valid = False
        return valid
