"""The console's access log (gunicorn, `mynadesk console`) holds no 宛名番号 and no search terms."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from mynadesk.console_log import RedactingLogger, redact


def test_a_person_page_and_a_search_leave_no_personal_data_in_the_access_log() -> None:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/ledger/person/000123456789?tab=history",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/ledger/person/000123456789",
        "QUERY_STRING": "q=中野涼 1987-02-15",
        "HTTP_REFERER": "http://console/ledger?q=ナカノ",
        "REMOTE_ADDR": "10.0.0.8",
    }
    response = SimpleNamespace(status="200 OK", sent=100, headers=[])
    request = SimpleNamespace(headers=[("Referer", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = " ".join(str(v) for v in atoms.values())
    for secret in ("000123456789", "中野", "1987", "ナカノ", "history"):
        assert secret not in line
    assert atoms["r"] == "GET /ledger/person/…?… HTTP/1.1"
    assert atoms["U"] == "/ledger/person/…"
    assert atoms["h"] == "10.0.0.8"  # who asked stays in the log


def test_other_addresses_pass_unchanged() -> None:
    assert redact("/overview") == "/overview"
    assert redact("POST /_dash-update-component HTTP/1.1") == "POST /_dash-update-component HTTP/1.1"
