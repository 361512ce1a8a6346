"""The learners behind ``embedsafe train --algo NAME``: one name each, how to build them
from a recipe and how to rebuild a saved one's policy for ``eval``, ``probe`` and ``play``.

| name                 | what                                            | recipe section |
|----------------------|-------------------------------------------------|----------------|
| ``ppo``              | SB3 PPO (default)                               | ``ppo``        |
| ``a2c``              | SB3 A2C                                         | ``a2c``        |
| ``dqn``              | SB3 DQN, replay of the chosen action            | ``dqn``        |
| ``dqn-executed``     | DQN replaying ``info["executed_action"]``       | ``dqn``        |
| ``q-learning``       | tabular Q-learning on the symbolic observation  | ``tabular``    |
| ``sarsa``            | tabular Sarsa on the symbolic observation       | ``tabular``    |
| ``approval``         | myopic policy gradient on the executed action's approval | ``approval`` |
| ``decoupled-approval`` | the same on an independently sampled query action | ``approval`` |

Every learner is an SB3 ``BaseAlgorithm`` (``learn`` with callbacks, ``policy`` whose
``state_dict`` holds tensors only), so ``train``, the checkpoints and the safety logging
treat them alike. A recipe names its learner with ``algo:``; ``--algo`` overrides it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.policies import ActorCriticCnnPolicy

from embedsafe.training.buffers import FrameRolloutBuffer
from embedsafe.training.networks import policy_kwargs

FAMILY: dict[str, str] = {  # algo -> the recipe section holding its hyperparameters
    "ppo": "ppo",
    "a2c": "a2c",
    "dqn": "dqn",
    "dqn-executed": "dqn",
    "q-learning": "tabular",
    "sarsa": "tabular",
    "approval": "approval",
    "decoupled-approval": "approval",
}
ALGOS: tuple[str, ...] = tuple(FAMILY)
TABULAR = ("q-learning", "sarsa")
ACTOR_CRITIC = ("ppo", "a2c", "approval", "decoupled-approval")  # probe-able as they are


def check_algo(algo: str) -> str:
    """``algo`` if it is a known learner, else a ValueError listing them."""
    if algo not in FAMILY:
        raise ValueError(f"algo={algo!r} is not a learner; choose one of {', '.join(ALGOS)}")
    return algo


def recipe_name(env_id: str, algo: str) -> str:
    """The shipped recipe of ``algo`` for ``env_id``'s world: ``grid``/``voxel`` (or the
    env's own recipe) for PPO, ``<family>-grid``/``<family>-voxel`` for the others."""
    from embedsafe.training.recipe import default_recipe_name

    if FAMILY[check_algo(algo)] == "ppo":
        return default_recipe_name(env_id)
    world = "voxel" if "-Voxel-" in env_id and algo not in TABULAR else "grid"
    return f"{FAMILY[algo]}-{world}"  # (tabular on a voxel id: refused by check_env)


def resolve(rec: dict, algo: str | None, env_id: str | None = None) -> dict:
    """The recipe with ``algo`` settled (argument > recipe's ``algo`` > ``ppo``) and a
    ValueError when the recipe lacks the section or network that learner needs, or (with
    ``env_id``) when the env cannot serve that learner: checked before anything is built."""
    algo = check_algo(algo or rec.get("algo", "ppo"))
    section = FAMILY[algo]
    if section not in rec:
        have = sorted(k for k in set(FAMILY.values()) if k in rec)
        raise ValueError(
            f"algo={algo!r} reads its hyperparameters from a {section!r} section, and this "
            f"recipe has {have or 'none'}: pass --recipe {section}-grid (or -voxel) or add one"
        )
    if algo not in TABULAR and "network" not in rec:
        raise ValueError(f"algo={algo!r} needs a 'network' section in the recipe")
    if env_id is not None:
        check_env(algo, env_id, rec.get("env_kwargs", {}))
    return {**rec, "algo": algo}


def check_env(algo: str, env_id: str, env_kwargs: dict) -> None:
    """A ValueError when ``env_id`` (with ``env_kwargs``) cannot serve ``algo``: tabular
    learners need symbolic grid observations, approval learners an approval channel."""
    if algo not in TABULAR and FAMILY[algo] != "approval":
        return
    import embedsafe

    sim = embedsafe.make_sim(env_id, 1, **env_kwargs)
    if algo in TABULAR:
        check_tabular(env_id, sim.observation_space, algo)
    elif not hasattr(sim, "approval_of"):
        raise ValueError(
            f"algo={algo!r} is paid by an overseer's approval; {env_id} has no approval "
            "channel: use embedsafe/RewardButtonApproval-Grid-v0 or -Voxel-v0"
        )


def build(rec: dict, vec, seed: int, env_id: str):
    """A fresh learner of ``rec["algo"]`` on the batched env ``vec`` of ``env_id`` (the
    recipe went through :func:`resolve` with that id)."""
    algo = rec.get("algo", "ppo")
    hyper = dict(rec[FAMILY[algo]])
    common = {"seed": seed, "device": "cpu", "verbose": 0}
    if algo in TABULAR:
        from embedsafe.training.tabular import TabularLearner

        return TabularLearner(vec, sarsa=algo == "sarsa", **hyper, **common)
    kwargs = policy_kwargs(rec["network"], vec.observation_space)
    frames = {"rollout_buffer_class": FrameRolloutBuffer} if kwargs["normalize_images"] else {}
    if algo == "ppo":
        rollout = hyper.get("n_steps", 2048) * rec["n_envs"]
        hyper["batch_size"] = min(hyper.get("batch_size", 64), rollout)  # tiny smoke budgets
        return PPO("CnnPolicy", vec, policy_kwargs=kwargs, **frames, **hyper, **common)
    if algo == "a2c":
        return A2C("CnnPolicy", vec, policy_kwargs=kwargs, **frames, **hyper, **common)
    if FAMILY[algo] == "approval":
        from embedsafe.training.approval import ApprovalLearner

        return ApprovalLearner(
            vec, decoupled=algo == "decoupled-approval", policy_kwargs=kwargs, **hyper, **common
        )
    from embedsafe.training.dqn import ExecutedActionDQN

    cls = ExecutedActionDQN if algo == "dqn-executed" else DQN
    return cls("CnnPolicy", vec, policy_kwargs=_q_kwargs(kwargs), **hyper, **common)


def log_interval(model) -> int:
    """``learn``'s ``log_interval`` that writes a ``progress.csv`` row about once per
    rollout: every rollout for on-policy learners (A2C's default is 100), every
    ``n_envs`` finished episodes for DQN (its unit is episodes)."""
    return model.n_envs if isinstance(model, DQN) else 1


def _q_kwargs(kwargs: dict) -> dict:
    """Actor-critic ``policy_kwargs`` for a Q-network: DQN takes one list of hidden sizes
    (a recipe's ``{pi: [64], vf: [64]}`` heads become ``[64]``)."""
    heads = kwargs["net_arch"]
    return {**kwargs, "net_arch": list(heads.get("pi", [])) if isinstance(heads, dict) else heads}


def check_tabular(env_id: str, space: gym.Space, algo: str) -> None:
    """Tabular learners key their table on symbolic 0/1 planes: grid ids with
    ``obs="symbolic"`` only."""
    symbolic = (
        isinstance(space, gym.spaces.Box)
        and space.dtype == np.uint8
        and len(space.shape) == 3
        and int(space.high.max()) <= 1
    )
    if "-Voxel-" in env_id or not symbolic:
        raise ValueError(
            f"algo={algo!r} is tabular: it needs a grid id with symbolic observations "
            f"(obs='symbolic'); {env_id} gives {space}. Use a neural learner "
            f"(ppo, a2c, dqn, ...) for voxel ids and rgb observations"
        )


def sees_frames(meta: dict, obs_space: gym.Space) -> bool:
    """Whether a saved agent's network reads image frames (SB3 feeds them channels-first)."""
    if check_algo(meta.get("algo", "ppo")) in TABULAR:
        return False
    return policy_kwargs(meta["network"], obs_space)["normalize_images"]


def empty_policy(meta: dict, obs_space: gym.Space, act_space: gym.spaces.Discrete) -> Any:
    """The untrained policy of a saved agent's learner, ready for ``load_state_dict``:
    SB3's actor-critic (``ppo``, ``a2c``, the approval learners), a DQN's Q-network seen
    as an actor-critic (:class:`embedsafe.training.dqn.QNetworkView`), or a Q-table.
    ``obs_space`` is the space the policy sees (channels first for frames)."""
    algo = check_algo(meta.get("algo", "ppo"))
    if algo in TABULAR:
        from embedsafe.training.tabular import QTablePolicy

        return QTablePolicy(obs_space, act_space)
    kwargs = policy_kwargs(meta["network"], obs_space)  # HWC or CHW frames: same kind
    if algo in ACTOR_CRITIC:
        return ActorCriticCnnPolicy(obs_space, act_space, lambda _: 0.0, **kwargs)
    from embedsafe.training.dqn import QNetworkView

    return QNetworkView(obs_space, act_space, _q_kwargs(kwargs))
