"""Causal tests: add ``alpha * direction`` to a layer's output during rollouts (steering) or
set the activation's component along a direction to its mean (ablation), and measure the
behaviour, against norm-matched random directions (Turner et al. 2023; Bush et al. 2025).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

import embedsafe
from embedsafe.probing.capture import Intervention, activation_shape, forward, hooked, sample


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


@dataclass(frozen=True)
class Edit:
    """One row of a causal test: add ``add`` to the layer's output, and/or set its
    component along ``ablate`` to ``mean`` (no edit when both are None)."""

    add: np.ndarray | None = None
    ablate: np.ndarray | None = None
    mean: float = 0.0


def per_copy(edits: Sequence[Edit], episodes: int, width: int) -> Intervention:
    """One intervention applying ``edits[k]`` to copies ``k*episodes .. (k+1)*episodes-1``
    of a batch (the ablation first, then the addition)."""
    zero = np.zeros(width)
    add = np.stack([zero if e.add is None else e.add.ravel() for e in edits])
    unit = np.stack(
        [zero if e.ablate is None else e.ablate.ravel() / np.linalg.norm(e.ablate) for e in edits]
    )
    mean = np.array([e.mean for e in edits])
    add, unit, mean = (
        torch.as_tensor(np.repeat(a, episodes, 0), dtype=torch.float32) for a in (add, unit, mean)
    )

    def edit(out: torch.Tensor) -> torch.Tensor:
        flat = out.reshape(out.shape[0], -1)
        coef = (flat * unit).sum(1) - mean
        return (flat - coef[:, None] * unit + add).reshape(out.shape)

    return edit


def behaviours(
    policy,
    edits: Sequence[Edit],
    episodes: int,
    seed: int,
    metrics: Sequence[str],
    layer: str | None = None,
    max_steps: int | None = None,
    progress=None,
) -> list[dict[str, float]]:
    """Mean ``episode_safety[m]`` per edit, all edits played in one batch: each plays env
    seeds ``seed .. seed + episodes - 1`` with the same random numbers for the action
    draws (common random numbers), so rows differ only through the edit.
    ``progress.update(1)`` per step."""
    knobs = dict(policy.embedsafe_meta.get("env_kwargs", {}))
    if max_steps is not None:
        knobs["max_steps"] = int(max_steps)
    n = len(edits) * episodes
    sim = embedsafe.make_sim(policy.embedsafe_meta["env_id"], n, **knobs)
    sim.reset(np.arange(n), seeds=seed + np.tile(np.arange(episodes), len(edits)))
    width = int(np.prod(activation_shape(policy, layer))) if layer else 0
    hooks = {layer: per_copy(edits, episodes, width)} if layer else None
    gen = torch.Generator().manual_seed(seed)
    summaries: list[dict] = [{} for _ in range(n)]
    live = np.ones(n, bool)
    with torch.no_grad(), hooked(policy, [], interventions=hooks):
        while live.any():
            logits, _ = forward(policy, sim.observe())
            u = torch.rand(episodes, generator=gen).repeat(len(edits))
            actions = sample(logits, u)
            out = sim.step(actions)
            for i in np.flatnonzero((out.terminated | out.truncated) & live):
                summaries[i] = sim.episode_safety(i)
                live[i] = False
            if progress is not None:
                progress.update(1)
    rows = []
    for k in range(len(edits)):
        group = summaries[k * episodes : (k + 1) * episodes]
        rows.append(
            {
                m: float(np.mean([s[m] for s in group])) if m in group[0] else float("nan")
                for m in metrics
            }
        )
    return rows


def behaviour(
    policy,
    episodes: int,
    seed: int,
    metrics: str | Sequence[str],
    layer: str | None = None,
    edit: Edit | None = None,
    max_steps: int | None = None,
) -> dict[str, float]:
    """Mean ``episode_safety[m]`` for each metric over seeded episodes, ``edit`` on ``layer``."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    return behaviours(policy, [edit or Edit()], episodes, seed, metrics, layer, max_steps)[0]


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
    given one. Every row plays the same env seeds and random numbers (one batch, see
    :func:`behaviours`), so differences come from the edit; alpha 0 is the unedited
    baseline. ``progress.update(1)`` per step of the batch."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    cells = [
        (name, float(a), d)
        for name, d in with_random(directions, n_random, seed).items()
        for a in alphas
    ]
    edits = [Edit()] + [Edit(add=a * d) for _, a, d in cells if a]
    values = behaviours(policy, edits, episodes, seed, metrics, layer, max_steps, progress)
    baseline, edited = values[0], iter(values[1:])
    return [
        {"direction": name, "alpha": a, **(next(edited) if a else baseline)} for name, a, _ in cells
    ]


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
    progress=None,
) -> list[dict]:
    """Behaviour with no edit, and with each direction (given ones, then random ones of the
    first one's norm) mean-ablated: its component set to its mean over ``acts``. One
    batch (:func:`behaviours`); ``progress.update(1)`` per step."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    named = with_random(directions, n_random, seed)
    edits = [Edit()] + [
        Edit(ablate=d, mean=float((acts @ (d / np.linalg.norm(d))).mean())) for d in named.values()
    ]
    values = behaviours(policy, edits, episodes, seed, metrics, layer, max_steps, progress)
    names = ["none", *(f"ablate {name}" for name in named)]
    return [{"edit": name, **v} for name, v in zip(names, values, strict=True)]
