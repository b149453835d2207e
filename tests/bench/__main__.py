"""Run every benchmark: `python -m tests.bench [NAME ...]`."""

from __future__ import annotations

import importlib
import sys

from rich.console import Console

# Imported only when run, so one benchmark's missing dependency does not stop the others.
BENCHMARKS = {
    "generate": "tests.bench.generate",
    "booking": "tests.bench.booking",
    "console": "tests.bench.console",
}


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default) and print their tables."""
    console = Console()
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        console.print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names or list(BENCHMARKS):
        importlib.import_module(BENCHMARKS[name]).run(console)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
