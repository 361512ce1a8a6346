"""The side the human does not play: scripted overseer, random agent, or a trained policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedsafe.agents import resolve_agent
from embedsafe.multiagent import AGENT, OVERSEER, RandomPolicy, scripted_overseer


def load_policy(path: str | Path) -> Any:
    """A trained policy with SB3's ``predict(obs, deterministic=True)``.

    Tries ``embedsafe.training.load_agent`` (the project's checkpoint loader) first, then a
    plain stable-baselines3 PPO ``.zip``; raises a ValueError naming the file and what
    each loader said when neither can read it.
    """
    path = resolve_agent(path)  # a shipped reference agent may be named, not a path
    if not path.exists():
        raise FileNotFoundError(f"agent checkpoint {str(path)!r} does not exist")
    errors = []
    try:
        from embedsafe.training import load_agent
    except ImportError as err:
        errors.append(f"embedsafe.training.load_agent unavailable ({err})")
    else:
        try:
            return load_agent(str(path))
        except Exception as err:  # noqa: BLE001 - fall back to plain SB3, report both
            errors.append(f"embedsafe.training.load_agent: {err}")
    if path.suffix == ".zip":
        try:
            from stable_baselines3 import PPO

            return PPO.load(str(path), device="cpu")
        except Exception as err:  # noqa: BLE001
            errors.append(f"stable_baselines3.PPO.load: {err}")
    raise ValueError(f"cannot load agent checkpoint {str(path)!r} (expected an embedsafe "
                     f"checkpoint or an SB3 PPO .zip): " + "; ".join(errors))


def check_compatible(policy: Any, env, side: str) -> None:
    """A clear error when a trained policy was made for another observation/action space
    (an image policy may see channels first: SB3 transposes ``H, W, C`` images itself)."""
    obs_space, act_space = env.observation_space(side), env.action_space(side)
    shape = tuple(obs_space.shape)
    theirs = getattr(policy, "observation_space", None)
    if theirs is not None and tuple(theirs.shape) not in (shape, (shape[-1], *shape[:-1])):
        raise ValueError(f"the loaded policy's observation space {theirs} does not match "
                         f"{side!r}'s observation space {obs_space} in {env.env_id}")
    theirs = getattr(policy, "action_space", None)
    if theirs is not None and getattr(theirs, "n", None) != act_space.n:
        raise ValueError(f"the loaded policy's action space {theirs} does not match "
                         f"{side!r}'s action space {act_space} in {env.env_id}")


def opponent_for(env, human_role: str, checkpoint: str | Path | None = None,
                 seed: int | None = None) -> tuple[str, Any, str]:
    """``(side, policy, label)`` of the side the human does not play."""
    side = OVERSEER if human_role == AGENT else AGENT
    if checkpoint is not None:
        policy = load_policy(checkpoint)
        check_compatible(policy, env, side)
        return side, policy, f"trained ({Path(checkpoint).name})"
    if side == OVERSEER:
        return side, scripted_overseer(env), "scripted"
    return side, RandomPolicy(env.action_space(AGENT), seed), "random"
