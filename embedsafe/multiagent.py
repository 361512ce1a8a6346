"""PettingZoo form of every embedsafe scenario: the overseer is an agent, not a script.

Two agents act simultaneously on the SAME batched simulator as the single-agent env (one
copy, ``num_envs=1``); the parallel step is exactly ``sim.step(agent_action,
overseer_action)``, so there is no second copy of the game rules.

    from embedsafe import multiagent

    env = multiagent.parallel_env("embedsafe/RewardButton-Grid-v0")   # ParallelEnv
    aec = multiagent.env("embedsafe/RewardButton-Grid-v0")            # AECEnv (agent, overseer)
    overseer = multiagent.scripted_overseer(env)                      # the default overseer

Agents
    ``agent``: the embedded learner, with the world's action space (``sim.action_names``).
    ``overseer``: the world's overseer actions (``sim.overseer_action_names``; in the grid
    world ``noop, up, down, left, right, press``). In worlds without an overseer (tree
    punching: the overseer stands nowhere) the overseer is still an agent; its actions move
    nothing: in a scenario without an overseer (tree punching: no overseer is placed in the
    world, or the sim sets ``has_overseer = False``) ``overseer`` has a single action,
    ``0 = noop``, and is rewarded like any overseer (true reward).

Observations
    Both agents get the same world view (``sim.observe``: symbolic planes or RGB in the grid
    world, the agent's first-person frame in the voxel world). The overseer therefore
    watches through the agent's eyes plus the symbolic flags; ``infos[...]["state"]``
    carries the full ground truth for overseers that want more.

Rewards
    ``agent`` gets the **observed** reward (what the reward channel in the world delivered).
    ``overseer`` gets the **true** reward (task progress: what the designer wants), so a
    trained overseer is paid for useful work being done, never for button presses as such.
    Both agents' ``infos`` carry the full info contract of docs/scenarios.md (``true_reward``,
    ``safety``, ``termination_reason``, ``executed_action``, ``state``, and at the end
    ``episode_safety``), plus ``observed_reward``.

Single agent = multi-agent + scripted overseer
    ``gymnasium.make(id)`` is this env driven with :func:`scripted_overseer`; the test suite
    checks that both give identical trajectories on a fixed seed.

Helpers
    :class:`OneSideEnv` turns one side into a plain ``gymnasium.Env`` with the other side's
    policy fixed (used by ``experiments/train_overseer.py``).
"""

from __future__ import annotations

from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec_wrapper
from pettingzoo.utils.wrappers import OrderEnforcingWrapper

from embedsafe.core.env import render_frame
from embedsafe.core.registry import find, make_sim

AGENT, OVERSEER = "agent", "overseer"
AGENTS = (AGENT, OVERSEER)
RENDER_MODES = ("rgb_array", "ansi")


class Policy(Protocol):
    """Anything with SB3's ``predict``: trained agents, humans, scripts."""

    def predict(self, obs: Any, deterministic: bool = True) -> tuple[Any, Any]: ...


class EmbeddedParallelEnv(ParallelEnv):
    """Agent and overseer acting together in one copy of an embedsafe world."""

    metadata = {
        "render_modes": list(RENDER_MODES),
        "name": "embedsafe_v0",
        "is_parallelizable": True,
        "render_fps": 10,
    }

    def __init__(self, env_id: str, render_mode: str | None = None, **knobs: Any):
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(
                f"render_mode={render_mode!r} is not supported; use one of {RENDER_MODES}"
            )
        self.env_id = find(env_id).id
        self.sim = make_sim(env_id, 1, **knobs)
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.has_overseer = _has_overseer(self.sim)
        names = tuple(self.sim.overseer_action_names) if self.has_overseer else ("noop",)
        self.action_names = {AGENT: tuple(self.sim.action_names), OVERSEER: names}
        self._action_spaces = {a: gym.spaces.Discrete(len(n)) for a, n in self.action_names.items()}
        self.last_step = None  # the sim's StepBatch of the last step (for HUDs, recorders)
        self._seeded = False

    # ------------------------------------------------------------- spaces
    # Both return the same object on every call, as PettingZoo asks.
    def observation_space(self, agent: str) -> gym.Space:
        self._check_agent(agent)
        return self.sim.observation_space

    def action_space(self, agent: str) -> gym.Space:
        self._check_agent(agent)
        return self._action_spaces[agent]

    def _check_agent(self, agent: str) -> None:
        if agent not in AGENTS:
            raise ValueError(f"unknown agent {agent!r}; the agents are {list(AGENTS)}")

    def check_action(self, agent: str, action: Any) -> int:
        """The action as an int, or a ValueError naming the agent and its allowed actions."""
        self._check_agent(agent)
        names = self.action_names[agent]
        try:
            value = int(action)
            ok = value == action and 0 <= value < len(names)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            allowed = ", ".join(f"{i}={n}" for i, n in enumerate(names))
            raise ValueError(
                f"invalid action {action!r} for agent {agent!r}; "
                f"allowed: integers 0..{len(names) - 1} ({allowed})"
            )
        return value

    # ----------------------------------------------------------------- API
    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is None and not self._seeded:
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 2)
        self.sim.reset(0, seeds=None if seed is None else [int(seed)])
        self._seeded = True
        self.agents = list(AGENTS)
        self.last_step = None
        obs = self.sim.observe(slice(0, 1))[0]
        info = {"state": self.sim.state(0), "termination_reason": "running"}
        return {a: obs for a in AGENTS}, {a: dict(info) for a in AGENTS}

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        for agent in actions:
            self._check_agent(agent)
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(
                f"missing actions for agents {missing}; step() needs one action "
                f"for each of {self.agents}"
            )
        agent_action = self.check_action(AGENT, actions[AGENT])
        overseer_action = self.check_action(OVERSEER, actions[OVERSEER])
        out = self.sim.step(
            np.array([agent_action], np.int64), np.array([overseer_action], np.int64)
        )
        self.last_step = out
        obs = self.sim.observe(slice(0, 1))[0]
        info = self.sim.step_info(out, 0)
        info["observed_reward"] = float(out.reward[0])
        rewards = {AGENT: float(out.reward[0]), OVERSEER: float(out.true_reward[0])}
        term, trunc = bool(out.terminated[0]), bool(out.truncated[0])
        result = (
            {a: obs for a in AGENTS},
            rewards,
            dict.fromkeys(AGENTS, term),
            dict.fromkeys(AGENTS, trunc),
            {a: dict(info) for a in AGENTS},
        )
        if term or trunc:
            self.agents = []
        return result

    def render(self):
        return render_frame(self.sim, self.render_mode)

    def close(self) -> None:
        pass

    def __str__(self) -> str:
        return f"EmbeddedParallelEnv({self.env_id})"


def _has_overseer(sim) -> bool:
    """Whether the scenario places an overseer: the sim says so (``has_overseer``), or,
    for worlds that mark an absent overseer with position -1, a fresh episode shows one."""
    if hasattr(sim, "has_overseer"):
        return bool(sim.has_overseer)
    if not sim.overseer_action_names:
        return False
    if not hasattr(sim, "overseer"):
        return True
    sim.reset(0, seeds=[0])
    return bool(np.any(np.asarray(sim.overseer)[0] >= 0))


class _EmbeddedAEC(parallel_to_aec_wrapper):
    """PettingZoo's parallel→AEC conversion that rejects a bad action at once (naming the
    agent), instead of when the last agent of the cycle moves."""

    def step(self, action):
        if action is not None:
            self.env.check_action(self.agent_selection, action)
        super().step(action)


def parallel_env(env_id: str, render_mode: str | None = None, **knobs: Any) -> EmbeddedParallelEnv:
    """The PettingZoo ``ParallelEnv`` of ``env_id`` (agents ``agent`` and ``overseer``)."""
    return EmbeddedParallelEnv(env_id, render_mode=render_mode, **knobs)


def env(env_id: str, render_mode: str | None = None, **knobs: Any):
    """The PettingZoo ``AECEnv`` of ``env_id``: ``agent`` moves first, then ``overseer``;
    the world steps once both have chosen (the parallel step, converted)."""
    return OrderEnforcingWrapper(_EmbeddedAEC(parallel_env(env_id, render_mode, **knobs)))


def _sim_of(env: Any):
    base = getattr(env, "unwrapped", env)
    if not hasattr(base, "sim"):
        raise ValueError(f"{env!r} is not an embedsafe env (it has no .sim)")
    return base.sim


class ScriptedOverseer:
    """The world's built-in overseer as a policy: reads the sim's current state, like
    ``sim.step(actions, None)`` does. ``predict`` is SB3-style; calling it returns an int."""

    def __init__(self, env: Any):
        self.sim = _sim_of(env)
        base = getattr(env, "unwrapped", env)
        self.present = getattr(base, "has_overseer", bool(self.sim.overseer_action_names))

    def __call__(self, obs: Any = None) -> int:
        if not self.present:
            return 0
        return int(self.sim.scripted_overseer_actions()[0])

    def predict(self, obs: Any = None, deterministic: bool = True, **_: Any) -> tuple[int, None]:
        return self(obs), None


def scripted_overseer(env: Any) -> ScriptedOverseer:
    """The default overseer of ``env`` (parallel, AEC or single-agent) as a policy."""
    return ScriptedOverseer(env)


class RandomPolicy:
    """Uniform random actions from a seeded generator (the stand-in for a missing agent)."""

    def __init__(self, space: gym.spaces.Discrete, seed: int | None = None):
        self.n, self.rng = int(space.n), np.random.default_rng(seed)

    def predict(self, obs: Any = None, deterministic: bool = True, **_: Any) -> tuple[int, None]:
        return int(self.rng.integers(self.n)), None


def act(policy: Policy | Any, obs: Any) -> int:
    """One action from an SB3-style policy (``predict``) or a plain callable."""
    if hasattr(policy, "predict"):
        action, _ = policy.predict(obs, deterministic=True)
    else:
        action = policy(obs)
    return int(np.asarray(action).reshape(-1)[0])


class OneSideEnv(gym.Env):
    """One side of the parallel env as a ``gymnasium.Env``; the other side follows
    ``other`` (any :data:`Policy`, or ``None`` for the scripted overseer / a random agent).

    ``learner`` is ``"agent"`` or ``"overseer"``; rewards are that side's rewards
    (observed for the agent, true for the overseer). ``other`` may be swapped between
    training rounds (``env.other = new_policy``).
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 10}

    def __init__(
        self,
        env_id: str,
        learner: str = OVERSEER,
        other: Policy | None = None,
        render_mode: str | None = None,
        **knobs: Any,
    ):
        self.par = parallel_env(env_id, render_mode=render_mode, **knobs)
        self.par._check_agent(learner)
        self.learner = learner
        self.opponent = AGENT if learner == OVERSEER else OVERSEER
        self.observation_space = self.par.observation_space(learner)
        self.action_space = self.par.action_space(learner)
        self.render_mode = render_mode
        self.other = other
        self._obs: dict[str, Any] = {}

    def _other(self) -> Policy:
        if self.other is not None:
            return self.other
        if self.opponent == OVERSEER:
            return scripted_overseer(self.par)
        return RandomPolicy(self.par.action_space(AGENT), seed=int(self.np_random.integers(2**31)))

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._obs, infos = self.par.reset(seed=seed, options=options)
        self._policy = self._other()
        return self._obs[self.learner], infos[self.learner]

    def step(self, action):
        actions = {self.learner: action, self.opponent: act(self._policy, self._obs[self.opponent])}
        self._obs, rew, term, trunc, infos = self.par.step(actions)
        me = self.learner
        return self._obs[me], rew[me], term[me], trunc[me], infos[me]

    def render(self):
        return self.par.render()
