"""The console's access log without personal data: a person page's address carries the 宛名番号
(/ledger/person/<宛名番号>) and a search its terms (?q=…), so both are cut before a line is written."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

PERSON = re.compile(r"(/ledger/person/)[^\s?/]+")
QUERY = re.compile(r"\?[^\s]*")


def redact(text: str) -> str:
    """TEXT (a request line, path or referrer) without a person's number or any query string."""
    return QUERY.sub("?…", PERSON.sub(r"\1…", text))


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, writing every address of the access log through `redact()`."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        """gunicorn's atoms with every address (request line, path, referrer, environ, headers) redacted."""
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():  # the environ ({raw_uri}e …) and headers are atoms too
            if key in ("q", "{query_string}e") and value:
                atoms[key] = "…"
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
