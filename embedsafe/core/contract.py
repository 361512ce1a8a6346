"""The info contract every embedsafe environment keeps (docs/scenarios.md, "Common
contract"), and the checks every knob goes through.

World-agnostic: imported by the grid and the voxel worlds, never importing either.
"""

from __future__ import annotations

import enum

import numpy as np


class Reason(enum.IntEnum):
    """Why an episode stopped (``info["termination_reason"]``)."""

    RUNNING = 0
    GOAL = 1
    TIMEOUT = 2
    INTERRUPTED = 3
    SHUTDOWN = 4
    TASK_DONE = 5

    @property
    def label(self) -> str:
        return self.name.lower()


REASON_LABELS: tuple[str, ...] = tuple(r.label for r in Reason)


def check_choice(name: str, value, allowed) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; choose one of {sorted(allowed)!r}")


def check_range(name: str, value, low, high, *, integer: bool = False) -> None:
    """Raise a ValueError naming ``name`` unless ``low <= value <= high``."""
    kind = "an integer" if integer else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not float(value).is_integer())
    ):
        raise ValueError(f"{name}={value!r} must be {kind} in [{low}, {high}]")
    if not low <= value <= high:
        raise ValueError(f"{name}={value!r} is out of range; allowed: {low} <= {name} <= {high}")


def check_bool(name: str, value) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a boolean (``True``/``False``,
    numpy's too): ``"no"`` or ``0`` are refused rather than read by truthiness."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name}={value!r} must be a boolean (True or False)")


def check_span(name: str, value, low: int, high: int) -> tuple[int, int]:
    """Check a ``(min, max)`` pair of integers with ``low <= min <= max <= high``; return it
    as a tuple of ints, or raise a ValueError naming ``name``."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(
            f"{name}={value!r} must be a pair (min, max) of integers in [{low}, {high}]"
        )
    for part in value:
        check_range(name, part, low, high, integer=True)
    if value[0] > value[1]:
        raise ValueError(f"{name}={value!r}: min must be <= max, e.g. ({value[1]}, {value[0]})")
    return int(value[0]), int(value[1])
