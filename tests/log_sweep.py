"""Issue 13, finding 16: logs never hold personal data. For the whole test session, every log record of the
suite's own process (INFO and up, any logger) is written to one folder, and the servers the tests start write
their output there too (`output()`); every resident name, kana name, phone number and e-mail address the tests
put into the database is noted as it is flushed. When the session ends the folder is searched for them, and
the run fails if one is found (tests/conftest.py: pytest_sessionfinish)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db.models.booking import Reservation, ReservationMember
from core.db.models.register import Resident, ResidentVersion

PERSONAL = {
    Resident: ("name", "name_kana"),
    ResidentVersion: ("name", "name_kana"),
    Reservation: ("name", "name_kana", "phone", "email"),
    ReservationMember: ("name", "name_kana"),
}
SPACES = re.compile(r"[\s\u3000]+")
WORDS = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef ]+")  # runs of Japanese text
DIGITS = re.compile(r"\d[\d-]{8,}\d")
ADDRESSES = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
QUIET_LOGGERS = ("mail.log",)  # aiosmtpd's, the tests' own SMTP server, which logs the mail it receives


current: Sweep | None = None  # the session's sweep (tests/conftest.py starts it)


def output(name: str) -> IO[str]:
    """Where a server a test starts writes its output: a file the sweep searches (/dev/null without one)."""
    return current.output(name) if current is not None else open(os.devnull, "w", encoding="utf-8")


@dataclass
class Sweep:
    """The folder the session's logs go to and the personal values noted so far."""

    folder: Path
    names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    handler: logging.Handler | None = None
    logger: logging.Logger = field(default_factory=logging.getLogger)

    def start(self, logger: logging.Logger | None = None) -> None:
        """Write every log record of LOGGER (the root: every record of this process) to the folder; note
        personal values as they are flushed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.folder / "pytest-process.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handler.addFilter(lambda record: not record.name.startswith(QUIET_LOGGERS))
        handler.setLevel(logging.INFO)
        self.logger = logger or logging.getLogger()
        if self.logger.getEffectiveLevel() > logging.INFO:
            self.logger.setLevel(logging.INFO)
        self.logger.addHandler(handler)
        self.handler = handler
        event.listen(Session, "before_flush", self._note_flush)

    def stop(self) -> None:
        """Stop listening (the files stay)."""
        event.remove(Session, "before_flush", self._note_flush)
        if self.handler is not None:
            self.logger.removeHandler(self.handler)
            self.handler.close()

    def output(self, name: str) -> IO[str]:
        """A file in the folder for the output of a server a test starts."""
        return (self.folder / f"{name}.log").open("a", encoding="utf-8")

    def _note_flush(self, session: Session, *_: Any) -> None:
        for instance in [*session.new, *session.dirty]:
            for column in PERSONAL.get(type(instance), ()):
                self.note(getattr(instance, column, None))

    def note(self, value: object) -> None:
        """Remember VALUE if it is a name, a phone number or an address worth searching for."""
        if not isinstance(value, str):
            return
        if "@" in value:
            self.addresses.add(value.strip().lower())
            return
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 10 and digits.count("0") <= 6 and not SPACES.sub("", re.sub(r"[\d-]", "", value)):
            self.numbers.add(digits)  # a phone number: found hyphenated or not
            return
        compact = SPACES.sub("", value)
        if len(compact) >= 3 and not compact.isascii():  # family and given name; too short ones match words
            self.names.add(compact)

    def leaks(self) -> list[str]:
        """Each noted value found in a file of the folder, as 'file: value'."""
        found: list[str] = []
        for path in sorted(self.folder.glob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.name}: {value}" for value in sorted(self._found_in(text))]
        return found

    def _found_in(self, text: str) -> Iterable[str]:
        numbers = {re.sub(r"\D", "", run) for run in DIGITS.findall(text)}
        yield from numbers & self.numbers
        yield from {a.lower() for a in ADDRESSES.findall(text)} & self.addresses
        if self.names:
            shortest = min(map(len, self.names))
            longest = max(map(len, self.names))
            for run in {SPACES.sub("", run) for run in WORDS.findall(text)}:
                for size in range(shortest, min(longest, len(run)) + 1):
                    yield from {run[i : i + size] for i in range(len(run) - size + 1)} & self.names
