"""The details step: who is coming; pickups are checked against the ledger through a yes/no function."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from core.domain.booking import normalise_notice_no
from core.services import booking as service
from reservation_site import web
from reservation_site.forms import DetailsForm, parse_birth_date
from reservation_site.i18n import lang
from reservation_site.limits import notice_blocked, notice_failed


def _pairs(form: DetailsForm) -> list[tuple[Any, Any]]:
    """(notice field, birth field) of every person whose card is picked up."""
    pairs = [(form.notice_no, form.birth_date)]
    pairs += [(entry.form.notice_no, entry.form.birth_date) for entry in form.members]
    return pairs


def _check_notices(form: DetailsForm) -> bool:
    """Ask the ledger about every (number, birth date); mark the fields that do not match."""
    ok = True
    for notice_field, birth_field in _pairs(form):
        number = normalise_notice_no(notice_field.data or "")
        birth = parse_birth_date(birth_field.data or "")
        if notice_blocked(number):
            notice_field.errors = ["too_many_tries"]
            return False
        with web.transaction() as db:
            matched = birth is not None and service.check_notice(db, number, birth)
        if not matched:
            notice_failed(number)
            notice_field.errors = ["notice_unknown"]
            ok = False
    return ok


def _store(form: DetailsForm, pickup: bool) -> None:
    birth = parse_birth_date(form.birth_date.data or "")
    session["details"] = {
        "name": form.name.data,
        "name_kana": form.name_kana.data,
        "phone": form.phone.data,
        "email": form.email.data or None,
        "birth_date": birth.isoformat() if birth else None,
        "notice_no": normalise_notice_no(form.notice_no.data or "") if pickup else None,
        "members": [normalise_notice_no(e.form.notice_no.data or "") for e in form.members] if pickup else [],
        "language": lang(),
    }
    session["form"] = {k: v for k, v in request.form.items() if k != "csrf_token"}


def details_page() -> str | Response | tuple[str, int]:
    """GET shows the form (refilled when coming back); POST validates and moves on to the confirmation."""
    ticket = web.current_hold()
    if ticket is None:
        return render_template("error.html", message_key="no_hold"), 400
    slot = web.slot_time(ticket.slot_id)  # cached: most of these requests need no database at all
    assert slot is not None
    procedure, venue = web.procedure(None, slot.procedure_id), web.venue(None, slot.venue_id)
    anonymise_days = web.rules().anonymise_after_days
    pickup = procedure.needs_notice_no
    members = ticket.party_size - 1 if pickup else 0
    form = DetailsForm() if request.method == "POST" else DetailsForm(data=_saved())
    while len(form.members) < members:
        form.members.append_entry()
    while len(form.members) > members:
        form.members.pop_entry()
    if request.method == "POST" and _valid(form, pickup) and (not pickup or _check_notices(form)):
        _store(form, pickup)
        return redirect(url_for("booking.confirm"))
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "details.html",
        form=form,
        slot=slot,
        procedure=procedure,
        venue=venue,
        ticket=ticket,
        pickup=pickup,
        now=web.now(),
        anonymise_days=anonymise_days,
    )
    return page, status


def _valid(form: DetailsForm, pickup: bool) -> bool:
    """Field rules; a pickup also needs the notice number (reported together with the other fields)."""
    valid = bool(form.validate())
    if pickup and not form.notice_no.data:
        form.notice_no.errors = [*form.notice_no.errors, "required"]
        valid = False
    return valid


def _saved() -> dict[str, Any]:
    saved: dict[str, Any] = dict(session.get("form") or {})
    return {k: v for k, v in saved.items() if not k.startswith("members-")}
