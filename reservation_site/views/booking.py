"""Booking flow: procedure → venue → month → time (held) → details → confirm → number + secret link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.db.models.booking import Procedure, Reservation, Slot
from core.domain.booking import TOKYO, BookingError, BookingRules, HoldExpired, SlotTaken
from core.domain.reservations import ReservationStatus
from core.services import booking as service
from core.services import booking_keys, crowding, places
from core.services import slots as slot_service
from core.services.places import ProcedureRow, VenueRow
from reservation_site import visit, web
from reservation_site.details import details_page
from reservation_site.forms import BookForm, HoldForm
from reservation_site.i18n import lang
from reservation_site.limits import contact_allowed, hold_allowed
from reservation_site.slip import render_slip

bp = Blueprint("booking", __name__)


def _procedure(db: Session, code: str) -> ProcedureRow:
    procedure = web.procedure_by_code(db, code)
    if procedure is None:
        abort(404)
    return procedure


def _venue(db: Session, procedure: ProcedureRow, code: str) -> VenueRow:
    venue = web.venue_for(db, procedure.id, code)
    if venue is None:
        abort(404)
    return venue


@bp.get("/")
def index() -> str:
    session.pop("change_id", None)  # back at the start: a new booking, not a change
    visit.drop(changes_only=True)
    with web.transaction() as db:
        procedures = list(db.scalars(select(Procedure).where(Procedure.active).order_by(Procedure.id)))
        return render_template("index.html", procedures=procedures)


@dataclass(frozen=True)
class VenueChoice:
    """A venue on the venues page: the largest party it serves and whether this party fits."""

    venue: VenueRow
    most: int
    fits: bool


@bp.get("/p/<code>")
def venues(code: str) -> str | Response:
    with web.transaction() as db:
        procedure = _procedure(db, code)
        current = visit.current(procedure)
        if procedure.needs_notice_no and (current is None or current.holding is None):
            return redirect(url_for("pickup.notice", code=procedure.code))
        rows = places.venues_offering(db, procedure.id)
        party = visit.requested_party(current)
        choices = []
        for venue in rows:
            if visit.venue_rules(db, procedure, venue.id, current) is None:
                continue  # a pickup away from where the card is kept
            most = max(visit.party_choices(db, procedure, venue.id, None) or [0])
            choices.append(VenueChoice(venue, most, party <= most))
        return render_template(
            "venues.html",
            procedure=procedure,
            choices=choices,
            party=party,
            fixed=bool(current and current.party),
            parties=range(1, procedure.max_party_size + 1),
            holding=web.venue(db, current.holding) if current and current.holding else None,
        )


def _month(raw: str | None, today: date, last_open: date) -> date:
    """The month asked for as 2026-12; this month when it is garbled or outside the months that can be booked
    (a year like 9999 would otherwise run the calendar off the end of the date type)."""
    this_month = today.replace(day=1)
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        asked = date(year, month, 1)
    except ValueError:
        return this_month
    return asked if this_month <= asked <= last_open else this_month


def _allowed(db: Session, procedure: ProcedureRow, venue: VenueRow) -> tuple[BookingRules, int]:
    """The rules for this visitor at VENUE and the party size asked for (404 when the venue is not theirs,
    e.g. a pickup away from the card; the venues page when the party cannot be seated there)."""
    current = visit.current(procedure)
    rules = visit.venue_rules(db, procedure, venue.id, current)
    if rules is None:
        abort(404)
    party = visit.requested_party(current, request.form if request.method == "POST" else None)
    if party == 0:  # garbled: the form's own check says so on the day page
        party = visit.requested_party(current)
    if party not in visit.party_choices(db, procedure, venue.id, current):
        if request.method == "POST":  # a form sent with a party the venue cannot take: nothing is held
            abort(make_response(render_template("error.html", message_key="party_not_allowed"), 400))
        abort(redirect(url_for("booking.venues", code=procedure.code, n=party)))
    return rules, party


@bp.get("/p/<code>/<venue_code>")
def calendar(code: str, venue_code: str) -> str:
    now = web.now()
    today = now.astimezone(TOKYO).date()
    with web.transaction() as db:
        procedure = _procedure(db, code)
        venue = _venue(db, procedure, venue_code)
        rules, party = _allowed(db, procedure, venue)
        last_open = today + timedelta(days=rules.max_days_ahead)
        month = _month(request.args.get("m"), today, last_open)
        days = slot_service.month_view(db, venue.id, procedure.id, month, now, rules, party)
        prev_month = (month - timedelta(days=1)).replace(day=1)
        next_month = (month + timedelta(days=32)).replace(day=1)
        return render_template(
            "calendar.html",
            procedure=procedure,
            venue=venue,
            month=month,
            days=days,
            party=party,
            prev_month=prev_month if prev_month >= today.replace(day=1) else None,
            next_month=next_month if next_month <= last_open else None,
            few_pct=round(rules.few_left_ratio * 100),
        )


def _day_page(
    db: Session,
    procedure: ProcedureRow,
    venue: VenueRow,
    day: date,
    form: HoldForm,
    rules: BookingRules,
    party: int,
) -> str:
    slots = [s for s in web.day_slots(db, venue.id, procedure.id, day, rules) if s.free >= party]
    form.slot_id.choices = [(s.id, f"{s.starts_at.astimezone(TOKYO):%H:%M}") for s in slots]
    form.party_size.data = party
    current = visit.current(procedure)
    choices = visit.party_choices(db, procedure, venue.id, current)
    slots_html = None
    if form.slot_id.data is None and not form.slot_id.errors:  # nothing chosen: the same for everyone
        key = (venue.id, procedure.id, day, lang(), party, rules.min_days_ahead)
        fresh = lambda: render_template("_slots.html", form=form, slots=slots)  # noqa: E731
        slots_html = web.shared_html("slots", key, fresh)
    compare = [
        crowding.venue_day(v, web.day_slots(db, v.id, procedure.id, day, rules), rules.few_left_ratio)
        for v in web.venues_offering(db, procedure.id)
    ]
    return render_template(
        "day.html",
        procedure=procedure,
        venue=venue,
        day=day,
        slots=slots,
        form=form,
        slots_html=slots_html,
        party=party,
        parties=choices if not (current and current.party) else [],
        compare=compare if len(compare) > 1 else [],
        few_pct=round(rules.few_left_ratio * 100),
    )


@bp.route("/p/<code>/<venue_code>/<day>", methods=["GET", "POST"])
def day_page(code: str, venue_code: str, day: str) -> str | Response | tuple[str, int]:
    try:
        visit_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    form = HoldForm()
    with web.transaction() as db:
        procedure = _procedure(db, code)
        venue = _venue(db, procedure, venue_code)
        rules, party = _allowed(db, procedure, venue)
        if request.method == "GET" or not form.validate_on_submit():
            status = 400 if request.method == "POST" else 200
            return _day_page(db, procedure, venue, visit_day, form, rules, party), status
    return _hold(procedure, venue.id, int(form.slot_id.data or 0), party, rules)


def _claim(db: Session, procedure: ProcedureRow, venue_id: int, party: int) -> service.Claim:
    """What this visitor asks of a slot: a change what its booking may (service.change_claim), a new booking
    the procedure and venue of the page and, for a pickup, the notice numbers checked at the first step."""
    change_id = session.get("change_id")
    reservation = db.get(Reservation, change_id) if change_id else None
    current = visit.current(procedure)
    if reservation is not None:
        holding = current.holding if current and current.change else None  # asked when the change started
        return replace(service.change_claim(db, reservation, holding), venue_id=venue_id)
    numbers = tuple(person["notice_no"] for person in current.people) if current else ()
    holding = current.holding if current else None
    return service.Claim(procedure.id, party, venue_id, numbers, holding)


def _hold(
    procedure: ProcedureRow, venue_id: int, slot_id: int, party: int, rules: BookingRules
) -> Response | tuple[str, int]:
    if not hold_allowed():
        return render_template("error.html", message_key="too_many_tries"), 429
    _drop_old_hold()
    try:
        with web.transaction() as db:
            claim = _claim(db, procedure, venue_id, party)
            ticket = service.hold_seats(db, slot_id, party, web.now(), rules, claim)
    except SlotTaken:
        return taken_page(slot_id, party)
    except BookingError as error:  # PartyTooLarge among them: nothing was taken, the time is too small
        return render_template("error.html", error=error), 400
    web.save_hold(ticket)
    if session.get("change_id"):
        return redirect(url_for("manage.change_confirm"))
    return redirect(url_for("booking.details"))


def _drop_old_hold() -> None:
    old = web.current_hold()
    if old is not None:
        with web.transaction() as db:
            service.release_hold(db, old, web.now())
        session.pop("hold", None)


def taken_page(slot_id: int, party: int) -> tuple[str, int]:
    """The 'just taken, here are the nearest free slots' page: only after a real race was lost."""
    with web.transaction() as db:
        slot = db.get(Slot, slot_id)
        if slot is None:
            abort(404)
        nearby = slot_service.nearest_free(db, slot, party, web.now(), web.rules(db))
        procedure = web.procedure(db, slot.procedure_id)
        venue = web.venue(db, slot.venue_id)
        form = HoldForm()
        form.slot_id.choices = [(s.id, f"{s.starts_at.astimezone(TOKYO):%m/%d %H:%M}") for s in nearby]
        form.party_size.choices = [(party, str(party))]
        html = render_template(
            "taken.html", slot=slot, nearby=nearby, procedure=procedure, venue=venue, form=form, party=party
        )
        return html, 409


@bp.route("/details", methods=["GET", "POST"])
def details() -> str | Response | tuple[str, int]:
    return details_page()


@bp.route("/confirm", methods=["GET", "POST"])
def confirm() -> str | Response | tuple[str, int]:
    form = BookForm()
    sent = form.validate_on_submit()
    done = session.get("done") or {}
    if sent and done.get("key") == form.key.data:  # this attempt booked already (a second tab, a re-send)
        return redirect(url_for("booking.done"))
    ticket = web.current_hold()
    data = session.get("details")
    if ticket is None or not data:
        return render_template("error.html", message_key="no_hold"), 400
    if sent:
        return _book(str(form.key.data), ticket, data)
    form.fresh_key()  # a garbled key is replaced: the next press is a proper attempt
    status = 400 if form.is_submitted() else 200  # nothing was booked or changed
    slot = web.slot_time(ticket.slot_id)
    assert slot is not None
    procedure, venue = web.procedure(None, slot.procedure_id), web.venue(None, slot.venue_id)
    html = render_template(
        "confirm.html", form=form, ticket=ticket, details=data, slot=slot, procedure=procedure, venue=venue
    )
    return html, status


def _book(key: str, ticket: service.HoldTicket, data: dict[str, Any]) -> Response | tuple[str, int]:
    """Book the attempt KEY once: a second sending of it finds the booking of the first (booking_keys)."""
    try:
        with web.transaction() as db:
            replay = booking_keys.find(db, key, ticket) is not None
            if not replay and not contact_allowed(db, data["phone"]):  # counted; rolled back on failure
                return render_template("error.html", message_key="too_many_tries"), 429
            members = [service.Member(**m) for m in data.get("members") or []]
            birth = _date(data.get("birth_date"))
            details = service.Details(**{**data, "birth_date": birth, "members": members})
            booked = booking_keys.book_once(db, key, ticket, details, web.now(), web.rules(db), web.client())
            booking_no, reservation_id = booked.reservation.booking_no, booked.reservation.id
    except (SlotTaken, HoldExpired):
        session.pop("hold", None)
        return taken_page(ticket.slot_id, ticket.party_size)
    except BookingError as error:
        return render_template("error.html", error=error), 409
    for name in ("hold", "details", "form", visit.KEY):  # the person's details leave the flow once booked
        session.pop(name, None)
    session["done"] = {
        "id": reservation_id,
        "booking_no": booking_no,
        "secret": booked.secret,
        "mailed": bool(data.get("email")),
        "key": key,
    }
    # the slip, its .ics and the manage page open without the link again
    session["manage_id"] = reservation_id
    return redirect(url_for("booking.done"))


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


@bp.get("/done")
def done() -> str | Response | tuple[str, int]:
    data = session.get("done")
    if not data or "id" not in data:
        return render_template("error.html", message_key="not_found"), 404
    link = web.secret_link(data["secret"])
    with web.transaction() as db:
        reservation = db.get(Reservation, data["id"])
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        if reservation.status != ReservationStatus.BOOKED:  # changed its mind since: the manage page says so
            return redirect(url_for("manage.show"))
        return render_slip(db, reservation, just_booked=True, link=link, mailed=data.get("mailed"))
