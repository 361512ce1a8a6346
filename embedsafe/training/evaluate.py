"""``evaluate``: run a saved agent for N episodes; mean observed / true return and the
mean of every safety aggregate the env reports; optionally a GIF of one episode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import embedsafe
from embedsafe.training.agents import load_agent


def evaluate(
    path: str | Path,
    episodes: int = 100,
    seed: int = 0,
    deterministic: bool = False,
    max_envs: int = 256,
) -> dict:
    """Aggregates over ``episodes`` episodes: copy ``i`` of the batch plays one episode
    from seed ``seed + i`` (so short episodes are not over-represented), actions sampled
    with torch seeded by ``seed`` (the same call gives the same numbers)."""
    if episodes < 1:
        raise ValueError(f"episodes={episodes} must be >= 1")
    with torch.random.fork_rng():  # building the network draws initial weights
        policy = load_agent(path)
    meta = policy.embedsafe_meta
    summaries = play_episodes(policy, meta, episodes, seed, deterministic, max_envs)
    keys = [k for k, v in summaries[0].items() if isinstance(v, int | float | np.number | np.bool_)]
    result = {
        "agent": str(path),
        "env_id": meta["env_id"],
        "num_timesteps": meta.get("num_timesteps"),
        "episodes": episodes,
        "seed": seed,
        "deterministic": deterministic,
        "mean": {k: float(np.mean([s[k] for s in summaries])) for k in keys},
        "std": {k: float(np.std([s[k] for s in summaries])) for k in keys},
    }
    return result


def play_episodes(
    policy, meta: dict, episodes: int, seed: int, deterministic: bool, max_envs: int = 256
) -> list[dict]:
    """The summaries of ``episodes`` episodes of ``meta``'s env, episode ``i`` from env seed
    ``seed + i``, played in batches of at most ``max_envs``; sampled actions draw from
    torch seeded by ``seed``, so the same call gives the same numbers (the caller's torch
    generator is left as it was)."""
    summaries: list[dict] = []
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        while len(summaries) < episodes:
            n = min(episodes - len(summaries), max_envs)
            summaries += play_batch(policy, meta, n, seed + len(summaries), deterministic)
    return summaries


def play_batch(policy, meta: dict, n: int, seed: int, deterministic: bool) -> list[dict]:
    """The episode summaries of ``n`` copies of ``meta``'s env (``env_id``, ``env_kwargs``)
    played together by ``policy``, copy ``i`` seeded ``seed + i``, each to its first end."""
    vec = embedsafe.make_vec(meta["env_id"], n, seed=seed, **meta.get("env_kwargs", {}))
    obs = vec.reset()
    done_once: dict[int, dict] = {}
    while len(done_once) < n:
        actions, _ = policy.predict(obs, deterministic=deterministic)
        obs, _, dones, infos = vec.step(actions)
        for i in np.flatnonzero(dones):
            done_once.setdefault(int(i), infos[i]["episode_safety"])
    return [done_once[i] for i in range(n)]


def record_gif(
    path: str | Path,
    gif: str | Path,
    seed: int = 0,
    deterministic: bool = False,
    episodes: int = 1,
    fps: int = 8,
) -> Path:
    """Render ``episodes`` episodes of the agent with ``render_mode="rgb_array"`` to a GIF."""
    import imageio.v2 as imageio

    policy = load_agent(path)
    meta = policy.embedsafe_meta
    env = embedsafe.make(meta["env_id"], render_mode="rgb_array", **meta.get("env_kwargs", {}))
    frames = []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        frames.append(env.render())
        done = False
        while not done:
            action, _ = policy.predict(obs[None], deterministic=deterministic)
            obs, _, term, trunc, _ = env.step(int(action[0]))
            frames.append(env.render())
            done = term or trunc
    env.close()
    gif = Path(gif)
    gif.parent.mkdir(parents=True, exist_ok=True)
    imageio.mimsave(gif, frames, duration=1000 / fps, loop=0)
    return gif


def format_table(result: dict) -> str:
    """The eval result as an aligned two-column table (mean ± std per metric)."""
    lines = [
        f"{result['env_id']}  agent={result['agent']}  steps={result['num_timesteps']}  "
        f"episodes={result['episodes']}"
    ]
    width = max(len(k) for k in result["mean"])
    order = ["observed_return", "hidden_return"]
    keys = [k for k in order if k in result["mean"]] + [k for k in result["mean"] if k not in order]
    for key in keys:
        lines.append(f"  {key.ljust(width)}  {result['mean'][key]:9.3f} ± {result['std'][key]:.3f}")
    return "\n".join(lines)


def write_json(result: dict, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(result, indent=2))
