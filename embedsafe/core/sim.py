"""``BatchedSim``: the world-agnostic base of every embedsafe world.

A sim holds ``num_envs`` copies of one scenario as numpy arrays and steps them all in one
call. Everything the user touches is thin glue over it:

- :class:`embedsafe.core.env.EmbeddedEnv` is a sim with one copy (a ``gymnasium.Env``);
- :class:`embedsafe.core.vec.SimVecEnv` is a sim with many copies (an SB3 ``VecEnv``);
- the PettingZoo envs pass the overseer's action instead of the scripted one.

So the single env, the batched env and the multi-agent env share one copy of the rules.

A world subclasses this and implements the ``_abstract`` hooks; the base keeps the clock,
the time limit, the episode accumulators and the safety-event bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from numba import njit

from embedsafe.core.contract import REASON_LABELS, Reason
from embedsafe.core.rng import BatchRNG

TIMEOUT = int(Reason.TIMEOUT)
MAX_STEPS_LIMIT = 100_000  # the longest episode any env accepts (max_steps, max_episode_steps)


def check_max_steps(value, name: str = "max_steps") -> int:
    """``value`` as an int in ``[1, MAX_STEPS_LIMIT]``, or a ValueError naming ``name``.

    The bound keeps a typo (``max_steps=1e12``) from turning an evaluation into a hang."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ValueError(
            f"{name}={value!r} must be an integer number of steps in [1, {MAX_STEPS_LIMIT}]"
        )
    if not 1 <= value <= MAX_STEPS_LIMIT:
        raise ValueError(
            f"{name}={value!r} is out of range; allowed: 1 <= {name} <= {MAX_STEPS_LIMIT}"
        )
    return int(value)


@dataclass
class StepBatch:
    """What one step of all copies produced. Every array has a leading ``num_envs`` axis."""

    reward: np.ndarray  # float32, the observed reward (the agent's learning signal)
    true_reward: np.ndarray  # float32, the designer's intended task value
    terminated: np.ndarray  # bool
    truncated: np.ndarray  # bool (time limit)
    reason: np.ndarray  # int8 codes of :class:`Reason`
    executed_action: np.ndarray  # int64, what the world really applied
    safety: dict[str, np.ndarray]  # event name -> int32 counts this step (fill in place)
    events: np.ndarray | None = None  # the same counts as one (events, num_envs) block
    buffers: tuple = ()  # the arrays above, grouped for clearing


class BatchedSim:
    """Base class of a batched world. Subclasses set the class attributes and hooks.

    Class attributes a subclass defines:
        action_names: names of the agent's discrete actions, in index order.
        overseer_action_names: names of the overseer's discrete actions.
        safety_events: names of the per-step safety events (``info["safety"]`` keys).
        default_max_steps: the scenario's time limit when ``max_steps`` is not given. It is
            the only place an id's limit is written: the registry reads it for
            ``gym.spec(id).max_episode_steps``.
    """

    action_names: tuple[str, ...] = ()
    overseer_action_names: tuple[str, ...] = ()
    safety_events: tuple[str, ...] = ()
    default_max_steps: int = 100

    def __init__(self, num_envs: int = 1, max_steps: int | None = None):
        if not isinstance(num_envs, int | np.integer) or num_envs < 1:
            raise ValueError(f"num_envs={num_envs!r} must be a positive integer")
        self.num_envs = int(num_envs)
        self.max_steps = self.default_max_steps if max_steps is None else max_steps
        self.rng = BatchRNG(self.num_envs)
        self.t = np.zeros(self.num_envs, np.int32)
        self.action_space = gym.spaces.Discrete(len(self.action_names))
        self.overseer_action_space = gym.spaces.Discrete(len(self.overseer_action_names))
        self._ret = np.zeros(self.num_envs, np.float64)
        self._true_ret = np.zeros(self.num_envs, np.float64)
        self._event_totals = np.zeros((len(self.safety_events), self.num_envs), np.int64)

    @property
    def max_steps(self) -> int:
        """The time limit: a copy whose clock reaches it is truncated (reason ``timeout``)."""
        return self._max_steps

    @max_steps.setter
    def max_steps(self, value: int) -> None:
        self._max_steps = check_max_steps(value)

    # ----------------------------------------------------------------- hooks
    observation_space: gym.Space

    def _reset_copies(self, idx: np.ndarray) -> None:
        """Lay out a new episode in copies ``idx`` (RNG already seeded)."""
        raise NotImplementedError

    def _step(self, actions: np.ndarray, overseer_actions: np.ndarray) -> StepBatch:
        """Apply the rules to every copy; time limit and accumulators are the base's job."""
        raise NotImplementedError

    def observe(self, idx=slice(None)) -> np.ndarray:
        """Observations of copies ``idx``, with a leading batch axis."""
        raise NotImplementedError

    def scripted_overseer_actions(self) -> np.ndarray:
        """The default overseer policy: one action per copy, from the current state."""
        raise NotImplementedError

    def state(self, i: int) -> dict:
        """Ground-truth symbolic state of copy ``i`` (``info["state"]``), for probing."""
        raise NotImplementedError

    def _episode_extras(self, i: int) -> dict:
        """Scenario-specific episode aggregates of copy ``i``."""
        return {}

    def render_rgb(self, i: int = 0) -> np.ndarray:
        raise NotImplementedError

    def render_ansi(self, i: int = 0) -> str:
        raise NotImplementedError

    # ------------------------------------------------------------- machinery
    def reset(self, idx, seeds=None) -> None:
        """Start new episodes in copies ``idx``; reseed them first when ``seeds`` is given."""
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        if seeds is not None:
            self.rng.seed(idx, seeds)
        self.t[idx] = 0
        self._ret[idx] = 0.0
        self._true_ret[idx] = 0.0
        self._event_totals[:, idx] = 0
        self._reset_copies(idx)

    def step(self, actions, overseer_actions=None) -> StepBatch:
        """Step every copy. ``overseer_actions=None`` plugs in the scripted overseer."""
        if overseer_actions is None:
            overseer_actions = self.scripted_overseer_actions()
        out = self._step(np.asarray(actions), np.asarray(overseer_actions))
        _account(
            self.t,
            self.max_steps,
            out.terminated,
            out.truncated,
            out.reason,
            self._ret,
            self._true_ret,
            out.reward,
            out.true_reward,
        )
        if len(self.safety_events):
            self._event_totals += out.events
        return out

    def episode_safety(self, i: int) -> dict:
        """Per-episode aggregates of copy ``i`` (``info["episode_safety"]`` at episode end)."""
        agg = {
            "length": int(self.t[i]),
            "observed_return": float(self._ret[i]),
            "hidden_return": float(self._true_ret[i]),
        }
        agg.update(zip(self.safety_events, self._event_totals[:, i].tolist(), strict=True))
        agg.update(self._episode_extras(i))
        return agg

    def step_info(self, out: StepBatch, i: int) -> dict:
        """The per-step ``info`` dict of copy ``i`` (the contract of docs/scenarios.md)."""
        info = {
            "true_reward": float(out.true_reward[i]),
            "safety": {k: int(v[i]) for k, v in out.safety.items()},
            "termination_reason": REASON_LABELS[out.reason[i]],
            "executed_action": int(out.executed_action[i]),
            "state": self.state(i),
        }
        if out.terminated[i] or out.truncated[i]:
            info["episode_safety"] = self.episode_safety(i)
        return info

    def _new_batch(self, actions: np.ndarray) -> StepBatch:
        """The zeroed StepBatch for subclasses to fill. It runs every step, so the sim keeps
        one and clears it: a StepBatch is valid until the next step (copy what you keep)."""
        out = self.__dict__.get("_batch")
        if out is None:
            n = self.num_envs
            rewards, flags = np.zeros((2, n), np.float32), np.zeros((2, n), bool)
            events = np.zeros((len(self.safety_events), n), np.int32)
            out = self._batch = StepBatch(
                reward=rewards[0],
                true_reward=rewards[1],
                terminated=flags[0],
                truncated=flags[1],
                reason=np.zeros(n, np.int8),
                executed_action=np.zeros(n, np.int64),
                safety=dict(zip(self.safety_events, events, strict=True)),
                events=events,
            )
            out.buffers = (rewards, flags, out.reason, events)
        for buffer in out.buffers:
            buffer.fill(0)
        out.executed_action[:] = actions
        return out


@njit(cache=True)
def _account(t, max_steps, terminated, truncated, reason, ret, true_ret, reward, true_reward):
    """Advance the clocks, apply the time limit and add up the returns (all copies)."""
    for i in range(t.shape[0]):
        t[i] += 1
        if t[i] >= max_steps and not terminated[i]:
            truncated[i] = True
            reason[i] = TIMEOUT
        ret[i] += reward[i]
        true_ret[i] += true_reward[i]
