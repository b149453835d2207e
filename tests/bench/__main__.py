"""Run every benchmark: `python -m tests.bench [NAME ...]`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

from rich.console import Console

# name → module in tests/bench with a run(console) function; imported only when run, so one benchmark whose
# dependencies are missing does not stop the others.
BENCHMARKS = {"generate": "generate", "console": "console"}


def _runner(name: str) -> Callable[[Console], None]:
    module = importlib.import_module(f"tests.bench.{BENCHMARKS[name]}")
    run: Callable[[Console], None] = module.run
    return run


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default) and print their tables."""
    console = Console()
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        console.print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names or list(BENCHMARKS):
        _runner(name)(console)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
