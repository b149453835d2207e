"""gunicorn, embedded: each worker builds its own app (and database pool) after the fork."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from core.config import Settings
from reservation_site import create_app


class SiteServer(BaseApplication):  # type: ignore[misc]
    """Runs `reservation_site.create_app` under gunicorn with OPTIONS (bind, workers, certfile, …)."""

    def __init__(self, settings: Settings, options: dict[str, object]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(settings=self.settings)

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        """Unused: configuration comes from OPTIONS, not the command line."""
