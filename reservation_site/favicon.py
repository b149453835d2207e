"""The site's icon at the addresses browsers ask for, cached for a day (nothing leaves the closed network)."""

from __future__ import annotations

from flask import Flask, Response, current_app, send_from_directory

ICON_MAX_AGE = 86400  # a day: a changed icon reaches everyone by tomorrow
ICONS = {"favicon.svg": "image/svg+xml", "favicon.ico": "image/vnd.microsoft.icon"}


def _icon(name: str) -> Response:
    response = send_from_directory(
        str(current_app.static_folder), name, mimetype=ICONS[name], max_age=ICON_MAX_AGE, conditional=True
    )
    response.cache_control.public = True
    return response


def install(app: Flask) -> None:
    """Serve /favicon.svg and /favicon.ico (the path browsers try whatever the page links)."""
    for name in ICONS:
        app.add_url_rule(f"/{name}", f"icon_{name.replace('.', '_')}", _icon, defaults={"name": name})
