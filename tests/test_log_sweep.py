"""The log sweep (tests/log_sweep.py) finds a noted name, phone number or address however a log writes it,
and nothing else: else a green suite would prove nothing about finding 16."""

from __future__ import annotations

import logging
from pathlib import Path

from tests.log_sweep import Sweep


def _own_logger(name: str) -> logging.Logger:
    """A logger whose records reach only this test's sweep, not the session's (which would find the planted
    values and fail the run)."""
    logger = logging.getLogger(f"tests.log_sweep_fixture.{name}")
    logger.propagate = False
    return logger


def test_the_sweep_finds_noted_personal_data_in_any_spelling(tmp_path: Path) -> None:
    log = _own_logger("finds")
    sweep = Sweep(tmp_path / "logs")
    sweep.start(log)
    try:
        for value in ("藤沢 太郎", "フジサワ　タロウ", "0466-25-1111", "Taro@Example.JP", "窓口"):
            sweep.note(value)
        log.warning("booking failed for 藤沢　太郎 (phone 0466251111)")
        log.info("mail to taro@example.jp queued; kana フジサワタロウ")
        log.info("窓口 opened; 0000000001 read; 0466-25-111 is too short")
        with sweep.output("server") as out:
            out.write("GET /search?q=0466-25-1111 200\n")
    finally:
        sweep.stop()
    assert sweep.leaks() == [
        "pytest-process.log: 0466251111",
        "pytest-process.log: taro@example.jp",
        "pytest-process.log: フジサワタロウ",
        "pytest-process.log: 藤沢太郎",
        "server.log: 0466251111",
    ]


def test_a_clean_log_has_no_leaks(tmp_path: Path) -> None:
    log = _own_logger("clean")
    sweep = Sweep(tmp_path / "logs")
    sweep.start(log)
    try:
        sweep.note("鵠沼 読子")
        log.warning("reservation 42 booked; resident R-17 viewed")
    finally:
        sweep.stop()
    assert sweep.leaks() == []
