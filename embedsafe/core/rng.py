"""One seeded random stream per environment copy, drawn for many copies at once.

Each copy owns a 64-bit splitmix64 counter, so a batch of copies draws in a single
numpy call and copy ``i`` of a batch seeded with ``seed + i`` draws exactly what a
single environment seeded with ``seed + i`` draws.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def seed_state(seeds) -> np.ndarray:
    """Map user seeds (ints >= 0) to well-mixed generator states."""
    arr = np.asarray(seeds, dtype=np.int64)
    if np.any(arr < 0):
        raise ValueError(f"seed must be a non-negative integer, got {seeds!r}")
    return _mix(arr.astype(np.uint64) + _GOLDEN)


class BatchRNG:
    """``n`` independent generators, advanced together for the copies you index."""

    def __init__(self, n: int):
        self.state = seed_state(np.arange(n))

    def seed(self, idx, seeds) -> None:
        self.state[idx] = seed_state(seeds)

    def random(self, idx, k: int | None = None) -> np.ndarray:
        """Uniform floats in [0, 1): shape ``(len(idx),)`` or ``(len(idx), k)`` (``k = 0``:
        an empty ``(len(idx), 0)`` array, and the streams do not advance)."""
        s = self.state[idx]
        if k is None:
            s = s + _GOLDEN
            self.state[idx] = s
            z = _mix(s)
        else:
            if k < 0:
                raise ValueError(f"k={k!r} must be a non-negative number of draws per copy")
            steps = _GOLDEN * np.arange(1, k + 1, dtype=np.uint64)
            self.state[idx] = s + (steps[-1] if k else np.uint64(0))  # k = 0 draws nothing
            z = _mix(s[..., None] + steps)
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def integers(self, idx, high, k: int | None = None) -> np.ndarray:
        """Integers in [0, high) (``high`` may be an array broadcasting against the draw)."""
        return (self.random(idx, k) * high).astype(np.int64)
