"""住民票コード: 11 digits, unique, the last a modulus-11 check digit (weights 2-7 from the right)."""

from __future__ import annotations

import numpy as np

from demo.synth.sampling import Ints

_WEIGHTS = np.array([2 + (i % 6) for i in range(10)][::-1], dtype=np.int64)  # for digits left to right


def check_digit(body: Ints) -> Ints:
    """Check digit of 10-digit bodies: 11 - (weighted sum mod 11), 0 when the remainder is 0 or 1."""
    digits = (body[:, None] // (10 ** np.arange(9, -1, -1, dtype=np.int64))) % 10
    remainder = (digits * _WEIGHTS).sum(axis=1) % 11
    return np.where(remainder <= 1, 0, 11 - remainder)


def juminhyo_codes(rng: np.random.Generator, n: int) -> list[str]:
    """`n` distinct codes in random order (leading zeros kept: they are text, not numbers)."""
    bodies = np.zeros(0, dtype=np.int64)
    while len(bodies) < n:
        draw = np.concatenate([bodies, rng.integers(0, 10**10, size=n - len(bodies) + 16, dtype=np.int64)])
        _, first = np.unique(draw, return_index=True)
        bodies = draw[np.sort(first)]
    bodies = bodies[:n]
    codes = bodies * 10 + check_digit(bodies)
    return [f"{c:011d}" for c in codes.tolist()]
