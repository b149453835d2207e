"""The local card agent: a small HTTP service on 127.0.0.1 that the console page calls from the browser.

Safety: only allow-listed console origins get an answer (CORS + a server-side Origin check), the Host
header must be the loopback (against DNS rebinding), every card call carries a per-session token from
POST /v1/session, one read runs at a time, and neither the PIN nor the card data is kept after the response
(API: reader/API.md).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from reader.errors import ReaderError
from reader.protocol import CardReader, read_basic_four, read_tries_left

TOKEN_HEADER = "X-MynaDesk-Token"  # noqa: S105 - a header name, not a secret
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
MAX_SESSIONS = 64
STATUS_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<title>MynaDesk カード読取エージェント</title></head><body style="font-family: sans-serif">
<h1>MynaDesk カード読取エージェント / card agent</h1>
<p>起動しています / running.</p>
<h2>リーダー / readers</h2>
{% if readers %}<ul>{% for name in readers %}<li>{{ name }}</li>{% endfor %}</ul>{% endif %}
{% if problem %}<p style="color: #b00">{{ problem }}</p>{% endif %}
<h2>許可しているコンソール / allowed consoles</h2>
<ul>{% for origin in origins %}<li>{{ origin }}</li>{% endfor %}</ul>
</body></html>"""


@dataclass(frozen=True)
class AgentSettings:
    """Who may call the agent and where it listens."""

    allowed_origins: frozenset[str]
    port: int = 47863
    host: str = "127.0.0.1"
    session_seconds: int = 8 * 3600


def parse_origin(value: str) -> str:
    """A console origin as browsers send it (`https://host[:port]`); anything else is refused."""
    parsed = urlsplit(value.strip().rstrip("/"))
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query:
        raise ValueError(
            f"コンソールの URL は https://ホスト名[:ポート] の形で指定してください: {value!r} / "
            f"an origin is scheme://host[:port] with no path: {value!r}"
        )
    return f"{parsed.scheme}://{parsed.netloc.lower()}"


@dataclass
class Sessions:
    """Per-session tokens held in memory only; they die with the agent."""

    lifetime: int
    _expiry: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> str:
        """A new token; the oldest sessions go when there are too many."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            while len(self._expiry) >= MAX_SESSIONS:
                del self._expiry[min(self._expiry, key=self._expiry.__getitem__)]
            self._expiry[token] = now + self.lifetime
        return token

    def valid(self, token: str | None) -> bool:
        """True for a token this agent issued that has not expired."""
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and expiry > time.monotonic()


def _error(status: int, code: str, message_ja: str, message_en: str, **extra: Any) -> tuple[Response, int]:
    body = {"ok": False, "error": {"code": code, "message_ja": message_ja, "message_en": message_en, **extra}}
    return jsonify(body), status


def _reader_error(error: ReaderError) -> tuple[Response, int]:
    extra = {"tries_left": error.tries_left} if hasattr(error, "tries_left") else {}
    status = 400 if error.code == "invalid_pin" else 422
    return _error(status, error.code, error.message_ja, error.message_en, **extra)


def _host_is_loopback() -> bool:
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return host in LOOPBACK_HOSTS


def create_app(
    settings: AgentSettings,
    reader_factory: Callable[[], CardReader],
    reader_names: Callable[[], list[str]] | None = None,
) -> Flask:
    """The agent's Flask app; `reader_factory` gives the CardReader (PC/SC, or a software card in tests).

    `reader_names` lists the connected readers for the status page at `/` (for support staff)."""
    app = Flask(__name__, static_folder=None)
    sessions = Sessions(settings.session_seconds)
    card_lock = threading.Lock()

    def origin_allowed() -> bool:
        return request.headers.get("Origin", "") in settings.allowed_origins

    @app.before_request
    def guard() -> tuple[Response, int] | Response | None:
        if not _host_is_loopback():
            return _error(403, "bad_host", "接続先が不正です", "the Host header must be the loopback address")
        if not request.path.startswith("/v1/"):
            return None
        if not origin_allowed():
            return _error(403, "origin_refused", "許可されていない画面からの要求です", "origin not allowed")
        if request.method == "OPTIONS":
            return _preflight()
        if request.path != "/v1/session" and not sessions.valid(request.headers.get(TOKEN_HEADER)):
            return _error(
                401, "bad_token", "セッションが無効です。画面を開き直してください", "invalid session token"
            )
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = "Origin"
        if origin_allowed():
            response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        return response

    @app.post("/v1/session")
    def new_session() -> Response:
        return jsonify({"ok": True, "token": sessions.issue(), "expires_in": settings.session_seconds})

    @app.get("/v1/card")
    def card_status() -> tuple[Response, int] | Response:
        if not card_lock.acquire(blocking=False):
            return _error(409, "busy", "読取中です。しばらくお待ちください", "a read is in progress")
        try:
            tries = read_tries_left(reader_factory())
        except ReaderError as error:
            return _reader_error(error)
        finally:
            card_lock.release()
        return jsonify({"ok": True, "present": True, "tries_left": tries})

    @app.post("/v1/read")
    def read() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        pin = body.get("pin") if isinstance(body, dict) else None
        if not isinstance(pin, str):
            return _error(400, "invalid_pin", "暗証番号を入力してください", 'send the PIN as {"pin": "1234"}')
        if not card_lock.acquire(blocking=False):
            return _error(409, "busy", "読取中です。しばらくお待ちください", "a read is in progress")
        try:
            info = read_basic_four(reader_factory(), pin)
        except ReaderError as error:
            return _reader_error(error)
        finally:
            del pin, body
            card_lock.release()
        card = {**info.as_json(), "sex_label": info.sex_label, "has_gaiji": info.has_gaiji}
        return jsonify({"ok": True, "card": card})

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int] | HTTPException:
        if isinstance(error, HTTPException):  # 404, 405 …: the usual answers
            return error
        app.logger.error("card agent error: %s", type(error).__name__)  # no traceback, no values, no PIN
        return _error(
            500,
            "agent_error",
            "エージェントで想定外のエラーが起きました。カードを置き直してもう一度読み取ってください",
            f"unexpected agent error ({type(error).__name__}); replace the card and read again",
        )

    @app.get("/")
    def status_page() -> Response:
        try:
            readers = reader_names() if reader_names else []
            problem = "" if readers else "リーダーが接続されていません / no reader connected"
        except ReaderError as error:
            readers, problem = [], str(error)
        html = render_template_string(
            STATUS_PAGE, readers=readers, problem=problem, origins=sorted(settings.allowed_origins)
        )
        return Response(html, mimetype="text/html")

    @app.get("/cardread.js")
    def client_script() -> Response:
        script = files("reader").joinpath("static/cardread.js").read_text(encoding="utf-8")
        return Response(script, mimetype="text/javascript")

    return app


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
    response.headers["Access-Control-Max-Age"] = "600"
    if request.headers.get("Access-Control-Request-Private-Network") == "true":
        response.headers["Access-Control-Allow-Private-Network"] = "true"  # Chrome's Private Network Access
    return response


def serve(app: Flask, settings: AgentSettings) -> None:
    """Serve the agent with waitress on the loopback until interrupted."""
    from waitress import serve as waitress_serve

    waitress_serve(app, host=settings.host, port=settings.port, threads=2, ident="mynadesk-agent")
