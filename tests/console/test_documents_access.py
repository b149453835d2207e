"""Who may see scanned images: the image route needs a login and a document role, answers no-store, refuses
an analyst (403, audited) and the 窓口 a kind it may not see; the document callbacks refuse an analyst."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, login
from tests.console.documents_batch import Imported

PNG = b"\x89PNG\r\n\x1a\n"


def _refusals(owner: Engine, actor: str, object_id: str) -> int:
    with Session(owner) as s:
        return len(
            s.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.action == "access_denied",
                    AuditEntry.actor == actor,
                    AuditEntry.object_id == object_id,
                )
            ).all()
        )


def test_the_image_route_needs_a_login(console: Flask, documents: Imported) -> None:
    with console.test_client() as client:
        response = client.get(f"/documents/image/{documents.receipt_id}/1")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_with_a_document_role_get_the_image_never_cached(
    console: Flask, documents: Imported, console_db: tuple[Engine, Engine, Seed]
) -> None:
    with console.test_client() as client:
        login(client, USERS[Role.DOCUMENTS])
        page = client.get(f"/documents/image/{documents.receipt_id}/1")
        thumb = client.get(f"/documents/image/{documents.receipt_id}/1?size=thumb")
        missing = client.get(f"/documents/image/{documents.receipt_id}/9")
    assert page.status_code == 200
    assert page.mimetype == "image/png"
    assert page.data.startswith(PNG)
    assert "no-store" in page.headers["Cache-Control"]
    assert thumb.data.startswith(PNG)
    assert len(thumb.data) < len(page.data)
    assert missing.status_code == 404


@pytest.mark.parametrize("role", [Role.ANALYST, Role.BOOKING, Role.MANAGER])
def test_roles_without_documents_get_403_for_images_and_callbacks(
    console: Flask, documents: Imported, console_db: tuple[Engine, Engine, Seed], role: Role
) -> None:
    path = f"/documents/image/{documents.receipt_id}/1"
    before = _refusals(console_db[0], USERS[role], path)
    dash_app = console.extensions["mynadesk_dash"]
    search = next(key for key in dash_app.callback_map if "docs-results.children" in key)
    with console.test_client() as client:
        login(client, USERS[role])
        response = client.get(path)
        body = {
            "output": search,
            "outputs": [
                {"id": "docs-message", "property": "children"},
                {"id": "docs-results", "property": "children"},
            ],
            "inputs": [{"id": "docs-search", "property": "n_clicks", "value": 1}],
            "state": [{"id": "docs-atena", "property": "value", "value": documents.atena_no}],
            "changedPropIds": ["docs-search.n_clicks"],
        }
        refused = client.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 403
    assert not response.data.startswith(PNG)
    assert refused.status_code == 403
    assert json.loads(refused.get_data(as_text=True))["error"] == "この操作を行う権限がありません"
    assert documents.atena_no not in refused.get_data(as_text=True)
    assert _refusals(console_db[0], USERS[role], path) == before + 1


def test_the_counter_is_refused_the_image_of_a_kind_it_may_not_see(
    console: Flask, documents: Imported, console_db: tuple[Engine, Engine, Seed]
) -> None:
    reference = f"DOC-{documents.other_id:08d}"
    before = _refusals(console_db[0], USERS[Role.COUNTER], reference)
    with console.test_client() as client:
        login(client, USERS[Role.COUNTER])
        refused = client.get(f"/documents/image/{documents.other_id}/1")
        allowed = client.get(f"/documents/image/{documents.receipt_id}/1?size=thumb")
    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert _refusals(console_db[0], USERS[Role.COUNTER], reference) == before + 1
