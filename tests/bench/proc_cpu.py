"""CPU seconds of process trees and of the whole machine, from /proc (Linux), for per-booking CPU figures that
stay meaningful when other work shares the machine."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 'state' on (the name may hold spaces)


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def tree_cpu(pid: int) -> float:
    """User+system seconds of PID and all its descendants, living or already reaped by their parents."""
    kids, total, todo = _children(), 0.0, [pid]
    while todo:
        current = todo.pop()
        fields = _stat(current)
        if fields is None:
            continue
        total += sum(int(value) for value in fields[11:15]) / TICK  # utime stime cutime cstime
        todo += kids.get(current, [])
    return total


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores; idle and iowait left out)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK


def self_cpu() -> float:
    """User+system seconds of this process (all its threads)."""
    times = os.times()
    return times.user + times.system
