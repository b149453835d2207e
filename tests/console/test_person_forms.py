"""Pre-filled forms from the console (書かない窓口): on the person page a 窓口 user makes a form; the PDF
comes from the same print_form as the CLI, is recorded, kept in the document store and audited, and is
served no-store and inline by a role-checked route; a second click or a replayed callback makes no second
form; an analyst is refused the route and the callback; the list's 再印刷 link reprints the same reference."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.documents import Document
from core.db.models.forms import FilledForm
from core.domain.documents import document_reference
from core.domain.forms import FormKind, parse_form_reference
from core.domain.roles import Role
from tests.console.conftest import ARTIFACTS, USERS, Seed, log_in, login, open_page, shot

REFERENCE = re.compile(r"/forms/pdf/(MDF-\d{8})$")


def _forms_of(owner: Engine, atena_no: str) -> int:
    with Session(owner) as s:
        return s.scalar(select(func.count()).where(FilledForm.subject_atena_no == atena_no)) or 0


def _audited(owner: Engine, action: str, object_type: str, object_id: str, actor: str) -> int:
    with Session(owner) as s:
        return (
            s.scalar(
                select(func.count()).where(
                    AuditEntry.action == action,
                    AuditEntry.object_type == object_type,
                    AuditEntry.object_id == object_id,
                    AuditEntry.actor == actor,
                )
            )
            or 0
        )


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _render_first_page(pdf: bytes, name: str) -> None:
    """Keep the PDF and its first page as PNG (pdftoppm) under tests/artifacts/ to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", name + ".pdf", name],
            cwd=ARTIFACTS,
            check=True,
            timeout=60,
        )


def _make(page: Any) -> tuple[str, dict[str, Any]]:
    """Press 作成して開く; the reference made and the callback's request body (for the replay)."""
    with page.expect_request(
        lambda r: "/_dash-update-component" in r.url and "person-form-make" in (r.post_data or "")
    ) as sent:
        page.click("#person-form-make")
    expect(page.locator("#person-form-open")).to_be_visible()
    found = REFERENCE.search(page.locator("#person-form-open").get_attribute("href") or "")
    assert found is not None
    return found.group(1), json.loads(sent.value.post_data or "{}")


def test_the_counter_makes_a_receipt_once_opens_it_and_reprints_it(
    page: Any, live_server: str, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    owner = console_db[0]
    actor = USERS[Role.COUNTER]
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger/person/{seed.person_atena}")
    expect(page.locator("#person-form-kind")).to_contain_text(FormKind.RECEIPT.label_ja)
    before = _forms_of(owner, seed.person_atena)

    reference, body = _make(page)
    expect(page.locator("#person-form-result")).to_contain_text(f"カード受領書({reference})を作成")
    expect(page.locator("#person-form-table")).to_contain_text(reference)
    expect(page.locator("#person-documents")).to_contain_text("カード受領書")  # the kept copy, listed at once
    page.locator("#person-form-open").scroll_into_view_if_needed()
    shot(page, "console_person_forms")
    assert _forms_of(owner, seed.person_atena) == before + 1

    response = page.request.get(f"{live_server}/forms/pdf/{reference}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["content-disposition"] == f'inline; filename="{reference}.pdf"'
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "辻堂" in text
    assert "海子" in text
    assert reference in text
    _render_first_page(pdf, "console_person_form_receipt")

    form_id = parse_form_reference(reference)
    with Session(owner) as s:
        form = s.get_one(FilledForm, form_id)
        document = s.scalars(select(Document).where(Document.filled_form_id == form_id)).one()
    assert (form.kind, form.subject_atena_no, form.created_by) == ("receipt", seed.person_atena, actor)
    assert document.atena_no == seed.person_atena
    assert document.printed_sha256
    assert _audited(owner, "form_filled", "filled_form", reference, actor) == 1
    assert _audited(owner, "document_store", "document", document_reference(document.id), actor) == 1
    assert _audited(owner, "view", "filled_form", reference, actor) == 1

    # what 開く・印刷 opens: Chromium's own viewer shows the PDF inline (the console's CSP allows it)
    viewer = page.context.new_page()
    viewer.set_viewport_size({"width": 1366, "height": 768})
    viewer.goto(f"{live_server}/forms/pdf/{reference}")
    viewer.wait_for_timeout(1500)  # the viewer draws after the load; only for the screenshot
    shot(viewer, "console_person_form_viewer")
    viewer.close()

    # the second click on the same screen, then the same callback request replayed: the form made before
    page.click("#person-form-make")
    expect(page.locator("#person-form-result")).to_contain_text("二重には作成しません")
    expect(page.locator("#person-form-open")).to_have_attribute("href", f"/forms/pdf/{reference}")
    replayed = page.request.post(
        f"{live_server}/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert replayed.status == 200
    assert reference in replayed.text()
    assert _forms_of(owner, seed.person_atena) == before + 1
    assert _audited(owner, "form_filled", "filled_form", reference, actor) == 1

    # another kind on the same screen is a new form; a reload starts a new screen
    page.locator("#person-form-kind").click()
    page.get_by_role("option", name=FormKind.PIN_RESET.label_ja).click()
    page.click("#person-form-make")
    expect(page.locator("#person-form-result")).to_contain_text(f"{FormKind.PIN_RESET.label_ja}(MDF-")
    expect(page.locator("#person-form-open")).not_to_have_attribute("href", f"/forms/pdf/{reference}")
    assert _forms_of(owner, seed.person_atena) == before + 2

    reprint = page.locator(f"#person-form-table a.md-form-reprint[href='/forms/pdf/{reference}/reprint']")
    expect(reprint).to_have_attribute("target", "_blank")
    again = page.request.get(f"{live_server}{reprint.get_attribute('href')}")
    assert again.status == 200
    assert again.headers["content-type"] == "application/pdf"
    assert reference in again.headers["content-disposition"]
    assert reference in _pdf_text(again.body())
    assert "再印刷" in _pdf_text(again.body())
    assert _audited(owner, "form_reprinted", "filled_form", reference, actor) == 1
    assert _forms_of(owner, seed.person_atena) == before + 2


def test_the_form_route_needs_a_login(console: Flask) -> None:
    with console.test_client() as client:
        response = client.get("/forms/pdf/MDF-00000001")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_analyst_is_refused_the_pdf_and_the_make_callback(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    owner = console_db[0]
    dash_app = console.extensions["mynadesk_dash"]
    make = next(key for key in dash_app.callback_map if "person-form-result.children" in key)
    with console.test_client() as client:
        login(client, USERS[Role.COUNTER])
        body = _callback_body(make, seed.person_atena, "A" * 22)
        made = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert made.status_code == 200
    found = re.search(r"MDF-\d{8}", made.get_data(as_text=True))
    assert found is not None
    reference = found.group(0)
    before = _forms_of(owner, seed.person_atena)
    with console.test_client() as client:
        login(client, USERS[Role.ANALYST])
        pdf = client.get(f"/forms/pdf/{reference}")
        reprint = client.get(f"/forms/pdf/{reference}/reprint")
        body = _callback_body(make, seed.person_atena, "B" * 22)
        refused = client.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json"
        )
    assert pdf.status_code == 403
    assert not pdf.data.startswith(b"%PDF")
    assert reprint.status_code == 403
    assert not reprint.data.startswith(b"%PDF")
    assert refused.status_code == 403
    assert json.loads(refused.get_data(as_text=True))["error"] == "この操作を行う権限がありません"
    assert _forms_of(owner, seed.person_atena) == before
    analyst = USERS[Role.ANALYST]
    assert _audited(owner, "access_denied", "filled_form", f"/forms/pdf/{reference}", analyst) == 1
    assert _audited(owner, "form_reprinted", "filled_form", reference, analyst) == 0


def test_a_bad_reference_or_token_changes_nothing(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    dash_app = console.extensions["mynadesk_dash"]
    make = next(key for key in dash_app.callback_map if "person-form-result.children" in key)
    before = _forms_of(console_db[0], seed.person_atena)
    with console.test_client() as client:
        login(client, USERS[Role.COUNTER])
        malformed = client.get("/forms/pdf/MDF-1")
        unknown = client.get("/forms/pdf/MDF-99999999")
        body = _callback_body(make, seed.person_atena, "short")
        bad = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert malformed.status_code == 404
    assert unknown.status_code == 404
    assert "画面を開き直して" in json.dumps(bad.get_json(), ensure_ascii=False)
    assert _forms_of(console_db[0], seed.person_atena) == before


def _callback_body(output: str, atena_no: str, token: str) -> dict[str, Any]:
    return {
        "output": output,
        "outputs": [
            {"id": "person-form-result", "property": "children"},
            {"id": "person-form-list", "property": "children"},
            {"id": "person-document-list", "property": "children"},
        ],
        "inputs": [{"id": "person-form-make", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "person-form-kind", "property": "value", "value": "receipt"},
            {"id": "person-form-token", "property": "data", "value": token},
            {"id": "person-atena", "property": "data", "value": atena_no},
        ],
        "changedPropIds": ["person-form-make.n_clicks"],
    }
