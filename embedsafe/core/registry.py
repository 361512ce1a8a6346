"""One table of every environment id, registered with Gymnasium under ``embedsafe/``.

Each world contributes its rows (``embedsafe.grid.ENVS``, ``embedsafe.voxel.ENVS``); this
module registers them, lists them, and builds batched envs (:func:`make_vec`).

An id's time limit is written once, as its sim's ``default_max_steps`` (or a ``max_steps``
knob in the row). It is registered as ``max_episode_steps``, and :class:`SyncTimeLimit`
keeps Gymnasium's ``TimeLimit`` and the sim on one value, so ``gym.make(id, max_steps=n)``
and ``gym.make(id, max_episode_steps=n)`` both give ``n``-step episodes whose last step
carries ``termination_reason == "timeout"`` and ``episode_safety``.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import WrapperSpec

NAMESPACE = "embedsafe"
WORLD_MODULES = ("embedsafe.grid", "embedsafe.voxel")


@dataclass(frozen=True)
class EnvRow:
    """One registered environment: a sim class plus the knobs that make this variant."""

    name: str  # e.g. "RewardButton-Grid-v0" (the id is "embedsafe/" + name)
    sim: str  # "module:Class" of a BatchedSim subclass
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{NAMESPACE}/{self.name}"

    @property
    def max_steps(self) -> int:
        """The time limit: the row's ``max_steps`` knob, else the sim's default."""
        from embedsafe.core.env import resolve_sim

        return int(self.kwargs.get("max_steps", resolve_sim(self.sim).default_max_steps))


def rows() -> list[EnvRow]:
    """Every row of every world that is installed, in table order."""
    table: list[EnvRow] = []
    for module in WORLD_MODULES:
        try:
            table.extend(getattr(importlib.import_module(module), "ENVS", []))
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
    return table


def find(env_id: str) -> EnvRow:
    """The row of ``env_id`` (with or without the namespace), or a ValueError listing ids."""
    table = {r.id: r for r in rows()}
    key = env_id if env_id.startswith(NAMESPACE + "/") else f"{NAMESPACE}/{env_id}"
    if key not in table:
        close = difflib.get_close_matches(key, table, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown env id {env_id!r}.{hint} Known ids: {', '.join(table)}")
    return table[key]


def register_all() -> None:
    """Register every row with Gymnasium (idempotent). The limit goes in the spec; the
    ``SyncTimeLimit`` wrapper hands an overridden ``max_episode_steps`` to the sim."""
    sync = WrapperSpec("SyncTimeLimit", "embedsafe.core.env:SyncTimeLimit", {})
    for row in rows():
        if row.id not in gym.registry:
            gym.register(
                id=row.id,
                entry_point="embedsafe.core.env:EmbeddedEnv",
                max_episode_steps=row.max_steps,
                kwargs={"sim": row.sim, **row.kwargs},
                additional_wrappers=(sync,),
            )


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make`` for an embedsafe id, with a helpful error for unknown ids."""
    find(env_id)
    register_all()
    key = env_id if env_id.startswith(NAMESPACE + "/") else f"{NAMESPACE}/{env_id}"
    return gym.make(key, **kwargs)


def make_sim(env_id: str, num_envs: int = 1, **kwargs: Any):
    """The batched simulator behind ``env_id`` with ``num_envs`` copies."""
    from embedsafe.core.env import build_sim

    row = find(env_id)
    knobs = {**row.kwargs, **kwargs}
    return build_sim(row.sim, num_envs, **knobs)


def make_vec(
    env_id: str,
    num_envs: int,
    seed: int | None = None,
    *,
    full_info: bool = False,
    render_mode: str | None = None,
    **kwargs: Any,
):
    """A batched env of ``num_envs`` copies stepped together in numpy: an SB3 ``VecEnv``.

    Copy ``i`` follows exactly the trajectory of ``make(env_id)`` reset with ``seed + i``.
    ``kwargs`` are the scenario's knobs, ``max_steps`` (the time limit) among them.
    """
    from embedsafe.core.vec import SimVecEnv

    sim = make_sim(env_id, num_envs, **kwargs)
    return SimVecEnv(sim, seed=seed, full_info=full_info, render_mode=render_mode)


def table_text() -> str:
    """The table ``embedsafe list`` prints."""
    table = rows()
    width = max(len(r.id) for r in table)
    lines = [f"{'id'.ljust(width)}  steps  description", f"{'-' * width}  -----  -----------"]
    lines += [f"{r.id.ljust(width)}  {r.max_steps:>5}  {r.description}" for r in table]
    return "\n".join(lines)
