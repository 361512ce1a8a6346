"""Which policies to probe: a run's checkpoints in training order, and an untrained
network of the same architecture (the random-init control of McGrath et al. 2022)."""

from __future__ import annotations

import copy
import re
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import nn

import embedsafe
from embedsafe.training.agents import load_agent, read_meta
from embedsafe.training.learners import TABULAR

_STEP = re.compile(r"step_(\d+)\.pt$")


def load(path: str | Path, env_id: str | None = None):
    """``load_agent`` plus the checkpoint's step in ``embedsafe_meta["num_timesteps"]``;
    ``env_id`` (if given) must be the env the agent was trained on."""
    path = Path(path)
    meta = read_meta(path)
    if env_id is not None and embedsafe.find(env_id).id != meta["env_id"]:
        raise ValueError(
            f"{path} was trained on {meta['env_id']}, not {embedsafe.find(env_id).id}: "
            "drop --env or pass the agent's own env"
        )
    if meta.get("algo") in TABULAR:
        raise ValueError(
            f"{path} is a {meta['algo']} agent: a Q-table has no layers to probe; "
            "probe a neural agent (ppo, a2c, dqn, approval, ...)"
        )
    policy = load_agent(path)
    policy.embedsafe_meta = dict(policy.embedsafe_meta)
    match = _STEP.search(path.name)
    if match:
        policy.embedsafe_meta["num_timesteps"] = int(match.group(1))
    return policy


def checkpoints(path: str | Path, limit: int | None = None) -> list[Path]:
    """A run's ``checkpoints/step_N.pt`` by N (at most ``limit``, evenly spaced, always the
    last); a single agent path when it is not a run directory with checkpoints."""
    path = Path(path)
    folder = path / "checkpoints"
    found = sorted(folder.glob("step_*.pt"), key=lambda p: int(_STEP.search(p.name).group(1)))
    if not path.is_dir() or not found:
        return [path]
    if limit and len(found) > limit:
        pick = np.unique(np.linspace(0, len(found) - 1, limit).round().astype(int))
        found = [found[i] for i in pick]
    return found


def untrained_like(policy, seed: int = 0):
    """A copy of ``policy`` with freshly initialised weights, as SB3 initialises them
    (orthogonal, gain sqrt(2) in the trunk, 0.01 on the action head, 1 on the value head)."""
    fresh = copy.deepcopy(policy)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for module in fresh.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
        gains = {
            fresh.features_extractor: np.sqrt(2),
            fresh.mlp_extractor: np.sqrt(2),
            fresh.action_net: 0.01,
            fresh.value_net: 1.0,
        }
        for module, gain in gains.items():
            module.apply(partial(_orthogonal, gain=gain))
    fresh.embedsafe_meta = {**policy.embedsafe_meta, "num_timesteps": 0}
    return fresh


def _orthogonal(module: nn.Module, gain: float) -> None:
    if isinstance(module, nn.Linear | nn.Conv2d):
        nn.init.orthogonal_(module.weight, gain=gain)
        if module.bias is not None:
            module.bias.data.fill_(0.0)
