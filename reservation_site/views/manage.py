"""Managing a booking: through the secret link or booking number + birth date/phone; change and cancel."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, make_response, redirect, render_template, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.db.models.booking import Reservation, Slot
from core.domain.booking import TOKYO, BookingError, HoldExpired, SlotTaken, change_deadline
from core.domain.reservations import ReservationStatus
from core.services import booking as service
from core.services import places
from core.services.mail import booking_ics
from core.services.pickup import NoticeAnswer
from reservation_site import visit, web
from reservation_site.forms import BookForm, ConfirmForm, LookupForm, parse_birth_date
from reservation_site.i18n import lang
from reservation_site.limits import lookup_blocked, lookup_failed, lookup_wait
from reservation_site.notices import ask_notice
from reservation_site.slip import render_slip
from reservation_site.views.booking import taken_page

bp = Blueprint("manage", __name__)


@bp.get("/m/<secret>")
def by_link(secret: str) -> Response | tuple[str, int]:
    """Open a booking from its secret link, then drop the secret from the address bar."""
    with web.transaction() as db:
        reservation = service.by_secret(db, secret[:100])
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        session["manage_id"] = reservation.id
    lang()  # a ?lang= on the link is kept for the pages that follow
    return redirect(url_for("manage.show"))


@bp.route("/lookup", methods=["GET", "POST"])
def lookup() -> str | Response | tuple[str, int]:
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template("lookup.html", form=form), 400 if form.is_submitted() else 200
    if lookup_blocked():
        form.booking_no.errors = ["too_many_tries"]
        return render_template("lookup.html", form=form), 429
    booking_no = form.booking_no.data or ""
    wait = lookup_wait(booking_no)  # wrong tries for this number from any address slow it down
    if wait:
        form.booking_no.errors = [f"lookup_wait:{wait}"]
        return render_template("lookup.html", form=form), 429
    birth = parse_birth_date(form.birth_date.data or "")
    with web.transaction() as db:
        found = service.by_number(db, booking_no, birth, form.phone.data)
        found_id = found.id if found else None
    if found_id is None:
        lookup_failed(booking_no)
        form.booking_no.errors = ["lookup_failed"]
        return render_template("lookup.html", form=form), 400
    session["manage_id"] = found_id
    return redirect(url_for("manage.show"))


def _load(db: Session) -> Reservation | None:
    reservation_id = session.get("manage_id")
    return db.get(Reservation, reservation_id) if reservation_id else None


def _context(db: Session, reservation: Reservation) -> dict[str, object]:
    slot = db.get(Slot, reservation.slot_id)
    assert slot is not None
    deadline = change_deadline(slot.starts_at.astimezone(TOKYO).date(), web.rules(db))
    return {
        "reservation": reservation,
        "slot": slot,
        "procedure": web.procedure(db, reservation.procedure_id),
        "venue": web.venue(db, slot.venue_id),
        "deadline": deadline,
        "changeable": reservation.status == ReservationStatus.BOOKED and web.now() <= deadline,
    }


@bp.get("/booking")
def show() -> str | tuple[str, int]:
    session.pop("change_id", None)  # came back without choosing a new time
    visit.drop(changes_only=True)
    with web.transaction() as db:
        reservation = _load(db)
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        service.log_access(db, reservation.id, "view", web.client())
        return render_template("manage.html", form=ConfirmForm(), **_context(db, reservation))


def _booked(db: Session) -> Reservation | None:
    """The session's booking while it is still booked (a slip or calendar entry of a cancelled visit helps
    nobody)."""
    reservation = _load(db)
    if reservation is None or reservation.status != ReservationStatus.BOOKED:
        return None
    return reservation


@bp.get("/booking/slip")
def slip() -> str | Response | tuple[str, int]:
    """The printable slip of the session's booking (opened through the secret link or the look-up)."""
    with web.transaction() as db:
        reservation = _booked(db)
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        service.log_access(db, reservation.id, "slip", web.client())
        return render_slip(db, reservation)


@bp.get("/booking/calendar.ics")
def calendar_file() -> Response | tuple[str, int]:
    """The booking's calendar entry, only for the session that holds it; never cached."""
    with web.transaction() as db:
        reservation = _booked(db)
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        service.log_access(db, reservation.id, "ics", web.client())
        ics, number = booking_ics(db, reservation, web.now()), reservation.booking_no
    response = make_response(ics)
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="booking-{number}.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/booking/cancel", methods=["GET", "POST"])
def cancel() -> str | Response | tuple[str, int]:
    form = ConfirmForm()
    try:
        with web.transaction() as db:
            reservation = _load(db)
            if reservation is None:
                return render_template("error.html", message_key="not_found"), 404
            if not form.validate_on_submit():
                return render_template("cancel.html", form=form, **_context(db, reservation))
            service.cancel(db, reservation, web.now(), web.rules(db), web.client())
    except BookingError as error:
        return render_template("error.html", error=error), 409
    session["flash"] = "cancelled"
    return redirect(url_for("manage.show"))


@bp.post("/booking/change")
def change_start() -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        return render_template("error.html", message_key="expired_form"), 400
    with web.transaction() as db:
        reservation = _load(db)
        if reservation is None:
            return render_template("error.html", message_key="not_found"), 404
        procedure = places.procedure(db, reservation.procedure_id)
        slot = db.get(Slot, reservation.slot_id)
        assert procedure is not None
        assert slot is not None
        session["change_id"] = reservation.id
        code, party, pickup = procedure.code, reservation.party_size, procedure.needs_notice_no
        notice = (reservation.notice_no, reservation.birth_date)
        booked_venue = slot.venue_id
    holding = _holding_venue(notice, booked_venue) if pickup else None
    visit.start(visit.Visit(code, party, holding, change=True))
    return redirect(url_for("booking.venues", code=code))


def _holding_venue(notice: tuple[str | None, date | None], booked_venue: int) -> int:
    """The venue keeping the booked card (BOOKED_VENUE when the ledger cannot say, e.g. no birth date)."""
    number, birth = notice
    answer = ask_notice(number, birth) if number and birth else None
    if isinstance(answer, NoticeAnswer) and answer.venue_id is not None:
        return answer.venue_id
    return booked_venue


@bp.route("/booking/change/confirm", methods=["GET", "POST"])
def change_confirm() -> str | Response | tuple[str, int]:
    form = BookForm()
    sent = form.validate_on_submit()
    if sent and session.get("changed_key") == form.key.data:  # this change was made (a second tab, a re-send)
        session["flash"] = "changed"
        return redirect(url_for("manage.show"))
    ticket = web.current_hold()
    if ticket is None or not session.get("change_id"):
        return render_template("error.html", message_key="no_hold"), 400
    try:
        with web.transaction() as db:
            reservation = db.get(Reservation, session["change_id"])
            if reservation is None:
                return render_template("error.html", message_key="not_found"), 404
            if not sent:
                form.fresh_key()
                new_slot = db.get(Slot, ticket.slot_id)
                assert new_slot is not None
                new_venue = web.venue(db, new_slot.venue_id)
                html = render_template(
                    "change.html",
                    form=form,
                    new_slot=new_slot,
                    new_venue=new_venue,
                    new_party=ticket.party_size,
                    **_context(db, reservation),
                )
                return html, 400 if form.is_submitted() else 200
            procedure = places.procedure(db, reservation.procedure_id)
            assert procedure is not None
            started = visit.current(procedure)  # the holding venue asked when the change started
            holding = started.holding if started and started.change else None
            # the hold was used for this very change by an earlier sending of the page: shown as done
            service.change(db, reservation, ticket, web.now(), web.rules(db), web.client(), holding)
    except (SlotTaken, HoldExpired):
        session.pop("hold", None)
        return taken_page(ticket.slot_id, ticket.party_size)
    except BookingError as error:
        return render_template("error.html", error=error), 409
    for key in ("hold", "change_id", visit.KEY):
        session.pop(key, None)
    session["changed_key"] = form.key.data
    session["flash"] = "changed"
    return redirect(url_for("manage.show"))
