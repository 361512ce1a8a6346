"""The side the human does not play: scripted overseer, random agent, or a trained policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedsafe.agents import resolve_agent
from embedsafe.multiagent import AGENT, OVERSEER, RandomPolicy, scripted_overseer


def load_policy(path: str | Path) -> Any:
    """A trained policy with SB3's ``predict(obs, deterministic=True)``, loaded the way
    ``eval`` loads agents (:func:`embedsafe.training.load_agent`: ``agent.json`` plus
    weights read with ``torch.load(weights_only=True)``). Nothing is unpickled, so an SB3
    ``.zip`` (whose ``data`` entry is a pickle) is refused with a ValueError.
    ``reference:<env>`` (or an env id) names a shipped reference agent."""
    path = resolve_agent(path)
    if not path.exists():
        raise FileNotFoundError(f"agent checkpoint {str(path)!r} does not exist")
    try:
        from embedsafe.training import load_agent
    except ImportError as err:
        raise ValueError(f"playing {str(path)!r} needs embedsafe.training ({err})") from None
    if path.suffix == ".zip" and not path.with_suffix(".pt").is_file():
        raise ValueError(
            f"refusing to open {str(path)!r}: loading an SB3 .zip unpickles code. Pass an "
            "embedsafe agent instead (run directory, agent.json or checkpoints/step_N.pt)"
        )
    try:
        return load_agent(str(path), side=None)  # check_compatible checks the side
    except ValueError as err:
        raise ValueError(f"cannot load agent checkpoint {str(path)!r}: {err}") from None


def check_compatible(policy: Any, env, side: str) -> None:
    """A clear error when a trained policy was made for the other side (``side`` in its
    agent.json) or for another observation/action space (an image policy may see channels
    first: SB3 transposes ``H, W, C`` images itself)."""
    trained = getattr(policy, "embedsafe_meta", {}).get("side", AGENT)
    if trained != side:
        raise ValueError(
            f"the loaded policy was trained as the {trained} (side {trained!r} in its "
            f"agent.json), so it cannot play the {side}: pass it as --{trained}; as the "
            f"{side} only a policy trained as the {side} is allowed"
        )
    obs_space, act_space = env.observation_space(side), env.action_space(side)
    shape = tuple(obs_space.shape)
    theirs = getattr(policy, "observation_space", None)
    if theirs is not None and tuple(theirs.shape) not in (shape, (shape[-1], *shape[:-1])):
        raise ValueError(
            f"the loaded policy's observation space {theirs} does not match "
            f"{side!r}'s observation space {obs_space} in {env.env_id}"
        )
    theirs = getattr(policy, "action_space", None)
    if theirs is not None and getattr(theirs, "n", None) != act_space.n:
        raise ValueError(
            f"the loaded policy's action space {theirs} does not match "
            f"{side!r}'s action space {act_space} in {env.env_id}"
        )


def opponent_for(
    env, human_role: str, checkpoint: str | Path | None = None, seed: int | None = None
) -> tuple[str, Any, str]:
    """``(side, policy, label)`` of the side the human does not play."""
    side = OVERSEER if human_role == AGENT else AGENT
    if checkpoint is not None:
        policy = load_policy(checkpoint)
        check_compatible(policy, env, side)
        return side, policy, f"trained ({Path(checkpoint).name})"
    if side == OVERSEER:
        return side, scripted_overseer(env), "scripted"
    return side, RandomPolicy(env.action_space(AGENT), seed), "random"
