"""axe-core in the console's browser tests: wait until Dash has drawn the page, run the WCAG 2.1 A/AA rules
(and axe's best practices), and describe what failed (rule, element, why) so a failure says what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# One vendored copy of axe-core serves both browser suites (see tests/reservation_site/vendor/README.md).
AXE = Path(__file__).resolve().parents[1] / "reservation_site" / "vendor" / "axe.min.js"
# WCAG 2.1 A/AA, plus axe's best practices (one h1, headings in order) as the reservation site's tests do
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Dash has drawn the page: the renderer's first "Loading..." is gone, no callback is in flight (dash marks
# the components it is updating), no dcc.Loading spinner shows, and every Plotly graph has its SVG.
SETTLED_JS = """() => {
    if (document.querySelector('._dash-loading, [data-dash-is-loading="true"], .dash-spinner')) return false;
    const graphs = [...document.querySelectorAll('.dash-graph')];
    return graphs.every(g => g.querySelector('.main-svg'));
}"""


def settle(page: Any) -> None:
    """Wait until the page's requests are done and Dash has rendered every callback's result."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(SETTLED_JS)
    page.wait_for_load_state("networkidle")  # a rendered result may fire the next callback in a chain
    page.wait_for_function(SETTLED_JS)


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the console's Content-Security-Policy admits no inline
        # <script>, and the browser keeps enforcing it (tests/console/test_security_headers.py)
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULE_TAGS
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> str:
    """One line per failing element: rule id, CSS target, axe's summary of what is wrong."""
    lines = []
    for violation in found:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {' '.join(map(str, node['target']))} — {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)
