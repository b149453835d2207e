"""The per-test savepoint isolates tests: what one test writes, the next does not see."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.booking import Venue

MARKER = "ISOLATION-CHECK"


def _count(session: Session) -> int:
    return session.execute(select(func.count()).where(Venue.code == MARKER)).scalar_one()


def test_first_writer_commits_inside_its_savepoint(session: Session) -> None:
    session.add(Venue(code=MARKER, name_ja="藤沢市役所本庁舎", name_en="Fujisawa City Hall"))
    session.commit()
    assert _count(session) == 1


def test_second_test_does_not_see_the_first_ones_rows(session: Session) -> None:
    assert _count(session) == 0
