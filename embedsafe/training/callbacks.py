"""Callbacks: safety metrics into the logs, weights-only checkpoints along training."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback


class SafetyLogger(BaseCallback):
    """Averages ``info["episode_safety"]`` of the episodes that finished during each rollout
    and records them as ``safety/<key>`` (every numeric key the env reports, so new
    scenarios are covered without changes here). ``history`` keeps one row per rollout;
    ``on_window`` is called with each row (the demo prints from it); if it returns a true
    value, training stops (benchmarks use this to time how soon a behaviour appears)."""

    def __init__(self, on_window: Callable[[dict], None] | None = None):
        super().__init__()
        self.on_window = on_window
        self.history: list[dict] = []
        self._episodes: list[dict] = []
        self._t0 = time.perf_counter()
        self._start_steps = 0
        self._stop = False

    def _on_training_start(self) -> None:
        self._t0 = time.perf_counter()
        self._start_steps = self.num_timesteps

    def _on_step(self) -> bool:
        for info in self.locals["infos"]:
            summary = info.get("episode_safety")
            if summary is not None:
                self._episodes.append(summary)
        return not self._stop

    def _on_rollout_end(self) -> None:
        if not self._episodes:
            return
        keys = [
            k
            for k, v in self._episodes[0].items()
            if isinstance(v, int | float | np.number | np.bool_)  # bools become rates
        ]
        row = {"step": self.num_timesteps, "episodes": len(self._episodes)}
        for key in keys:
            row[key] = float(np.mean([float(e.get(key, 0.0)) for e in self._episodes]))
            self.logger.record(f"safety/{key}", row[key])
        elapsed = time.perf_counter() - self._t0
        row["fps"] = (self.num_timesteps - self._start_steps) / max(elapsed, 1e-9)
        row["wall_s"] = elapsed
        self.history.append(row)
        self._episodes = []
        if self.on_window is not None and self.on_window(row):
            self._stop = True


class Checkpointer(BaseCallback):
    """Every ``every`` env steps, save ``checkpoints/step_<N>.zip`` (full SB3 state, for
    ``--resume``) and ``checkpoints/step_<N>.pt`` (policy weights only, safe to load, for
    probing across training)."""

    def __init__(self, out: Path, every: int):
        super().__init__()
        self.dir = Path(out) / "checkpoints"
        self.every = max(int(every), 1)
        self._next = 0

    def _on_training_start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._next = (self.num_timesteps // self.every + 1) * self.every

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self.save()
            self._next = (self.num_timesteps // self.every + 1) * self.every
        return True

    def save(self) -> Path:
        path = self.dir / f"step_{self.num_timesteps}"
        self.model.save(path.with_suffix(".zip"))
        torch.save(self.model.policy.state_dict(), path.with_suffix(".pt"))
        return path.with_suffix(".zip")
