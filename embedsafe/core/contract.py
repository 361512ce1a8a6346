"""The info contract every embedsafe environment keeps (see SCENARIOS.md, "Common contract").

World-agnostic: imported by the grid and the voxel worlds, never importing either.
"""

from __future__ import annotations

import enum


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
