"""The local card agent over real HTTP (waitress on 127.0.0.1) with a software card behind it.

The software card stands in for the reader here because these tests are about HTTP, origins and tokens; the
PC/SC path is covered end to end in test_pcsc_stack.py.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from reader.agent import TOKEN_HEADER, AgentSettings, create_app
from reader.softcard import SAMPLE_INFO, SoftCard, SoftCardConfig
from tests.waitress_thread import served as served_app

CONSOLE = "http://console.fujisawa.local:8050"
EVIL = "http://evil.example"


@dataclass
class Agent:
    port: int
    card: SoftCard

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        origin: str | None = CONSOLE,
        token: str | None = None,
        host: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if origin:
            sent["Origin"] = origin
        if token:
            sent[TOKEN_HEADER] = token
        if host:
            sent["Host"] = host
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        content = (
            json.loads(raw) if response.getheader("Content-Type", "").startswith("application/json") else raw
        )
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def token(self) -> str:
        status, _, body = self.call("POST", "/v1/session")
        assert status == 200
        return str(body["token"])


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[int, dict[str, SoftCard]]]:
    """One agent for the module; each test puts a fresh software card behind it."""
    holder = {"card": SoftCard()}
    app = create_app(
        AgentSettings(allowed_origins=frozenset({CONSOLE})),
        lambda: holder["card"],
        lambda: ["Test Reader 00"],
    )
    with served_app(app) as port:
        yield port, holder


@pytest.fixture
def agent(served: tuple[int, dict[str, SoftCard]]) -> Agent:
    port, holder = served
    holder["card"] = SoftCard(SoftCardConfig())
    return Agent(port, holder["card"])


def test_console_origin_reads_the_card_with_a_session_token(agent: Agent) -> None:
    token = agent.token()
    status, headers, body = agent.call("POST", "/v1/read", {"pin": "1234"}, token=token)
    assert status == 200
    assert body["card"]["name"] == SAMPLE_INFO.name
    assert body["card"]["birth_date"] == "1985-04-12"
    assert body["card"]["sex"] == "2"
    assert headers["access-control-allow-origin"] == CONSOLE
    assert headers["cache-control"] == "no-store"


def test_other_origins_get_no_session_and_no_cors(agent: Agent) -> None:
    status, headers, body = agent.call("POST", "/v1/session", origin=EVIL)
    assert status == 403
    assert body["error"]["code"] == "origin_refused"
    assert "access-control-allow-origin" not in headers


def test_a_token_is_useless_from_another_origin(agent: Agent) -> None:
    token = agent.token()
    status, _, _ = agent.call("POST", "/v1/read", {"pin": "1234"}, origin=EVIL, token=token)
    assert status == 403
    assert agent.card.commands == []


def test_requests_without_origin_are_refused(agent: Agent) -> None:
    status, _, _ = agent.call("POST", "/v1/session", origin=None)
    assert status == 403


@pytest.mark.parametrize("token", [None, "made-up-token"])
def test_reading_needs_a_token_from_this_agent(agent: Agent, token: str | None) -> None:
    status, _, body = agent.call("POST", "/v1/read", {"pin": "1234"}, token=token)
    assert status == 401
    assert body["error"]["code"] == "bad_token"
    assert agent.card.commands == []


def test_a_rebound_host_name_is_refused(agent: Agent) -> None:
    status, _, body = agent.call("POST", "/v1/session", host=f"attacker.example:{agent.port}")
    assert status == 403
    assert body["error"]["code"] == "bad_host"


def test_preflight_allows_the_token_header_and_private_network_access(agent: Agent) -> None:
    status, headers, _ = agent.call(
        "OPTIONS",
        "/v1/read",
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-mynadesk-token",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == CONSOLE
    assert TOKEN_HEADER in headers["access-control-allow-headers"]
    assert headers["access-control-allow-private-network"] == "true"


def test_wrong_pin_says_how_many_tries_are_left(agent: Agent) -> None:
    status, _, body = agent.call("POST", "/v1/read", {"pin": "0000"}, token=agent.token())
    assert status == 422
    assert body["error"]["code"] == "wrong_pin"
    assert body["error"]["tries_left"] == 2
    assert "残り 2 回" in body["error"]["message_ja"]


def test_one_try_left_is_refused_and_the_status_call_warns_first(agent: Agent) -> None:
    agent.card.tries = 1
    token = agent.token()
    status, _, body = agent.call("GET", "/v1/card", token=token)
    assert (status, body["tries_left"]) == (200, 1)
    status, _, body = agent.call("POST", "/v1/read", {"pin": "1234"}, token=token)
    assert status == 422
    assert body["error"]["code"] == "pin_reset_needed"
    assert agent.card.tries == 1


def test_a_malformed_pin_never_reaches_the_card(agent: Agent) -> None:
    status, _, body = agent.call("POST", "/v1/read", {"pin": "12"}, token=agent.token())
    assert status == 400
    assert body["error"]["code"] == "invalid_pin"
    assert agent.card.commands == []


def test_no_card_is_reported(agent: Agent) -> None:
    agent.card.present = False
    status, _, body = agent.call("GET", "/v1/card", token=agent.token())
    assert status == 422
    assert body["error"]["code"] == "no_card"


def test_the_client_script_is_served(agent: Agent) -> None:
    status, headers, body = agent.call("GET", "/cardread.js", origin=None)
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert b"MynaDeskCardReader" in body


def test_reader_serve_runs_the_agent_on_the_loopback(tmp_path: object) -> None:
    import socket
    import subprocess
    import sys
    import time

    from tests.pcsc_stack import ROOT

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "mynadesk", "reader", "serve", "--origin", CONSOLE, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = Agent(port, SoftCard()).call("POST", "/v1/session")
                break
            except OSError:
                assert time.monotonic() < deadline, "the agent did not start"
                time.sleep(0.1)
        assert status == 200
        assert headers["access-control-allow-origin"] == CONSOLE
        assert len(body["token"]) >= 40
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_status_page_names_the_readers_and_the_allowed_consoles(agent: Agent) -> None:
    status, headers, body = agent.call("GET", "/", origin=None)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "起動しています" in page
    assert "Test Reader 00" in page
    assert CONSOLE in page


def test_an_unexpected_failure_still_answers_in_json(agent: Agent) -> None:
    agent.card.transmit = lambda command: (_ for _ in ()).throw(OSError("reader unplugged"))  # type: ignore[method-assign]
    status, _, body = agent.call("POST", "/v1/read", {"pin": "1234"}, token=agent.token())
    assert status == 500
    assert body["error"]["code"] == "agent_error"
    assert "1234" not in json.dumps(body)


def test_unknown_paths_are_404(agent: Agent) -> None:
    status, _, _ = agent.call("GET", "/v1/nothing", token=agent.token())
    assert status == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Console.City.lg.jp/", "https://console.city.lg.jp"),
        ("http://127.0.0.1:8050", "http://127.0.0.1:8050"),
    ],
)
def test_origins_are_normalised(value: str, expected: str) -> None:
    from reader.agent import parse_origin

    assert parse_origin(value) == expected


@pytest.mark.parametrize(
    "value", ["*", "console.city.lg.jp", "https://console.city.lg.jp/person", "file:///x"]
)
def test_an_origin_that_is_not_scheme_host_port_is_refused(value: str) -> None:
    import subprocess
    import sys

    from tests.pcsc_stack import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "mynadesk", "reader", "serve", "--origin", value, "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "https://ホスト名[:ポート]" in result.stderr
