"""Run every benchmark: `python -m tests.bench [NAME ...]`."""

from __future__ import annotations

import importlib
import sys

from rich.console import Console

# name -> module with run(console); imported only when run, so one benchmark's imports never stop another
BENCHMARKS = {
    "generate": "tests.bench.generate",
    "booking": "tests.bench.booking",
    "booking_profile": "tests.bench.booking_profile",
    "reader": "tests.bench.reader",
    "register_load": "tests.bench.register_load",
    "ledger": "tests.bench.ledger",
    "analytics": "tests.bench.analytics",
    "console": "tests.bench.console",
    "console-browser": "tests.bench.console_browser",
    "backup": "tests.bench.backup",
    "request_recording": "tests.bench.request_recording",
    "probes": "tests.bench.probes",
    "audit": "tests.bench.audit_verify",
    "failover": "tests.bench.failover",
    "documents": "tests.bench.documents",
}


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default) and print their tables."""
    console = Console()
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        console.print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    failed = []
    for name in names or list(BENCHMARKS):
        try:
            module = importlib.import_module(BENCHMARKS[name])
        except ImportError as error:  # one missing piece must not hide the other figures
            console.print(f"[red]{name}: cannot run ({error})[/]")
            failed.append(name)
            continue
        if module.run(console) is False:  # a benchmark that judges its targets returns whether they were met
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
