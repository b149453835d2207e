"""Operations console (Plotly Dash + flask-login) for city staff: `create_app()` builds it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> Flask:
    """Build the console (see console.app.create_app); importing this package starts nothing."""
    from console.app import create_app as build

    return build(*args, **kwargs)
