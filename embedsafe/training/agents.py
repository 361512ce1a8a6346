"""Load trained policies without unpickling code: ``agent.json`` + a weights-only file.

``load_agent`` accepts a run directory, a reference-agent directory, an ``agent.json``, a
``.pt`` weights file next to (or in ``checkpoints/`` under) a directory holding
``agent.json``, or a shipped reference agent by name: ``reference:RewardButton-Grid-v0``,
or the env id alone (``RewardButton-Grid-v0``) when no such path exists.

``agent.json``'s ``side`` says which side of the multi-agent env
(:mod:`embedsafe.multiagent`) the policy plays: ``"agent"`` (the default, when absent) or
``"overseer"`` (``experiments/train_overseer.py``); an overseer's spaces are the
overseer's. :func:`save_agent` writes both files, for ``train`` and ``train_overseer`` alike.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.policies import ActorCriticCnnPolicy

import embedsafe
from embedsafe import multiagent
from embedsafe.agents import (  # noqa: F401 (REFERENCE_DIR is re-exported)
    REFERENCE_DIR,
    reference_names,
    resolve_agent,
)
from embedsafe.core.files import atomic_write, atomic_write_text
from embedsafe.training import learners

SIDES = multiagent.AGENTS  # agent.json's "side": which side of the multi-agent env it plays


def _locate(path: Path) -> tuple[Path, Path]:
    """(agent.json, weights file) for any of the accepted path forms."""
    path = resolve_agent(path)
    if not path.exists():
        raise ValueError(
            f"no agent at {path}: the path does not exist (shipped reference agents: "
            + ", ".join(f"reference:{name}" for name in reference_names())
            + ")"
        )
    if path.is_dir():
        meta = path / "agent.json"
        if not meta.is_file():
            raise ValueError(f"{path} holds no agent.json: not a run or reference-agent directory")
        return meta, _weights(meta)
    if path.name == "agent.json":
        return path, _weights(path)
    if path.suffix == ".zip" and path.with_suffix(".pt").is_file():
        path = path.with_suffix(".pt")  # a checkpoint's weights-only twin: no unpickling
    if path.suffix == ".pt":
        for folder in (path.parent, path.parent.parent):
            if (folder / "agent.json").is_file():
                return folder / "agent.json", path
        raise ValueError(f"found no agent.json next to or above weights file {path}")
    raise ValueError(
        f"{path} is not an agent: expected a run directory, agent.json, or a .pt/.zip checkpoint"
    )


def _json_object(meta_path: Path) -> dict:
    """The JSON object in ``meta_path`` (a ValueError for anything else)."""
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{meta_path} is not valid JSON: {err}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{meta_path} must hold a JSON object, got {type(meta).__name__}")
    return meta


def _weights(meta_path: Path) -> Path:
    """The weights file ``agent.json`` names: a file name inside its own directory."""
    name = _json_object(meta_path).get("weights", "policy.pt")
    folder = meta_path.parent.resolve()
    if not isinstance(name, str) or not (folder / name).resolve().is_relative_to(folder):
        raise ValueError(
            f"{meta_path}: weights={name!r} must name a file in {meta_path.parent} "
            "(a path outside the agent's directory is refused)"
        )
    return meta_path.parent / name


def read_meta(path: str | Path) -> dict:
    """The checked ``agent.json`` of an agent path (any form :func:`load_agent` takes)."""
    meta_path, _ = _locate(Path(path))
    meta = _json_object(meta_path)
    missing = [k for k in ("env_id", "obs_shape", "n_actions", "network") if k not in meta]
    if missing:
        raise ValueError(f"{meta_path} lacks keys {missing}")
    kinds = {"env_id": str, "obs_shape": list, "n_actions": int, "env_kwargs": dict}
    for key, kind in kinds.items():
        if key in meta and (not isinstance(meta[key], kind) or isinstance(meta[key], bool)):
            raise ValueError(f"{meta_path}: {key!r} must be a {kind.__name__}, got {meta[key]!r}")
    side = meta.get("side", multiagent.AGENT)
    if side not in SIDES:
        raise ValueError(
            f"{meta_path}: side={side!r} is not a side; allowed: "
            + " or ".join(repr(s) for s in SIDES)
            + f" (absent means {multiagent.AGENT!r})"
        )
    return meta


def env_spaces(
    env_id: str, env_kwargs: dict, side: str = multiagent.AGENT
) -> tuple[gym.spaces.Box, gym.spaces.Discrete]:
    """The observation and action space of ``side`` (``"agent"`` or ``"overseer"``) in
    ``env_id``: the world's own spaces for the agent, the multi-agent env's for the overseer."""
    if side == multiagent.OVERSEER:
        env = multiagent.parallel_env(env_id, **env_kwargs)
        return env.observation_space(side), env.action_space(side)
    sim = embedsafe.make_sim(env_id, 1, **env_kwargs)
    return sim.observation_space, sim.action_space


def load_agent(path: str | Path, side: str | None = multiagent.AGENT) -> ActorCriticCnnPolicy:
    """Rebuild the policy of a saved agent from its metadata and weights: SB3's
    actor-critic, or for ``dqn``/``q-learning``-style learners (``algo`` in agent.json)
    a policy with the same ``predict`` (see :func:`embedsafe.training.learners.empty_policy`),
    with the spaces of its ``side`` (the agent's, or with ``"side": "overseer"`` the
    overseer's in :mod:`embedsafe.multiagent`).

    ``side``: the side the caller will run the policy as (evaluation, probing and the
    scorecard run agents); ``None`` takes either (``embedsafe play`` checks it itself).

    The policy's ``embedsafe_meta`` attribute holds the metadata (env id, knobs, steps).
    Raises ValueError when files are missing or corrupt, when the saved spaces no longer
    match the environment's, or when the policy was trained as the other side.
    """
    meta_path, weights = _locate(Path(path))
    meta = read_meta(meta_path)
    trained_as = meta.get("side", multiagent.AGENT)
    if side is not None and trained_as != side:
        raise ValueError(
            f"{meta_path.parent} was trained as the {trained_as}, and only an {side}'s policy "
            f"is allowed here; play against it with `embedsafe play {meta['env_id']} --as "
            f"{side} --{trained_as} {meta_path.parent}`"
        )
    side = trained_as
    obs_space, act_space = env_spaces(meta["env_id"], meta.get("env_kwargs", {}), side)
    if list(obs_space.shape) != list(meta["obs_shape"]) or act_space.n != meta["n_actions"]:
        raise ValueError(
            f"agent {meta_path.parent} was trained on observations {tuple(meta['obs_shape'])} "
            f"and {meta['n_actions']} actions, but the {side} of {meta['env_id']} now has "
            f"{obs_space.shape} and {act_space.n}: retrain or use a matching env version"
        )
    policy_space = obs_space
    if learners.sees_frames(meta, obs_space) and obs_space.shape[-1] == 3:  # SB3: channels-first
        h, w, c = obs_space.shape
        policy_space = gym.spaces.Box(0, 255, (c, h, w), np.uint8)
    policy = learners.empty_policy(meta, policy_space, act_space)
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ValueError(f"weights file {weights} is missing") from None
    except (RuntimeError, pickle.UnpicklingError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"weights file {weights} is corrupt or not a state dict: {err}") from None
    if not isinstance(state, dict):
        raise ValueError(f"weights file {weights} does not hold a state dict")
    broken = [k for k, v in state.items() if torch.is_tensor(v) and not torch.isfinite(v).all()]
    if broken:
        raise ValueError(
            f"weights file {weights} holds NaN or infinite values (in {broken[0]}): training "
            "diverged; use an earlier checkpoint (checkpoints/step_N.pt)"
        )
    try:
        policy.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).splitlines()[:3]
        raise ValueError(
            f"weights {weights} do not fit the network in {meta_path}: {' '.join(first)}"
        ) from None
    policy.set_training_mode(False)
    if weights.stem.startswith("step_") and weights.stem[5:].isdigit():
        meta = {**meta, "num_timesteps": int(weights.stem[5:])}  # a checkpoint along the run
    policy.embedsafe_meta = meta
    return policy


def write_meta(
    out: str | Path, env_id: str, rec: dict, model, seed: int, side: str = multiagent.AGENT
) -> None:
    """Write ``out/agent.json``: what :func:`load_agent` needs to rebuild ``model``'s policy
    (env id and knobs, the ``side``'s spaces, learner, the recipe's ``network``)."""
    obs_space, act_space = env_spaces(env_id, rec.get("env_kwargs", {}), side)  # unwrapped
    meta = {
        "format": "embedsafe-agent/1",
        "env_id": embedsafe.find(env_id).id,
        "env_kwargs": rec.get("env_kwargs", {}),
        "side": side,
        "algo": rec.get("algo", "ppo"),
        "obs_shape": list(obs_space.shape),
        "obs_dtype": str(obs_space.dtype),
        "policy_obs_shape": list(model.policy.observation_space.shape),
        "n_actions": int(act_space.n),
        "network": rec.get("network", {"kind": "table"}),
        "num_timesteps": int(model.num_timesteps),
        "seed": seed,
        "weights": "policy.pt",
    }
    atomic_write_text(Path(out) / "agent.json", json.dumps(meta, indent=2))


def save_agent(
    out: str | Path, env_id: str, rec: dict, model, seed: int, side: str = multiagent.AGENT
) -> Path:
    """Save ``model`` as an embedsafe agent in ``out``: weights-only ``policy.pt`` and
    ``agent.json`` (see :func:`write_meta`), each written to a temporary name and renamed."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "policy.pt", lambda f: torch.save(model.policy.state_dict(), f))
    write_meta(out, env_id, rec, model, seed, side)
    return out


def export_agent(run_dir: str | Path, dest: str | Path, half: bool = True) -> Path:
    """Copy a run's ``agent.json`` + ``policy.pt`` (and recipe) into ``dest``: a reference
    agent, weights only. ``half`` stores the weights as float16 (half the size; they are
    cast back to float32 on load)."""
    import shutil

    run_dir, dest = Path(run_dir), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("agent.json", "recipe.yaml"):
        shutil.copy2(run_dir / name, dest / name)
    state = torch.load(run_dir / "policy.pt", map_location="cpu", weights_only=True)
    if half:  # keep tensors shared (actor/critic share the trunk) shared after the cast
        cast: dict[int, torch.Tensor] = {}
        state = {
            k: cast.setdefault(v.data_ptr(), v.half()) if v.is_floating_point() else v
            for k, v in state.items()
        }
    torch.save(state, dest / "policy.pt")
    load_agent(dest, side=None)  # fail now, not when someone loads it
    return dest
