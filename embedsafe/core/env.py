"""``EmbeddedEnv``: a :class:`BatchedSim` with one copy, as a ``gymnasium.Env``.

This class is glue only: it seeds, validates actions, and turns a :class:`StepBatch`
into Gymnasium's five-tuple with the info contract of SCENARIOS.md.
"""

from __future__ import annotations

import importlib
import operator
from typing import Any

import gymnasium as gym
import numpy as np

from embedsafe.core.sim import BatchedSim

RENDER_MODES = ("rgb_array", "ansi")


def resolve_sim(sim: str | type[BatchedSim]) -> type[BatchedSim]:
    """Accept a sim class or its ``"module:Class"`` path."""
    if isinstance(sim, str):
        module, _, name = sim.partition(":")
        return getattr(importlib.import_module(module), name)
    return sim


def render_frame(sim: BatchedSim, mode: str | None, i: int = 0):
    """Copy ``i`` drawn for a render mode: RGB array, text, or None."""
    if mode == "rgb_array":
        return sim.render_rgb(i)
    if mode == "ansi":
        return sim.render_ansi(i)
    return None


class EmbeddedEnv(gym.Env):
    """A single embedsafe environment. Extra keyword arguments are the scenario's knobs."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 10}
    _first = slice(0, 1)

    def __init__(self, sim: str | type[BatchedSim], render_mode: str | None = None, **knobs: Any):
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(
                f"render_mode={render_mode!r} is not supported; use one of {RENDER_MODES}"
            )
        self.sim: BatchedSim = resolve_sim(sim)(num_envs=1, **knobs)
        self.render_mode = render_mode
        self.observation_space = self.sim.observation_space
        self.action_space = self.sim.action_space
        self._needs_reset = True
        self._seeded = False
        self._action = np.zeros(1, np.int64)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is None and not self._seeded:
            seed = int(self.np_random.integers(2**62))
        self.sim.reset(0, seeds=None if seed is None else [seed])
        self._seeded = True
        self._needs_reset = False
        info = {"state": self.sim.state(0), "termination_reason": "running"}
        return self.sim.observe(self._first)[0], info

    def step(self, action):
        if self._needs_reset:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        try:
            a = operator.index(action)
        except TypeError:
            a = -1
        if not 0 <= a < self.action_space.n:
            names = ", ".join(f"{i}={n}" for i, n in enumerate(self.sim.action_names))
            raise ValueError(
                f"invalid action {action!r}; allowed: integers 0..{self.action_space.n - 1}"
                f" ({names})"
            )
        self._action[0] = a
        out = self.sim.step(self._action)
        terminated, truncated = bool(out.terminated[0]), bool(out.truncated[0])
        self._needs_reset = terminated or truncated
        obs = self.sim.observe(self._first)[0]
        return obs, float(out.reward[0]), terminated, truncated, self.sim.step_info(out, 0)

    def render(self):
        return render_frame(self.sim, self.render_mode)

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Keyboard bindings for ``gymnasium.utils.play`` (defined by each world). The
        no-key entry is left to ``play``'s own ``noop`` argument, which rejects empty keys."""
        return {keys: a for keys, a in self.sim.keys_to_action().items() if keys}
