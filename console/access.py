"""Who may open which page and fire which callback: one registry, checked by the server on every request.

Every page and every Dash callback is registered here with the roles that may use it. The server refuses any
callback it does not know (deny by default), so no callback leaks data to a role that cannot open its page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dash import Dash
from dash.development.base_component import Component

from core.domain.roles import Role

ALL_ROLES: frozenset[Role] = frozenset(Role)

Layout = Callable[..., Component | list[Component]]


@dataclass(frozen=True)
class Page:
    """A console page: its path (a prefix for pages with a parameter), title and who may open it."""

    path: str
    title: str
    roles: frozenset[Role]
    layout: Layout
    in_menu: bool = True
    prefix: bool = False  # /ledger/person/<atena_no>

    def matches(self, pathname: str) -> bool:
        """True when PATHNAME is this page."""
        if self.prefix:
            return pathname.startswith(self.path.rstrip("/") + "/")
        return pathname.rstrip("/") == self.path.rstrip("/") or (self.path == "/" and pathname == "/")

    def parameter(self, pathname: str) -> str | None:
        """The path parameter of a prefix page (e.g. the 宛名番号)."""
        if not self.prefix:
            return None
        return pathname[len(self.path.rstrip("/")) + 1 :].strip("/") or None


@dataclass
class AccessRegistry:
    """Pages and callbacks with the roles allowed to use them."""

    pages: list[Page] = field(default_factory=list)
    callbacks: dict[str, frozenset[Role]] = field(default_factory=dict)

    def page(self, page: Page) -> None:
        """Register a page."""
        self.pages.append(page)

    def find_page(self, pathname: str) -> Page | None:
        """The page serving PATHNAME (exact paths before prefixes)."""
        exact = [p for p in self.pages if not p.prefix and p.matches(pathname)]
        if exact:
            return exact[0]
        return next((p for p in self.pages if p.prefix and p.matches(pathname)), None)

    def callback(self, app: Dash, roles: Iterable[Role], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """`app.callback(*args, **kwargs)` that also records which roles may fire it."""
        allowed = frozenset(roles)
        if not allowed:
            raise ValueError("a callback needs at least one role")

        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            before = set(app.callback_map)
            wrapped: Callable[..., Any] = app.callback(*args, **kwargs)(function)
            for key in set(app.callback_map) - before:
                self.callbacks[key] = allowed
            return wrapped

        return decorate

    def clientside(self, app: Dash, roles: Iterable[Role], source: str, *args: Any, **kwargs: Any) -> None:
        """`app.clientside_callback(...)`, recorded too (it runs in the browser, never on the server)."""
        before = set(app.callback_map)
        app.clientside_callback(source, *args, **kwargs)  # type: ignore[no-untyped-call]
        for key in set(app.callback_map) - before:
            self.callbacks[key] = frozenset(roles)

    def roles_for_callback(self, output_key: str) -> frozenset[Role]:
        """Roles allowed to fire the callback with OUTPUT_KEY (none when unknown: deny by default)."""
        return self.callbacks.get(output_key, frozenset())

    def pages_for(self, roles: frozenset[Role]) -> list[Page]:
        """Pages someone with ROLES may open, in registration order."""
        return [page for page in self.pages if page.roles & roles]
