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
    metric: str,
    layer: str | None = None,
    edit: Intervention | None = None,
    max_steps: int | None = None,
) -> float:
    """Mean ``episode_safety[metric]`` over seeded episodes, with ``edit`` on ``layer``."""
    interventions = {layer: edit} if edit is not None and layer else None
    data = rollout(policy, episodes, seed=seed, interventions=interventions, max_steps=max_steps)
    return data.episode_metric(metric)


def steering_table(
    policy,
    layer: str,
    direction: np.ndarray,
    alphas: Sequence[float],
    episodes: int,
    seed: int,
    metric: str,
    n_random: int = 3,
    max_steps: int | None = None,
    label: str = "concept",
    progress=None,
) -> list[dict]:
    """One row per (direction, alpha): the behaviour metric with the edit applied. The
    random rows use the same alphas on directions of the same norm. The same env seeds are
    used for every row, so differences come from the edit only."""
    dirs = [(label, direction)] + [
        (f"random{i}", d) for i, d in enumerate(random_directions(direction, n_random, seed))
    ]
    rows = []
    for name, d in dirs:
        for alpha in alphas:
            edit = add_direction(d, alpha) if alpha else None
            value = behaviour(policy, episodes, seed, metric, layer, edit, max_steps)
            rows.append({"direction": name, "alpha": float(alpha), metric: value})
            if progress is not None:
                progress.update(1)
    return rows


def ablation_table(
    policy,
    layer: str,
    direction: np.ndarray,
    acts: np.ndarray,
    episodes: int,
    seed: int,
    metric: str,
    n_random: int = 3,
    max_steps: int | None = None,
    label: str = "concept",
) -> list[dict]:
    """Behaviour with no edit, with the concept direction mean-ablated, and with random
    directions of the same norm mean-ablated (means taken over ``acts`` of ``layer``)."""
    rows = [
        {"edit": "none", metric: behaviour(policy, episodes, seed, metric, max_steps=max_steps)}
    ]
    dirs = [(label, direction)] + [
        (f"random{i}", d) for i, d in enumerate(random_directions(direction, n_random, seed))
    ]
    for name, d in dirs:
        mean_proj = float((acts @ (d / np.linalg.norm(d))).mean())
        edit = ablate_direction(d, mean_proj)
        value = behaviour(policy, episodes, seed, metric, layer, edit, max_steps)
        rows.append({"edit": f"ablate {name}", metric: value})
    return rows
