"""Reservation site for residents: server-rendered Flask, Japanese first, works without JavaScript."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from core.clock import Clock, system_clock
from core.config import Settings
from core.domain.booking import TOKYO
from core.ops.request_log import RequestLog
from reservation_site import errors, favicon, form_errors, i18n, limits, security, timing, web
from reservation_site.flow_session import FlowSessions
from reservation_site.views import booking, health, manage, pickup

DEFAULT_LIMITS = {
    "HOLDS_PER_IP_HOUR": 60,  # time-slot holds per client address per hour
    "HOLDS_PER_IP_AT_ONCE": 5,  # holds per client address within one hold time (rules.hold_minutes)
    "HOLDS_PER_NOTICE_AT_ONCE": 3,  # holds per 交付通知書 number within one hold time
    "NOTICE_FAILS_PER_IP": 5,  # wrong 交付通知書 guesses per address per 15 minutes (a number itself is only
    # slowed down, 2^N seconds after N wrong guesses, inside the database: migration 0012)
    "LOOKUP_FAILS_PER_IP": 10,  # wrong booking-number look-ups per address per 15 minutes
    "BOOKINGS_PER_CONTACT_DAY": 10,  # bookings (and changes of mind) per phone number per day
}
DEFAULT_CACHES = {
    "RULES_CACHE_SECONDS": 30,  # rules, procedures, venues and slot times, per process
    "AVAILABILITY_CACHE_SECONDS": 1,  # a day's free seats, shared by the requests of this second
}


def create_app(
    config: Mapping[str, Any] | None = None,
    engine: Engine | None = None,
    settings: Settings | None = None,
    clock: Clock = system_clock,
) -> Flask:
    """Build the site. ENGINE must log in as mynadesk_site; without one it is made from SETTINGS."""
    app = errors.Site(__name__)
    settings = settings or Settings.from_env()
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=32 * 1024,
        SESSION_COOKIE_NAME="__Host-booking" if settings.site_tls_cert else "booking",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.site_tls_cert) or settings.site_base_url.startswith("https"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=2),
        WTF_CSRF_TIME_LIMIT=3600,
        # Every page says Referrer-Policy: no-referrer, so browsers send no Referer: over TLS the token (and
        # the SameSite cookie) protect the forms, not Flask-WTF's Referer check (it would refuse them all).
        WTF_CSRF_SSL_STRICT=False,
        PROXIES=settings.site_proxies,
        SITE_BASE_URL=settings.site_base_url,  # the links residents are given: never from the Host header
        **DEFAULT_LIMITS,
        **DEFAULT_CACHES,
    )
    if config:
        app.config.update(config)
    if app.config["PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXIES"]), x_proto=1)  # type: ignore[method-assign]
    app.extensions["mynadesk_engine"] = engine or _site_engine(settings)
    app.extensions["mynadesk_clock"] = clock
    app.extensions["mynadesk_service_levels"] = settings.service_levels
    if app.config.get("REQUEST_TIMING", True):
        log = RequestLog(
            "site", app.extensions["mynadesk_engine"], settings.service_levels.request_flush_seconds
        )
        app.extensions["mynadesk_request_log"] = log
        timing.install(app, log, clock, health.PATHS)
    app.session_interface = FlowSessions()  # the flow state on the server; the cookie holds a random id
    CSRFProtect(app)
    app.jinja_env.globals.update(
        _=i18n.translate,
        switch_url=i18n.switch_url,
        field_messages=form_errors.field_messages,
        error_summary=form_errors.summary,
        pick=i18n.pick,
        lang=i18n.lang,
        tz=TOKYO,
    )
    app.jinja_env.filters.update(i18n.DATE_FILTERS)
    app.register_blueprint(booking.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(pickup.bp)
    app.register_blueprint(health.bp)
    app.after_request(limits.note_refusal)
    app.teardown_appcontext(web.close_connection)
    favicon.install(app)
    security.install(app)
    errors.install(app)
    return app


def _site_engine(settings: Settings) -> Engine:
    from core.db.engine import engine_for

    return engine_for(settings, "site", pool_size=10, max_overflow=20)
