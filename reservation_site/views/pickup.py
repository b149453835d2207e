"""A pickup's first step, as e-TUMO asks it: every person's 交付通知書 number and birth date, checked against
the ledger through booking.notice_ask (each address throttled, each number slowed down in the database); then
only the venues that may hand over those cards are offered (reservation_site.visit)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.domain.booking import normalise_notice_no
from core.services import pickup
from core.services.places import ProcedureRow
from reservation_site import visit, web
from reservation_site.forms import NoticeForm, parse_birth_date
from reservation_site.limits import notice_blocked, notice_failed
from reservation_site.notices import ask_notice

bp = Blueprint("pickup", __name__)


def _procedure(db: Session, code: str) -> ProcedureRow:
    procedure = web.procedure_by_code(db, code)
    if procedure is None or not procedure.needs_notice_no:
        abort(404)
    return procedure


def _people(form: NoticeForm) -> list[tuple[Any, Any]]:
    """(notice field, birth field) of every person, the first one first."""
    return [(form.notice_no, form.birth_date)] + [(e.form.notice_no, e.form.birth_date) for e in form.members]


def _ask(form: NoticeForm, number: str, birth: date | None) -> pickup.NoticeAnswer | str:
    """The ledger's answer for one person, or the catalog key of what is wrong ('notice_wait:N' when the
    number was guessed wrongly before and must wait N seconds, whoever asks)."""
    if notice_blocked():
        return "too_many_tries"
    answer = ask_notice(number, birth) if birth else None
    if isinstance(answer, int):
        return f"notice_wait:{answer}"
    if answer is None:
        notice_failed()
        return "notice_unknown"
    if not answer.ready:
        return "notice_not_ready"
    if answer.venue_id is None:
        return "notice_no_venue"
    return answer


def _check(form: NoticeForm) -> int | None:
    """Ask about every person; the venue keeping all the cards, or None with the fields' errors set."""
    venues: set[int] = set()
    seen: set[str] = set()
    for notice_field, birth_field in _people(form):
        number = normalise_notice_no(notice_field.data or "")
        if number in seen:
            notice_field.errors = ["notice_twice"]
            return None
        seen.add(number)
        answer = _ask(form, number, parse_birth_date(birth_field.data or ""))
        if isinstance(answer, str):
            notice_field.errors = [answer]
            return None
        venues.add(answer.venue_id or 0)
    if len(venues) > 1:
        form.notice_no.errors = ["notice_split"]
        return None
    return venues.pop()


def _party(procedure: ProcedureRow) -> int:
    try:
        return max(1, min(int(request.args.get("n") or 1), procedure.max_party_size))
    except ValueError:
        return 1


@bp.route("/p/<code>/notice", methods=["GET", "POST"])
def notice(code: str) -> str | Response | tuple[str, int]:
    with web.transaction() as db:
        procedure = _procedure(db, code)
    party = _party(procedure)
    form = NoticeForm()
    while len(form.members) < party - 1:
        form.members.append_entry()
    while len(form.members) > party - 1:
        form.members.pop_entry()
    if form.validate_on_submit():
        holding = _check(form)
        if holding is not None:
            people = [
                {
                    "notice_no": normalise_notice_no(n.data or ""),
                    "birth_date": str(parse_birth_date(b.data or "")),
                }
                for n, b in _people(form)
            ]
            visit.start(visit.Visit(procedure.code, party, holding, people))
            return redirect(url_for("booking.venues", code=procedure.code))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "notice.html",
        form=form,
        procedure=procedure,
        party=party,
        parties=range(1, procedure.max_party_size + 1),
    )
    return page, status
