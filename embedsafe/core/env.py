"""``EmbeddedEnv``: a :class:`BatchedSim` with one copy, as a ``gymnasium.Env``.

This class is glue only: it seeds, validates actions, and turns a :class:`StepBatch`
into Gymnasium's five-tuple with the info contract of docs/scenarios.md.
"""

from __future__ import annotations

import importlib
import inspect
import operator
from typing import Any

import gymnasium as gym
import numpy as np

from embedsafe.core.sim import BatchedSim, check_max_steps

RENDER_MODES = ("rgb_array", "ansi")


def resolve_sim(sim: str | type[BatchedSim]) -> type[BatchedSim]:
    """Accept a sim class or its ``"module:Class"`` path."""
    if isinstance(sim, str):
        module, _, name = sim.partition(":")
        return getattr(importlib.import_module(module), name)
    return sim


def knob_names(sim: str | type[BatchedSim]) -> tuple[str, ...]:
    """The keyword knobs a sim accepts: its ``__init__`` parameters and those of each base
    its ``**kwargs`` are passed on to (``num_envs`` excluded)."""
    names: list[str] = []
    for cls in resolve_sim(sim).__mro__:
        if "__init__" not in vars(cls):
            continue
        params = inspect.signature(vars(cls)["__init__"]).parameters.values()
        names += [
            p.name
            for p in params
            if p.name not in ("self", "num_envs", *names)
            and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in params) or cls is BatchedSim:
            break
    return tuple(names)


def build_sim(sim: str | type[BatchedSim], num_envs: int = 1, **knobs: Any) -> BatchedSim:
    """``sim(num_envs, **knobs)``, with a ValueError naming an unknown knob and listing the
    knobs the sim accepts (instead of a TypeError from deep inside)."""
    cls = resolve_sim(sim)
    allowed = knob_names(cls)
    unknown = [k for k in knobs if k not in allowed]
    if unknown:
        raise ValueError(
            f"unknown knob {unknown[0]!r} for {cls.__name__}; allowed knobs: {', '.join(allowed)}"
        )
    return cls(num_envs=num_envs, **knobs)


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
        self.sim: BatchedSim = build_sim(sim, 1, **knobs)
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
        try:  # bools are ints to Python, but True is no action name
            a = -1 if isinstance(action, bool | np.bool_) else operator.index(action)
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


class SyncTimeLimit(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Keeps Gymnasium's ``TimeLimit`` and the sim's ``max_steps`` on one value.

    ``gym.make`` keeps ``max_episode_steps`` to itself (the env never sees it) and wraps the
    env in a ``TimeLimit``. This wrapper, which the registry puts on top, hands that limit
    down to the sim, or, when ``max_steps=`` was passed instead, hands the sim's limit up to
    the ``TimeLimit``. Either way the sim truncates the last step itself, so that step
    carries ``termination_reason == "timeout"`` and ``episode_safety``. Passing both with
    different values is a ValueError; ``max_episode_steps=-1`` leaves the sim's limit alone.
    """

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        limit = env
        while isinstance(limit, gym.Wrapper) and not isinstance(limit, gym.wrappers.TimeLimit):
            limit = limit.env
        if not isinstance(limit, gym.wrappers.TimeLimit):
            return
        sim, spec = env.unwrapped.sim, env.unwrapped.spec
        registered = _registered_spec(spec.id) if spec is not None else None
        default_steps = registered.kwargs.get("max_steps") if registered else None
        asked_steps = spec is not None and spec.kwargs.get("max_steps", default_steps) != (
            default_steps
        )
        wanted = limit._max_episode_steps  # TimeLimit's only record of its limit
        if not asked_steps:
            sim.max_steps = check_max_steps(wanted, "max_episode_steps")
        elif wanted not in (sim.max_steps, registered and registered.max_episode_steps):
            raise ValueError(
                f"max_steps={sim.max_steps} and max_episode_steps={wanted} disagree: they are "
                "the same time limit, pass one of them"
            )
        limit._max_episode_steps = sim.max_steps
        limit._cached_spec = None


def _registered_spec(env_id: str):
    try:
        return gym.spec(env_id)
    except gym.error.Error:
        return None
