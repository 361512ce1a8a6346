"""``SimVecEnv``: a :class:`BatchedSim` with many copies, as a stable-baselines3 ``VecEnv``.

All copies step in one numpy call. Auto-reset follows SB3's convention: a finished copy
is reset at once, its last observation goes to ``info["terminal_observation"]``, and the
episode summary to ``info["episode"]`` (what ``Monitor`` would write) and
``info["episode_safety"]``. The only Python loop runs over the copies that just finished.

Per-step safety arrays of every copy are on ``last_step`` (a :class:`StepBatch`); pass
``full_info=True`` to also get the whole per-step info contract in ``infos`` (slower).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from embedsafe.core.contract import Reason
from embedsafe.core.sim import BatchedSim, StepBatch


class SimVecEnv(VecEnv):
    """Batched embedsafe environment usable directly by stable-baselines3."""

    def __init__(
        self,
        sim: BatchedSim,
        seed: int | None = None,
        full_info: bool = False,
        render_mode: str | None = None,
    ):
        self.sim = sim
        self.render_mode = render_mode
        self.full_info = full_info
        self.last_step: StepBatch | None = None
        self._actions: np.ndarray | None = None
        self._needs_reset = True
        self._started = time.perf_counter()
        super().__init__(sim.num_envs, sim.observation_space, sim.action_space)
        if seed is not None:
            self.seed(seed)

    def reset(self) -> np.ndarray:
        seeds = None
        if any(s is not None for s in self._seeds):
            seeds = [int(s) for s in self._seeds]
        elif self.last_step is None and not getattr(self, "_seeded", False):
            base = int(np.random.SeedSequence().generate_state(1)[0])
            seeds = [base + i for i in range(self.num_envs)]
        self.sim.reset(np.arange(self.num_envs), seeds)
        self._seeded = True
        self._needs_reset = False
        self._reset_seeds()
        self._reset_options()
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return self.sim.observe()

    def step_async(self, actions: np.ndarray) -> None:
        if self._needs_reset:
            raise RuntimeError("call reset() before step(): the copies have no episode yet")
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ValueError(
                f"actions must have shape (num_envs,) = ({self.num_envs},), one per copy; "
                f"got shape {actions.shape}"
            )
        if actions.dtype == bool or not np.issubdtype(actions.dtype, np.number):
            raise ValueError(f"actions must be integers; got dtype {actions.dtype}")
        if not np.issubdtype(actions.dtype, np.integer):
            if not (np.isfinite(actions).all() and np.all(actions == np.round(actions))):
                raise ValueError(f"actions must be integers; got dtype {actions.dtype}")
            actions = actions.astype(np.int64)
        n = self.action_space.n
        if actions.min() < 0 or actions.max() >= n:
            bad = int(actions[(actions < 0) | (actions >= n)][0])
            raise ValueError(
                f"invalid action {bad}; allowed: integers 0..{n - 1} "
                f"({', '.join(self.sim.action_names)})"
            )
        self._actions = actions

    def step_wait(self):
        out = self.sim.step(self._actions)
        self.last_step = out
        done = out.terminated | out.truncated
        obs = self.sim.observe()
        if self.full_info:
            infos = [self.sim.step_info(out, i) for i in range(self.num_envs)]
        else:
            infos = [{} for _ in range(self.num_envs)]
        if done.any():
            finished = np.flatnonzero(done)
            elapsed = round(time.perf_counter() - self._started, 6)
            for i in finished:
                summary = self.sim.episode_safety(i)
                infos[i].update(
                    terminal_observation=obs[i].copy(),
                    episode={"r": summary["observed_return"], "l": summary["length"], "t": elapsed},
                    episode_safety=summary,
                    termination_reason=Reason(int(out.reason[i])).label,
                )
                infos[i]["TimeLimit.truncated"] = bool(out.truncated[i])
            self.sim.reset(finished)
            obs[finished] = self.sim.observe(finished)
        return obs, out.reward.copy(), done, infos

    def close(self) -> None:
        pass

    def get_images(self) -> list[np.ndarray]:
        return [self.sim.render_rgb(i) for i in range(self.num_envs)]

    # SB3 asks these of "each sub-env"; all copies share one sim, so they share answers.
    def _owner(self, name: str) -> Any:
        if hasattr(self, name) and name in ("render_mode", "full_info"):
            return self
        return self.sim

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        value = getattr(self._owner(attr_name), attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self._owner(attr_name), attr_name, value)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> list[Any]:
        method = getattr(self.sim, method_name)
        return [method(i, *args, **kwargs) for i in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]
