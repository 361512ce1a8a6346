"""Procedurally generated layouts: one definition of the train and held-out seed ranges.

Every scenario that offers ``layout="procedural"`` draws its levels from a pool of
``num_layouts`` levels generated from consecutive *layout seeds* of one split (Procgen's
protocol): an agent trains on ``layout_split="train"`` and is measured on
``layout_split="heldout"``, whose levels it never saw. The two ranges are disjoint, so
no held-out level can be a training level, whatever ``num_layouts`` is.

World-agnostic: each world's generator takes a layout seed and returns its own level.
"""

from __future__ import annotations

import zlib

import numpy as np

from embedsafe.core.contract import check_choice, check_range

SPLITS: dict[str, int] = {"train": 0, "heldout": 1_000_000}  # first layout seed of each
SPLIT_SIZE = 1_000_000  # layout seeds per split: [first, first + SPLIT_SIZE)
DEFAULT_NUM_LAYOUTS = 64  # levels in a pool (each copy draws one at every reset)


def layout_seeds(split: str, num_layouts: int) -> list[int]:
    """The layout seeds of a pool: the first ``num_layouts`` seeds of ``split``."""
    check_choice("layout_split", split, tuple(SPLITS))
    check_range("num_layouts", num_layouts, 1, 4096, integer=True)
    first = SPLITS[split]
    return list(range(first, first + int(num_layouts)))


def layout_rng(layout_seed: int, scenario: str) -> np.random.Generator:
    """The generator of one level: the same seed gives the same level on every machine;
    different scenarios get independent streams from the same seed."""
    return np.random.default_rng([int(layout_seed), zlib.crc32(scenario.encode())])
