"""Logging in and out, password changes, the idle timeout, and the one guard every request passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import flask_bootstrap
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as PlainResponse

import reader
from console import context
from console.access import AccessRegistry
from core.services import console_sessions
from core.services import staff as staff_service
from core.services.audit import record
from core.services.staff import DEFAULT_LOGIN_POLICY, LoginRefused, StaffError

CARDREAD_JS = Path(reader.__file__).parent / "static" / "cardread.js"
BOOTSTRAP_CSS = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css" / "bootstrap.min.css"
PUBLIC_PREFIXES = (
    "/login",
    "/vendor/",
    "/assets/",
    "/_dash-component-suites/",
    "/favicon.ico",
    "/healthz",
    "/readyz",
)
# The same for everyone and cached by the browser (Dash fingerprints its bundles and gives them a year)
STATIC_PREFIXES = ("/vendor/", "/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
DASH_API_PREFIXES = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies", "/_reload-hash")
ALWAYS_ALLOWED = ("/logout", "/account/password")
FORM_EXPIRED = "フォームの有効期限が切れました。もう一度送信してください / the form expired, send it again"
# Flask-WTF, set to what the console's forms need: the token lives as long as the login session (a form may
# stay open longer than an hour), and no Referer check over TLS (every response says Referrer-Policy:
# no-referrer, so the browser sends none)
CSRF_CONFIG = {"WTF_CSRF_TIME_LIMIT": None, "WTF_CSRF_SSL_STRICT": False, "WTF_CSRF_CHECK_DEFAULT": False}

bp = Blueprint("console_auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme and target.startswith("/") else "/"


def _login_page(staff_code: str = "", next_url: str = "/", status: int = 200) -> tuple[str, int]:
    options = context.context().options
    page = render_template(
        "login.html",
        title="ログイン",
        staff_code=staff_code,
        next=next_url,
        max_failures=DEFAULT_LOGIN_POLICY.max_failures,
        lockout_minutes=DEFAULT_LOGIN_POLICY.lockout_minutes,
        idle_minutes=options.idle_minutes,
    )
    return page, status


@bp.route("/vendor/bootstrap.min.css")
def bootstrap_css() -> Response:
    """Bootstrap 5, served from the installed package (no CDN)."""
    return send_file(BOOTSTRAP_CSS, mimetype="text/css", max_age=86400)


@bp.route("/vendor/cardread.js")
def cardread_js() -> Response:
    """The card agent's browser client (reader/static/cardread.js), served by the console itself."""
    return send_file(CARDREAD_JS, mimetype="text/javascript", max_age=3600)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form: staff ID and password."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_page(next_url=next_url)
    staff_code = request.form.get("staff_code", "").strip()
    refused: LoginRefused | None = None
    with context.unit_of_work() as s:  # a refusal is committed too: it counts towards the lockout
        try:
            staff = staff_service.authenticate(
                s, staff_code, request.form.get("password", ""), context.actor(), context.now()
            )
            token = console_sessions.open_session(s, staff.id, context.now())
        except LoginRefused as error:
            refused = error
    if refused is not None:
        flash(f"{refused.message_ja}({refused.message_en})", "danger")
        return _login_page(staff_code, next_url, 401)
    session.clear()
    login_user(context.LoginUser(staff, token))
    session["last_seen"] = context.now().timestamp()
    if staff.must_change_password:
        return redirect(url_for("console_auth.password"))
    return redirect(next_url)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """GET asks (a link cannot log anyone out); POST ends this session on the server and goes to the login
    form."""
    if request.method == "GET":
        if context.user() is None:
            return redirect(url_for("console_auth.login"))
        return render_template("logout.html", title="ログアウト")
    staff = context.user()
    if staff is not None:
        with context.unit_of_work() as s:
            console_sessions.end_session(s, current_user.token, context.now())
            record(s, context.actor(), "logout", "staff_user", staff.staff_code)
    logout_user()
    session.clear()
    flash("ログアウトしました / logged out", "info")
    return redirect(url_for("console_auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Any:
    """The user changes their own password (forced at first login)."""
    staff = context.user()
    if staff is None:
        return redirect(url_for("console_auth.login"))
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("new") != request.form.get("confirm"):
                raise StaffError("確認用のパスワードが一致しません", "the two new passwords differ")
            with context.unit_of_work() as s:
                staff_service.change_password(
                    s,
                    staff.id,
                    request.form.get("current", ""),
                    request.form.get("new", ""),
                    context.actor(),
                    context.now(),
                    keep_token=current_user.token,
                )
            flash("パスワードを変更しました / password changed", "success")
            return redirect("/")
        except StaffError as error:
            flash(f"{error.message_ja}({error.message_en})", "danger")
            status = 400
    page = render_template(
        "password.html",
        title="パスワード変更",
        must_change=staff.must_change_password,
        min_length=DEFAULT_LOGIN_POLICY.min_password_length,
    )
    return page, status


def _refuse(status: int, message_ja: str, message_en: str) -> Response:
    if request.path.startswith(DASH_API_PREFIXES):
        response = jsonify({"error": message_ja, "error_en": message_en})
        response.status_code = status
        return response
    if status == 401:
        return redirect(url_for("console_auth.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    abort(status, f"{message_ja} / {message_en}")
    raise AssertionError("abort() raises")


def _is_timer_callback(body: dict[str, Any]) -> bool:
    inputs = body.get("inputs") or []
    return bool(inputs) and all(
        str(i.get("property")) == "n_intervals" for i in inputs if isinstance(i, dict)
    )


def _expired_idle() -> bool:
    idle = context.context().options.idle_minutes * 60
    last_seen = float(session.get("last_seen", 0))
    return context.now().timestamp() - last_seen > idle


def _check_callback(registry: AccessRegistry) -> Response | None:
    body = request.get_json(silent=True) or {}
    output = str(body.get("output", ""))
    allowed = registry.roles_for_callback(output)
    acting = sorted(allowed & context.roles())
    if not acting:
        with context.unit_of_work() as s:
            record(
                s,
                context.actor(),
                "access_denied",
                "callback",
                output[:100],
                summary="権限のない操作を拒否 / callback refused",
            )
        return _refuse(403, "この操作を行う権限がありません", "your role may not use this function")
    g.acting_role = acting[0].value
    if not _is_timer_callback(body):
        session["last_seen"] = context.now().timestamp()
    return None


def guard(registry: AccessRegistry) -> Response | None:
    """Runs before every request: login, idle timeout, forced password change, callback roles."""
    path = request.path
    if path.startswith(PUBLIC_PREFIXES):
        return None
    if context.user() is None:
        return _refuse(401, "ログインしてください", "please log in")
    if _expired_idle():
        with context.unit_of_work() as s:
            console_sessions.end_session(s, current_user.token, context.now(), "idle")
        logout_user()
        session.clear()
        flash("一定時間操作がなかったためログアウトしました / logged out after inactivity", "warning")
        return _refuse(
            401, "一定時間操作がなかったためログアウトしました", "session expired after inactivity"
        )
    staff = context.user()
    if staff is not None and staff.must_change_password and not path.startswith(ALWAYS_ALLOWED):
        if path.startswith(DASH_API_PREFIXES):
            return _refuse(403, "パスワードを変更してください", "change your password first")
        return redirect(url_for("console_auth.password"))  # type: ignore[return-value]
    if path.startswith("/_dash-update-component"):
        return _check_callback(registry)
    if not path.startswith(DASH_API_PREFIXES):
        session["last_seen"] = context.now().timestamp()
    return None


class _StaticSessions(SecureCookieSessionInterface):
    """The session cookie: marked Secure over TLS, and without `Vary: Cookie` on the static files (scripts,
    stylesheets, fonts).

    flask-login looks into the session after every request, so Flask marks each response as varying with the
    cookie; and the cookie changes with every click (the idle timeout's last_seen). The browser then threw its
    cached copy of every Dash bundle away on each page (several MB, re-sent through the same workers as the
    callbacks). These files are the same for everyone, public (the guard lets them through) and never set
    the cookie, so the browser may keep them."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if request.path.startswith(STATIC_PREFIXES) and not session.modified:
            response.vary.discard("Cookie")

    def get_cookie_secure(self, app: Flask) -> bool:
        """`Secure` whenever the request came over TLS (directly or via a trusted proxy)."""
        return bool(request.is_secure) or super().get_cookie_secure(app)


def install(server: Flask, registry: AccessRegistry) -> None:
    """Wire flask-login, the auth routes and the guard into SERVER."""
    server.session_interface = _StaticSessions()
    manager = LoginManager()
    manager.init_app(server)

    def load(cookie_id: str) -> context.LoginUser | None:
        user_id, _, token = cookie_id.partition(":")
        if not user_id.isdigit() or not token:
            return None  # a cookie from before server-side sessions, or a forged one
        with context.unit_of_work() as s:
            staff = staff_service.load_user(s, int(user_id), token)
        return context.LoginUser(staff, token) if staff else None

    manager.user_loader(load)

    server.register_blueprint(bp)
    server.before_request(lambda: guard(registry))
    _install_csrf(server)


def _install_csrf(server: Flask) -> None:
    """Flask-WTF's CSRF token on every form post (login, logout, password), checked after the guard.

    Dash's callbacks are left to the guard: they carry only a JSON body, which a page on another site cannot
    send without a CORS preflight this server never grants, and the session cookie is SameSite=Lax."""
    server.config.update(CSRF_CONFIG)
    csrf = CSRFProtect(server)

    def protect_forms() -> None:
        if not request.path.startswith(DASH_API_PREFIXES):
            csrf.protect()

    server.before_request(protect_forms)

    @server.errorhandler(CSRFError)
    def expired(_: CSRFError) -> PlainResponse:
        return BadRequest(FORM_EXPIRED).get_response()
