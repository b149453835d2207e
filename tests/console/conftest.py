"""Console fixtures: a database of its own (the console commits), one user per role, seeded residents and
cards, the app, a live server on 127.0.0.1 and a real Chromium driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect
from sqlalchemy import Engine, update
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from console import create_app
from console.context import ConsoleOptions
from core.clock import Clock, system_clock, today
from core.config import APP_ROLE, Settings
from core.db.engine import make_engine, role_url
from core.db.migrate import upgrade
from core.db.models.booking import SlotTemplate
from core.db.models.cards import Certificate
from core.db.models.staff import User
from core.domain.expiry import card_expiry, user_certificate_expiry
from core.domain.roles import Role
from core.services import staff
from core.services.audit import Actor
from etl.analytics.build import build_analytics
from tests.browser import CHROMIUM, INSTALL, chromium_profile, serve
from tests.conftest import recreate_database, role_password
from tests.factories import JST, add_booking, add_card, add_place, add_resident

PASSWORD = "console test password"
PERSON_BOX = "B-2026-0142"  # the seeded person's card waits in this box until it is handed over
USERS = {role: f"T{role.value.upper()[:3]}1" for role in Role}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclass(frozen=True)
class Seed:
    """What the seeded database holds, for the tests to find."""

    person_atena: str
    person_kana: str
    moved_out_notice: str
    preset_notice: str
    box_notices: tuple[str, ...]


def _today() -> date:
    return today()


def _seed_booking(session: Session, notice_no: str) -> None:
    venue, procedure = add_place(session, "HQ", "PICKUP", needs_notice_no=True)
    bookings = (  # (time, booking number, seats, secret, the reservation's other columns), in this order
        (
            time(10, 30),
            "R-TEST-0001",
            3,
            "x",
            {"notice_no": notice_no, "name": "辻堂 海子", "channel": "web"},
        ),
        (time(9, 0), "R-TEST-0002", 2, "y", {"status": "no_show", "name": "欠席 者", "channel": "phone"}),
        (time(15, 0), "R-TEST-0003", 2, "z", {"name": "取消 予定", "channel": "web"}),
    )
    for at, booking_no, seats, secret, fields in bookings:
        start = datetime.combine(_today(), at, JST)
        add_booking(
            session, venue.id, procedure.id, start, booking_no, seats, secret_hash=secret * 64, **fields
        )
    for weekday in range(5):
        session.add(
            SlotTemplate(
                venue_id=venue.id,
                procedure_id=procedure.id,
                weekday=weekday,
                starts_at=time(8, 30),
                ends_at=time(17, 0),
                slot_minutes=15,
                capacity=2,
            )
        )


ISSUED_PEOPLE = 40


def issued_population() -> list[tuple[date, date, bool]]:
    """(birth, 発行日, printed expiry?) of the seeded cards in use: spread so expiries fall over ten years."""
    people = []
    for i in range(ISSUED_PEOPLE):
        birth = date(1940 + i, 1 + i % 12, 1 + i % 28)
        issued = date(2016 + i % 9, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        people.append((birth, issued, i % 2 == 0))
    return people


def _seed_in_use(session: Session) -> None:
    districts = ("鵠沼海岸", "辻堂元町", "湘南台", "片瀬", "長後")
    for i, (birth, issued, printed) in enumerate(issued_population()):
        resident = add_resident(
            session,
            birth_date=birth,
            address=f"神奈川県藤沢市{districts[i % 5]}{i}番地",
            area_code=f"{[2, 3, 10, 1, 12][i % 5]:02d}0101",
        )
        expiry = card_expiry(birth, issued)
        card = add_card(
            session,
            resident,
            "issued",
            issued_on=issued,
            expires_on=expiry if printed else None,
            notice_no=f"USE-{i:06d}",
            handed_over_at=system_clock(),
        )
        cert = user_certificate_expiry(birth, issued, expiry)
        session.add(
            Certificate(card_id=card.id, kind="user", state="valid", issued_on=issued, expires_on=cert)
        )
    blocked = add_card(session, add_resident(session, resident_status=3), "notified", notice_no="BLK-000001")
    blocked.blocked_reason = "住民記録: 死亡(B03)"


def _seed(session: Session) -> Seed:
    actor = Actor("test-setup")
    for role, code in USERS.items():
        staff.create_user(session, code, f"試験 {role.label_ja}", PASSWORD, {role}, actor)
    session.execute(update(User).values(password_changed_at=system_clock()))
    for i in range(6):
        add_resident(session, name=f"藤沢\u3000太郎{i}", name_kana=f"フジサワ\u3000タロウ{i}")
    person = add_resident(
        session, name="辻堂\u3000海子", name_kana="ツジドウ\u3000ウミコ", birth_date=date(1985, 10, 10)
    )
    add_card(session, person, "preset", notice_no="FJS-100001", notified_on=None, storage_box=PERSON_BOX)
    gone = add_resident(
        session,
        name="湘南\u3000去人",
        name_kana="ショウナン\u3000サルト",
        resident_status=2,
        move_reason="B01",
    )
    add_card(session, gone, "reserved", notice_no="FJS-100002")
    boxes = tuple(f"BOX-20000{i}" for i in range(3))
    for notice in boxes:
        add_card(session, add_resident(session), "preset", notice_no=notice, notified_on=None)
    _seed_booking(session, "FJS-100001")
    _seed_in_use(session)
    return Seed(person.atena_no, "ツジドウ ウミコ", "FJS-100002", "FJS-100001", boxes)


@pytest.fixture(scope="session")
def console_db(server_url: URL) -> Iterator[tuple[Engine, Engine, Seed]]:
    """A migrated, seeded database: (owner engine, app-role engine, what was seeded)."""
    url = recreate_database(server_url, "mynadesk_console_test")
    upgrade(url)
    owner = make_engine(url)
    app_engine = make_engine(role_url(url, APP_ROLE, role_password(APP_ROLE)))
    with Session(owner) as session, session.begin():
        seed = _seed(session)
    yield owner, app_engine, seed
    app_engine.dispose()
    owner.dispose()


def make_console(engine: Engine, tmp: Path, clock: Clock = system_clock, **options: Any) -> Flask:
    """A console on ENGINE with a fixed secret key (and CLOCK, the system's unless a test pins one)."""
    settings = Settings(data_dir=tmp, secret_key="test-secret-key-for-the-console")
    return create_app(settings, engine=engine, options=ConsoleOptions(**options), clock=clock)


@pytest.fixture(scope="session")
def console(console_db: tuple[Engine, Engine, Seed], tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The console app, connected as the app role."""
    return make_console(console_db[1], tmp_path_factory.mktemp("console"))


def build_marts(console: Flask, owner: Engine) -> Path:
    """Build the analytic marts from the console database with the real `mynadesk etl analytics` build, into
    the console's data dir (the console only reads them); returns the data dir."""
    data_dir: Path = console.extensions["mynadesk_console"].settings.data_dir
    build_analytics(owner, data_dir, _today())
    return data_dir


@pytest.fixture
def analytics(console: Flask, console_db: tuple[Engine, Engine, Seed]) -> Path:
    """A fresh analytics build of the console database as it is now (earlier tests change the ledger)."""
    return build_marts(console, console_db[0])


@pytest.fixture(scope="session")
def seed(console_db: tuple[Engine, Engine, Seed]) -> Seed:
    """What the console database holds."""
    return console_db[2]


def login(client: FlaskClient, staff_code: str, password: str = PASSWORD) -> Any:
    """Log in through the real form (with its CSRF token)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client.post(
        "/login",
        data={"csrf_token": token.group(1), "staff_code": staff_code, "password": password, "next": "/"},
    )


@pytest.fixture(scope="session")
def live_server(console: Flask) -> Iterator[str]:
    """The console served on a free port of 127.0.0.1 (threaded, stopped after the session)."""
    with serve(console) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile (never a downloaded browser); per module, so the
    Playwright event loop is gone before other packages' browser tests start theirs."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium is missing: {INSTALL}")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium_profile(profile, viewport={"width": 1400, "height": 900}, locale="ja-JP") as context:
        yield context


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh tab with no cookies."""
    chromium.clear_cookies()
    tab = chromium.new_page()
    yield tab
    tab.close()


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Any, base: str, role: Role) -> None:
    """Log in as ROLE's test user through the real form and wait until the console shows that user."""
    page.goto(f"{base}/login")
    page.fill("#staff_code", USERS[role])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    # the login page has a brand too ("… Operations console"): wait for the console's, signed in as this user
    expect(page.locator(".navbar-brand")).to_have_text("MynaDesk 業務コンソール")
    expect(page.locator("#account-menu")).to_contain_text(f"({USERS[role]})")


def open_page(page: Any, url: str) -> None:
    """Open a console page and wait for its title (or the refusal) and for its first callbacks."""
    page.goto(url)
    expect(page.locator(".md-page-title, #access-refused, #not-found").first).to_be_visible()
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="session")
def documents(
    console: Flask, console_db: tuple[Engine, Engine, Seed], tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """A small scanned batch imported into the console's database (tests/console/documents_batch.py)."""
    from tests.console.documents_batch import import_batch

    return import_batch(console, console_db[0], tmp_path_factory.mktemp("scans"))
