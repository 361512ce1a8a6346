"""Causal tests: add ``alpha * direction`` to a layer's output during rollouts (steering) or
set the activation's component along a direction to its mean (ablation), and measure the
behaviour, against norm-matched random directions (Turner et al. 2023; Bush et al. 2025).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from embedsafe.probing.capture import Intervention, rollout


def add_direction(direction: np.ndarray, alpha: float) -> Intervention:
    d = torch.as_tensor(direction, dtype=torch.float32)

    def edit(out: torch.Tensor) -> torch.Tensor:
        return out + alpha * d.reshape(out.shape[1:])

    return edit


def ablate_direction(direction: np.ndarray, mean_projection: float = 0.0) -> Intervention:
    """Replace the component along ``direction`` by ``mean_projection`` (mean ablation)."""
    u = torch.as_tensor(direction / np.linalg.norm(direction), dtype=torch.float32)

    def edit(out: torch.Tensor) -> torch.Tensor:
        flat = out.reshape(out.shape[0], -1)
        coef = flat @ u - mean_projection
        return (flat - coef[:, None] * u[None]).reshape(out.shape)

    return edit


def random_directions(like: np.ndarray, n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` Gaussian directions with the norm of ``like``."""
    rng = np.random.default_rng(seed)
    norm = np.linalg.norm(like)
    out = []
    for _ in range(n):
        v = rng.standard_normal(like.shape)
        out.append(v / np.linalg.norm(v) * norm)
    return out


def behaviour(
    policy,
    episodes: int,
    seed: int,
    metrics: str | Sequence[str],
    layer: str | None = None,
    edit: Intervention | None = None,
    max_steps: int | None = None,
) -> dict[str, float]:
    """Mean ``episode_safety[m]`` for each metric over seeded episodes, ``edit`` on ``layer``."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    interventions = {layer: edit} if edit is not None and layer else None
    data = rollout(policy, episodes, seed=seed, interventions=interventions, max_steps=max_steps)
    return {m: data.episode_metric(m) for m in metrics}


def with_random(directions: dict[str, np.ndarray], n_random: int, seed: int) -> dict:
    """``directions`` plus ``random0..`` Gaussian directions with the first one's norm."""
    first = next(iter(directions.values()))
    rand = random_directions(first, n_random, seed)
    return {**directions, **{f"random{i}": d for i, d in enumerate(rand)}}


def steering_table(
    policy,
    layer: str,
    directions: dict[str, np.ndarray],
    alphas: Sequence[float],
    episodes: int,
    seed: int,
    metrics: str | Sequence[str],
    n_random: int = 3,
    max_steps: int | None = None,
    progress=None,
) -> list[dict]:
    """One row per (direction, alpha): the behaviour with ``alpha * direction`` added to
    ``layer`` at every step. ``random*`` rows use directions with the norm of the first
    given one. Every row plays the same env seeds, so differences come from the edit."""
    rows = []
    baseline = behaviour(policy, episodes, seed, metrics, max_steps=max_steps)
    for name, d in with_random(directions, n_random, seed).items():
        for alpha in alphas:
            if alpha:
                edit = add_direction(d, alpha)
                values = behaviour(policy, episodes, seed, metrics, layer, edit, max_steps)
            else:
                values = baseline
            rows.append({"direction": name, "alpha": float(alpha), **values})
            if progress is not None:
                progress.update(1)
    return rows


def ablation_table(
    policy,
    layer: str,
    directions: dict[str, np.ndarray],
    acts: np.ndarray,
    episodes: int,
    seed: int,
    metrics: str | Sequence[str],
    n_random: int = 3,
    max_steps: int | None = None,
) -> list[dict]:
    """Behaviour with no edit, and with each direction (given ones, then random ones of the
    first one's norm) mean-ablated: its component set to its mean over ``acts``."""
    rows = [{"edit": "none", **behaviour(policy, episodes, seed, metrics, max_steps=max_steps)}]
    for name, d in with_random(directions, n_random, seed).items():
        mean_proj = float((acts @ (d / np.linalg.norm(d))).mean())
        edit = ablate_direction(d, mean_proj)
        values = behaviour(policy, episodes, seed, metrics, layer, edit, max_steps)
        rows.append({"edit": f"ablate {name}", **values})
    return rows
