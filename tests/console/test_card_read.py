"""カード読取: the browser's read reaches the server only as the 4 items; the server audits and compares them.
(The chip itself is read by the card agent of the reader issue, tested there with the PC/SC stack.)"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.register import Resident
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, login


def _compare(console: Flask, raw: dict[str, Any], holder: str) -> dict[str, Any]:
    key = next(k for k in console.extensions["mynadesk_registry"].callbacks if "issue-chip-result." in k)
    body = {
        "output": key,
        "outputs": [
            {"id": "issue-chip-result", "property": "children"},
            {"id": "issue-chip-ok", "property": "data"},
        ],
        "inputs": [{"id": "issue-chip", "property": "data", "value": raw}],
        "state": [{"id": "issue-holder", "property": "data", "value": holder}],
        "changedPropIds": ["issue-chip.data"],
    }
    with console.test_client() as client:
        login(client, USERS[Role.COUNTER])
        response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    payload: dict[str, Any] = response.get_json()["response"]
    return payload


def _card(owner: Engine, atena: str, **changes: str) -> dict[str, Any]:
    with Session(owner) as s:
        person = s.get(Resident, atena)
        assert person is not None
        card = {
            "name": person.name,
            "address": person.address,
            "birth_date": str(person.birth_date),
            "sex": str(person.sex),
        }
    return card | changes


def test_a_matching_card_read_is_compared_and_audited(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    raw = {"ok": True, "card": _card(console_db[0], seed.person_atena)}
    response = _compare(console, raw, seed.person_atena)
    assert response["issue-chip-ok"]["data"] is True
    assert "一致" in json.dumps(response, ensure_ascii=False)
    with Session(console_db[0]) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "card_read").order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None
    assert (entry.actor, entry.subject_atena_no) == (USERS[Role.COUNTER], seed.person_atena)
    assert "辻堂" not in json.dumps(entry.detail, ensure_ascii=False)  # the fact of the read, never the data


def test_a_card_with_another_birth_date_blocks_the_handover(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    raw = {"ok": True, "card": _card(console_db[0], seed.person_atena, birth_date="1901-01-01")}
    response = _compare(console, raw, seed.person_atena)
    assert response["issue-chip-ok"]["data"] is False
    assert "本人のカードではない可能性" in json.dumps(response, ensure_ascii=False)


def test_the_comparison_shows_sex_as_男_or_女(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    card = _card(console_db[0], seed.person_atena)
    other = "1" if card["sex"] == "2" else "2"
    response = _compare(console, {"ok": True, "card": card | {"sex": other}}, seed.person_atena)
    rows = _rows(response)
    labels = {"1": "男", "2": "女"}
    assert rows["性別"][:2] == [labels[other], labels[card["sex"]]]


class _TableText(HTMLParser):
    """The text of each row of the HTML tables in a callback's output, cell by cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _rows(response: dict[str, Any]) -> dict[str, list[Any]]:
    """The comparison table's rows by item: [card, register, …] (the table is one HTML component)."""
    parser = _TableText()

    def walk(node: Any) -> None:
        if isinstance(node, str) and "<table" in node:
            parser.feed(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(response["issue-chip-result"]["children"])
    return {row[0]: row[1:] for row in parser.rows if row and row[0]}


def test_a_failed_read_shows_the_agent_message_and_is_audited(
    console: Flask, console_db: tuple[Engine, Engine, Seed], seed: Seed
) -> None:
    raw = {"ok": False, "code": "wrong_pin", "message_ja": "暗証番号が違います", "message_en": "wrong PIN"}
    response = _compare(console, raw, seed.person_atena)
    assert response["issue-chip-ok"]["data"] is None
    assert "暗証番号が違います" in json.dumps(response, ensure_ascii=False)
    with Session(console_db[0]) as s:
        outcomes = [
            e.detail["outcome"]
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "card_read"))
            if e.detail
        ]
    assert "wrong_pin" in outcomes


def test_the_card_agent_client_is_served_by_the_console(console: Flask) -> None:
    with console.test_client() as client:
        script = client.get("/vendor/cardread.js")
    assert script.status_code == 200
    assert b"MynaDeskCardReader" in script.data
