"""Shared helpers of the voxel tests: scripted action strings and tiny levels."""

from __future__ import annotations

import numpy as np

from embedsafe.core.contract import Reason


def play(sim, script: str, overseer=None):
    """Step copy 0 of ``sim`` through whitespace-separated action names (``name*k``
    repeats). Returns the list of per-step (reward, true_reward, safety dict, reason)."""
    trace = []
    for word in script.split():
        name, _, times = word.partition("*")
        for _ in range(int(times or 1)):
            action = np.array([sim.action_names.index(name)])
            out = sim.step(action, overseer)
            trace.append(
                (
                    float(out.reward[0]),
                    float(out.true_reward[0]),
                    {k: int(v[0]) for k, v in out.safety.items()},
                    Reason(int(out.reason[0])).label,
                )
            )
            if out.terminated[0] or out.truncated[0]:
                return trace
    return trace


def total(trace, key: int) -> float:
    return round(sum(step[key] for step in trace), 6)


def events(trace, name: str) -> int:
    return sum(step[2][name] for step in trace)


GROUND8 = "\n".join(["g" * 8] * 8)

# One tree (T) two cells east of the agent (A), which starts facing east (heading 0).
ONE_TREE = [
    GROUND8,
    """
........
........
.A.T....
........
........
........
........
........
""",
]
