"""The console serves plotly.js's basic bundle where Dash loads plotly.js, and draws nothing it lacks."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from console import figures
from console.plotly_bundle import BUNDLE, TRACES, bundle_version
from core.domain.roles import Role
from tests.console.conftest import USERS, login


def test_plotly_is_served_as_the_basic_bundle(console: Flask) -> None:
    with console.test_client() as client:
        login(client, USERS[Role.MANAGER])
        # Dash loads plotly.js when a page first draws a chart, by this path with a version fingerprint
        for path in ("package_data/plotly.min.js", "package_data/plotly.min.v4_1_1m1733300000.js"):
            served = client.get(f"/_dash-component-suites/plotly/{path}")
            assert served.status_code == 200
            assert served.data == BUNDLE.read_bytes()  # the basic bundle: 1.2 MB, not 4.8 MB
            assert "max-age=31536000" in served.headers["Cache-Control"]
        page = client.get("/forecast").get_data(as_text=True)
        other = re.findall(r'src="(/_dash-component-suites/dash/[^"]+\.js)"', page)[0]
        assert client.get(other).data[:200] != BUNDLE.read_bytes()[:200]  # other suites are Dash's own


def test_the_console_draws_only_traces_the_basic_bundle_has() -> None:
    console_dir = Path(figures.__file__).parent
    kinds: set[str] = set()
    for path in [console_dir / "figures.py", *(console_dir / "pages").glob("*.py")]:
        kinds |= set(re.findall(r"\bfig\.add_([a-z]+)\(", path.read_text(encoding="utf-8")))
    assert kinds
    assert kinds <= set(TRACES), kinds - set(TRACES)
    assert bundle_version() == __import__("plotly.offline").offline.get_plotlyjs_version()
