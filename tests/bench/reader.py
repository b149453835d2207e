"""Card read through the real PC/SC stack (pcscd + vpcd + the virtual card) and form render, p50/p95,
beside raw baselines measured in the same run: a bare SELECT round trip and a trivial PDF.

Targets (issue 6): read < 0.3 s, PDF < 0.3 s per form.
"""

from __future__ import annotations

import http.client
import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime

from rich.console import Console
from rich.table import Table
from xhtml2pdf import pisa

from core.domain.forms import FormKind, FormSource
from core.domain.identity import PersonFace
from reader import apdu
from reader.agent import TOKEN_HEADER, AgentSettings, create_app
from reader.pcsc import PcscReader
from reader.protocol import read_basic_four
from reports.forms import FormCard, FormPerson, form_values, render_form
from tests.pcsc_stack import ROOT, VIRTUAL_READER, missing_reason, pcscd_running, virtual_card
from tests.waitress_thread import served

READS = 50
RENDERS = 20
TARGET_SECONDS = 0.3
CARD = {
    "info": {
        "name": "藤沢\u3000花子",
        "address": "神奈川県藤沢市辻堂神台一丁目３番３９号　テラスモール湘南レジデンス１２０４号室",
        "birth_date": "1985-04-12",
        "sex": "2",
    },
    "long_form": True,
}


def timings(action: Callable[[], object], runs: int) -> list[float]:
    """Seconds per run (one warm-up run first)."""
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _card_rows() -> list[tuple[str, list[float]]]:
    reader = PcscReader(VIRTUAL_READER)
    with pcscd_running(), virtual_card(CARD):
        with reader.connect() as transport:
            select = timings(lambda: transport.transmit(apdu.select_application()), READS)
        full = timings(lambda: read_basic_four(reader, "1234"), READS)
        over_http = _agent_reads(reader)
    return [
        ("raw: SELECT AP round trip (baseline)", select),
        ("card read: connect→select→tries→verify→read", full),
        ("card read through the agent: HTTP status + read", over_http),
    ]


def _agent_reads(reader: PcscReader) -> list[float]:
    """What the console's button costs: GET /v1/card then POST /v1/read over HTTP on the loopback."""
    origin = "http://console.bench"
    with served(create_app(AgentSettings(frozenset({origin})), lambda: reader)) as port:

        def call(
            method: str, path: str, headers: dict[str, str], body: str | None = None
        ) -> dict[str, object]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path, body=body, headers={"Origin": origin, **headers})
            answer: dict[str, object] = json.loads(conn.getresponse().read())
            conn.close()
            return answer

        auth = {
            TOKEN_HEADER: str(call("POST", "/v1/session", {})["token"]),
            "Content-Type": "application/json",
        }

        def button() -> None:
            call("GET", "/v1/card", auth)
            assert call("POST", "/v1/read", auth, json.dumps({"pin": "1234"}))["ok"]

        return timings(button, READS)


def _form_rows() -> list[tuple[str, list[float]]]:
    face = PersonFace(
        "藤沢\u3000花子", "神奈川県藤沢市辻堂神台一丁目3番39号", date(1985, 4, 12), "2", "1204号室"
    )
    person = FormPerson(face, "フジサワ\u3000ハナコ", "2510041")
    values = form_values(
        FormKind.CERTIFICATE,
        person,
        source=FormSource.REGISTER,
        card=FormCard("FJS-000123", date(2031, 4, 12)),
        filled_on=date(2026, 11, 26),
    )
    printed = datetime(2026, 11, 26, 10, 0)

    def trivial() -> None:
        pisa.CreatePDF("<p>MynaDesk</p>", dest=io.BytesIO())

    def form() -> None:
        render_form(values, "MDF-00000001", staff="S0001", printed=printed, source=FormSource.REGISTER)

    return [
        ("raw: xhtml2pdf one-line page (baseline)", timings(trivial, RENDERS)),
        ("form render: 電子証明書発行/更新申請書", timings(form, RENDERS)),
        ("form render, cold: first form in a new process (fonts load)", [_cold_render() for _ in range(3)]),
    ]


COLD = """
import time
from datetime import date, datetime
from core.domain.forms import FormKind, FormSource
from core.domain.identity import PersonFace
from reports.forms import FormPerson, form_values, render_form
face = PersonFace("藤沢\u3000花子", "神奈川県藤沢市朝日町1番地1", date(1985, 4, 12), "2")
source = FormSource.REGISTER
values = form_values(FormKind.RECEIPT, FormPerson(face), source=source, filled_on=date(2026, 11, 26))
started = time.perf_counter()
render_form(values, "MDF-00000001", staff="S0001", printed=datetime(2026, 11, 26), source=source)
print(time.perf_counter() - started)
"""


def _cold_render() -> float:
    """Seconds for the first form in a fresh interpreter (imports excluded, font parsing included)."""
    output = subprocess.run(
        [sys.executable, "-c", COLD], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(output.stdout.strip().splitlines()[-1])


def run(console: Console) -> None:
    """Measure and print."""
    reason = missing_reason()
    rows = _form_rows()
    if reason is None:
        rows = _card_rows() + rows
    else:
        console.print(f"card read skipped: {reason}")
    table = Table(title="card reader and forms (issue 6)")
    for column in ("measure", "runs", "p50 ms", "p95 ms", "target"):
        table.add_column(column)
    for name, samples in rows:
        p50, p95 = p50_p95(samples)
        target = (
            "" if name.startswith("raw") else ("OK" if p95 < TARGET_SECONDS else "MISSED") + " (< 300 ms)"
        )
        table.add_row(name, str(len(samples)), f"{p50 * 1000:.1f}", f"{p95 * 1000:.1f}", target)
    console.print(table)
