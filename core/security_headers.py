"""The security headers every MynaDesk web response carries (the reservation site and the console): each
app brings only its own Content-Security-Policy and says which paths are static files anyone may cache."""

from __future__ import annotations

HSTS = "max-age=63072000; includeSubDomains"


def security_headers(csp: str, *, cacheable: bool, secure: bool) -> dict[str, str]:
    """The headers of one response: CSP, no framing, no sniffing, no Referer (the site's secret links, the
    console's person pages), no device APIs, its own browsing context; pages no-store unless CACHEABLE (so
    personal data stays out of the browser's cache); HSTS when the request came over TLS (SECURE)."""
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not cacheable:
        headers["Cache-Control"] = "no-store"
    if secure:
        headers["Strict-Transport-Security"] = HSTS
    return headers
