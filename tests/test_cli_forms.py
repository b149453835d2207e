"""`mynadesk forms render` run for real: the app role, a migrated database, a PDF on disk, a stored record."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from core.db.engine import make_engine
from core.db.migrate import upgrade
from tests.conftest import process_env, recreate_database
from tests.pcsc_stack import ROOT, pcscd_running, require_stack, virtual_card
from tests.reports.people import HANAKO, add_card, add_resident


@pytest.fixture(scope="module")
def forms_db(server_url: URL) -> Iterator[tuple[URL, Engine]]:
    url = recreate_database(server_url, "mynadesk_forms_cli")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        add_card(session, add_resident(session).atena_no)
    yield url, engine
    engine.dispose()


DOCUMENTS_DIR = tempfile.mkdtemp(prefix="mynadesk-forms-documents-")  # the printed forms' copies


def _forms(url: URL, *args: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = process_env(url, COLUMNS="200", MYNADESK_DOCUMENTS_DIR=DOCUMENTS_DIR)
    return subprocess.run(
        [sys.executable, "-m", "mynadesk", "forms", "render", *args],
        input=pin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_render_writes_the_pdf_and_stores_the_record(forms_db: tuple[URL, Engine], tmp_path: Path) -> None:
    url, engine = forms_db
    out = tmp_path / "certificate.pdf"
    result = _forms(url, "certificate", "--person", HANAKO["atena_no"], "--out", str(out), "--staff", "S0101")
    assert result.returncode == 0, result.stderr
    assert "MDF-" in result.stdout
    page = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text().replace("\n", "")
    assert "藤沢 花子" in page
    assert HANAKO["address"] in page
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT kind, source, created_by FROM cards.filled_forms ORDER BY id DESC LIMIT 1")
        ).one()
        audit = conn.execute(text("SELECT actor FROM audit.log WHERE action = 'form_filled'")).scalars().all()
    assert tuple(row) == ("certificate", "register", "S0101")
    assert "S0101" in audit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["certificate", "--person", "999999999999"], "宛名番号 999999999999"),
        (["application", "--person", HANAKO["atena_no"]], "帳票の種類"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    forms_db: tuple[URL, Engine], tmp_path: Path, args: list[str], message: str
) -> None:
    url, engine = forms_db
    before = (_count(engine, "cards.filled_forms"), _count(engine, "audit.log"))
    out = tmp_path / "form.pdf"
    result = _forms(url, *args, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()
    assert (_count(engine, "cards.filled_forms"), _count(engine, "audit.log")) == before


@pytest.mark.pcsc
def test_render_from_the_card_through_pcscd(forms_db: tuple[URL, Engine], tmp_path: Path) -> None:
    require_stack()
    url, engine = forms_db
    out = tmp_path / "pin_reset.pdf"
    card = {
        "info": {
            "name": "藤沢\u3000花子",
            "address": "神奈川県藤沢市朝日町１番地１",
            "birth_date": "1985-04-12",
            "sex": "2",
        }
    }
    with pcscd_running(), virtual_card(card):
        result = _forms(
            url,
            "face_change",
            "--person",
            HANAKO["atena_no"],
            "--out",
            str(out),
            "--from-card",
            "--pin-stdin",
            pin="1234\n",
        )
    assert result.returncode == 0, result.stderr
    page = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text().replace("\n", "")
    assert "神奈川県藤沢市朝日町１番地１" in page
    with engine.connect() as conn:
        source = conn.execute(
            text("SELECT source FROM cards.filled_forms ORDER BY id DESC LIMIT 1")
        ).scalar_one()
        reads = conn.execute(text("SELECT detail FROM audit.log WHERE action = 'card_read'")).scalars().all()
    assert source == "card"
    assert reads
    assert all("花子" not in str(detail) for detail in reads)


def _compare(url: URL, pin: str) -> subprocess.CompletedProcess[str]:
    env = process_env(url, COLUMNS="200")
    command = [
        "reader",
        "compare",
        "--person",
        HANAKO["atena_no"],
        "--pin-stdin",
        "--json",
        "--staff",
        "S0202",
    ]
    return subprocess.run(
        [sys.executable, "-m", "mynadesk", *command],
        input=pin + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.pcsc
def test_compare_shows_the_moved_address_and_audits_the_read(forms_db: tuple[URL, Engine]) -> None:
    require_stack()
    url, engine = forms_db
    moved = {
        "info": {
            "name": "藤沢　花子",
            "address": "神奈川県藤沢市朝日町１番地１",
            "birth_date": "1985-04-12",
            "sex": "2",
        }
    }
    with pcscd_running(), virtual_card(moved):
        result = _compare(url, "1234")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert {f["field"]: f["match"] for f in body["fields"]} == {
        "name": "same",
        "address": "different",
        "birth_date": "same",
        "sex": "same",
    }
    assert body["face_change_needed"] is True
    with engine.connect() as conn:
        outcomes = (
            conn.execute(
                text(
                    "SELECT detail->>'outcome' FROM audit.log WHERE action = 'card_read' AND actor = 'S0202'"
                )
            )
            .scalars()
            .all()
        )
    assert outcomes == ["ok"]


@pytest.mark.pcsc
def test_compare_with_a_wrong_pin_audits_the_refusal(forms_db: tuple[URL, Engine]) -> None:
    require_stack()
    url, engine = forms_db
    with pcscd_running(), virtual_card():
        result = _compare(url, "0000")
    assert result.returncode == 3
    with engine.connect() as conn:
        outcomes = (
            conn.execute(
                text(
                    "SELECT detail->>'outcome' FROM audit.log WHERE action = 'card_read' AND actor = 'S0202'"
                )
            )
            .scalars()
            .all()
        )
    assert "wrong_pin" in outcomes


def test_reprint_writes_the_same_form_again(forms_db: tuple[URL, Engine], tmp_path: Path) -> None:
    url, _ = forms_db
    first = tmp_path / "receipt.pdf"
    rendered = _forms(url, "receipt", "--person", HANAKO["atena_no"], "--out", str(first))
    assert rendered.returncode == 0, rendered.stderr
    reference = re.search(r"MDF-\d{8}", rendered.stdout)
    assert reference is not None
    env = process_env(url, COLUMNS="200")
    again = tmp_path / "again.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "mynadesk", "forms", "reprint", reference.group(), "--out", str(again)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text_of = [PdfReader(io.BytesIO(p.read_bytes())).pages[0].extract_text() for p in (first, again)]
    assert re.sub(r"・ 再印刷 [^・]*", "", text_of[1]) == text_of[0]
    assert reference.group() in text_of[1]


def test_list_shows_the_persons_forms_and_audits_the_view(
    forms_db: tuple[URL, Engine], tmp_path: Path
) -> None:
    url, engine = forms_db
    rendered = _forms(url, "notice", "--person", HANAKO["atena_no"], "--out", str(tmp_path / "n.pdf"))
    assert rendered.returncode == 0, rendered.stderr
    env = process_env(url, COLUMNS="200")
    command = ["forms", "list", "--person", HANAKO["atena_no"], "--staff", "S0303"]
    result = subprocess.run(
        [sys.executable, "-m", "mynadesk", *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "交付通知書(再発行)" in result.stdout
    assert "MDF-" in result.stdout
    with engine.connect() as conn:
        views = conn.execute(text("SELECT count(*) FROM audit.log WHERE actor = 'S0303' AND action = 'view'"))
        assert views.scalar_one() == 1
