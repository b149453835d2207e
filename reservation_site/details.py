"""The details step: who is coming — the booker's contact and the name of every family member. A pickup's
notice numbers were checked before any venue was shown (reservation_site.views.pickup); they are kept from
that step and shown here, not asked again."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from reservation_site import visit, web
from reservation_site.forms import DetailsForm, parse_birth_date
from reservation_site.i18n import lang


def _store(form: DetailsForm, people: list[dict[str, str]]) -> None:
    birth = parse_birth_date(form.birth_date.data or "")
    notices = [person["notice_no"] for person in people]
    session["details"] = {
        "name": form.name.data,
        "name_kana": form.name_kana.data,
        "phone": form.phone.data,
        "email": form.email.data or None,
        "birth_date": birth.isoformat() if birth else None,
        "notice_no": notices[0] if notices else None,
        "members": [
            {"name": entry.form.name.data, "notice_no": notices[i] if i < len(notices) else None}
            for i, entry in enumerate(form.members, start=1)
        ],
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
    pickup = procedure.needs_notice_no
    current = visit.current(procedure)
    people = current.people if current else []
    if pickup and len(people) != ticket.party_size:  # the notice step comes first for every pickup
        return redirect(url_for("pickup.notice", code=procedure.code, n=ticket.party_size))
    saved = _saved()
    if people and not saved.get("birth_date"):  # asked with the notice number already
        saved["birth_date"] = people[0]["birth_date"]
    form = DetailsForm() if request.method == "POST" else DetailsForm(data=saved)
    while len(form.members) < ticket.party_size - 1:
        form.members.append_entry()
    while len(form.members) > ticket.party_size - 1:
        form.members.pop_entry()
    if request.method == "POST" and form.validate():
        _store(form, people)
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
        people=people,
        now=web.now(),
        anonymise_days=web.rules().anonymise_after_days,
    )
    return page, status


def _saved() -> dict[str, Any]:
    saved: dict[str, Any] = dict(session.get("form") or {})
    return {k: v for k, v in saved.items() if not k.startswith("members-")}
