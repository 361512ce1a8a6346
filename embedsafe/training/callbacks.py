"""Callbacks: safety metrics into the logs, weights-only checkpoints along training.

A checkpoint is three files in ``checkpoints/`` (four for DQN), none unpickled when read::

    step_N.pt           policy state dict (what load_agent and probing read)
    step_N.resume.pth   optimizer state dict and RNG states, tensors only
    step_N.replay.npz   DQN only: the replay buffer (embedsafe.training.replay)
    step_N.json         format, algorithm, counters (num_timesteps, ...); written last

Both ``.pt``/``.pth`` files are read with ``torch.load(weights_only=True)``, which refuses
anything but tensors and plain containers. Each file is written to a temporary name and
renamed, and ``step_N.json`` last, so a checkpoint without it is incomplete and skipped.
Only the newest checkpoint keeps its replay buffer: an older one is removed when its own
``step_K.json`` names it (a file embedsafe did not write is never removed). A replay
buffer that is missing or unreadable on resume is reported in one warning, and the run
goes on with an empty one (collecting ``learning_starts`` steps again before learning).
"""

from __future__ import annotations

import json
import pickle
import random
import re
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback

from embedsafe.core.files import atomic_write, atomic_write_text
from embedsafe.training import replay


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


CHECKPOINT_FORMAT = "embedsafe-checkpoint/1"
# Training counters of SB3 algorithms (PPO, A2C, DQN) that a resume restores when present.
COUNTERS = ("num_timesteps", "_n_updates", "_episode_num", "_n_calls")
_STEP = re.compile(r"^step_(\d+)\.json$")


class UpdateThreads(BaseCallback):
    """Torch threads for the learner's update only (recipe key ``update_threads``):
    ``threads`` from the end of each rollout to the start of the next, and the recipe's
    ``torch_threads`` while the envs step (where the renderer's threads need the cores).
    ``train`` sets ``torch_threads`` back when learning ends, normally or not."""

    def __init__(self, threads: int, rollout_threads: int):
        super().__init__()
        self.threads, self.rollout_threads = int(threads), int(rollout_threads)

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        torch.set_num_threads(self.threads)

    def _on_rollout_start(self) -> None:
        torch.set_num_threads(self.rollout_threads)


class Checkpointer(BaseCallback):
    """Every ``every`` env steps, save a checkpoint (see the module docstring) and call
    ``on_save(model)`` (train keeps ``policy.pt`` and ``agent.json`` current with it)."""

    def __init__(self, out: Path, every: int, on_save: Callable | None = None):
        super().__init__()
        self.dir = Path(out) / "checkpoints"
        self.every = max(int(every), 1)
        self.on_save = on_save
        self._next = 0

    def _on_training_start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._next = (self.num_timesteps // self.every + 1) * self.every

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self.save(step_locals=self.locals)
            self._next = (self.num_timesteps // self.every + 1) * self.every
        return True

    def save(self, step_locals: dict | None = None) -> Path:
        """Checkpoint now; ``step_locals`` when called between an env step and SB3's
        storing it (see :func:`save_checkpoint`)."""
        path = save_checkpoint(self.model, self.dir, step_locals)
        if self.on_save is not None:
            self.on_save(self.model)
        return path


def save_checkpoint(model, folder: Path, step_locals: dict | None = None) -> Path:
    """Write ``step_<num_timesteps>.{pt,resume.pth,json}`` for any SB3 algorithm whose
    ``policy`` holds every network (DQN's target net too) and ``policy.optimizer``, and
    ``step_N.replay.npz`` for one with a replay buffer. An off-policy learner calls back
    between an env step and storing it: given that callback's ``step_locals``, the
    checkpoint holds the state after the step (its transition, its counts)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"step_{model.num_timesteps}"
    atomic_write(stem.with_suffix(".pt"), lambda f: torch.save(model.policy.state_dict(), f))
    optimizer = getattr(model.policy, "optimizer", None)  # a Q-table has none
    state = {"optimizer": optimizer.state_dict() if optimizer else {}, "rng": _rng_state()}
    atomic_write(stem.with_suffix(".resume.pth"), lambda f: torch.save(state, f))
    counters = {k: int(getattr(model, k)) for k in COUNTERS if hasattr(model, k)}
    meta = {"format": CHECKPOINT_FORMAT, "algo": type(model).__name__, "counters": counters}
    if replay.has_replay(model):
        atomic_write(_replay_path(stem), lambda f: replay.write_replay(model, f, step_locals))
        meta["replay"] = _replay_path(stem).name
        if step_locals is not None:  # SB3 counts the step after storing it, as DQN's does
            counters["_n_calls"] += 1
            counters["_episode_num"] += int(np.sum(step_locals["dones"]))
    path = atomic_write_text(stem.with_suffix(".json"), json.dumps(meta, indent=2))
    _remove_older_replays(folder, keep=stem.name)
    return path


def _replay_path(stem: Path) -> Path:
    return stem.with_name(stem.name + replay.SUFFIX)


def _remove_older_replays(folder: Path, keep: str) -> None:
    """Remove every replay buffer but ``keep``'s that its own checkpoint names."""
    for step in checkpoint_steps(folder):
        stem = folder / f"step_{step}"
        if stem.name != keep and _replay_path(stem).is_file() and _own_replay(stem):
            _replay_path(stem).unlink()


def _own_replay(stem: Path) -> bool:
    """Whether ``stem``'s checkpoint (an embedsafe one) names its replay file."""
    try:
        meta = json.loads(stem.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(meta, dict)
        and meta.get("format") == CHECKPOINT_FORMAT
        and meta.get("replay") == _replay_path(stem).name
    )


def checkpoint_steps(folder: Path) -> list[int]:
    """Steps of the complete checkpoints (those with ``step_N.json``) in ``folder``."""
    names = (_STEP.match(p.name) for p in Path(folder).glob("step_*.json"))
    return sorted(int(m.group(1)) for m in names if m)


def load_checkpoint(model, folder: Path) -> int:
    """Restore the newest loadable checkpoint of ``folder`` into ``model`` (same algorithm
    and network); a corrupt one is skipped with a warning. Returns its step. Never
    unpickles: ``step_N.zip`` files (the old format) are not opened."""
    steps = checkpoint_steps(folder)
    if not steps:
        old = sorted(Path(folder).glob("step_*.zip"))
        why = f"; {old[-1].name} is not opened: loading an SB3 .zip unpickles code" if old else ""
        raise ValueError(f"cannot resume: no checkpoints/step_N.json checkpoint in {folder}{why}")
    for step in reversed(steps):
        try:
            meta = _restore(model, Path(folder) / f"step_{step}")
        except ValueError as err:
            warnings.warn(f"skipping checkpoint step_{step}: {err}", stacklevel=2)
            continue
        if replay.has_replay(model):
            _restore_replay(model, Path(folder) / f"step_{step}", meta)
        return step
    raise ValueError(f"cannot resume: every checkpoint in {folder} is corrupt (see warnings)")


def _restore_replay(model, stem: Path, meta: dict) -> None:
    """Refill ``model``'s replay buffer from ``stem``'s; if that fails, warn and let the
    empty buffer collect ``learning_starts`` steps again before the learner trains."""
    path = _replay_path(stem)
    try:
        if meta.get("replay") != path.name:
            raise ValueError("the checkpoint has none (an older embedsafe wrote it)")
        if not path.is_file():
            raise ValueError(f"{path.name} is missing")
        replay.read_replay(model, path)
    except ValueError as err:
        model.learning_starts += model.num_timesteps
        warnings.warn(
            f"replay buffer of {stem.name} not restored: {err}; continuing with an empty "
            f"buffer (no learning before step {model.learning_starts})",
            stacklevel=3,
        )


def _restore(model, stem: Path) -> dict:
    try:
        meta = json.loads(stem.with_suffix(".json").read_text())
        policy = torch.load(stem.with_suffix(".pt"), map_location="cpu", weights_only=True)
        state = torch.load(stem.with_suffix(".resume.pth"), map_location="cpu", weights_only=True)
    except (
        OSError,
        ValueError,
        RuntimeError,
        EOFError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as err:
        raise ValueError(f"unreadable ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"step_N.json is not an {CHECKPOINT_FORMAT} file")
    if meta.get("algo") != type(model).__name__:
        raise ValueError(f"it was written by {meta.get('algo')}, not {type(model).__name__}")
    if not isinstance(policy, dict) or not isinstance(state, dict) or "optimizer" not in state:
        raise ValueError("the weights or the optimizer state are not state dicts")
    try:
        model.policy.load_state_dict(policy)
        if state["optimizer"]:
            model.policy.optimizer.load_state_dict(state["optimizer"])
        _set_rng_state(state.get("rng", {}))
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"does not fit this network: {str(err).splitlines()[0]}") from None
    for key, value in meta.get("counters", {}).items():
        if key in COUNTERS and isinstance(value, int) and value >= 0:
            setattr(model, key, value)
    return meta


def _rng_state() -> dict[str, torch.Tensor]:
    """Torch, numpy and Python global RNG states as tensors (SB3 seeds all three)."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()  # noqa: NPY002 - SB3 seeds it
    version, internal, _ = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(keys.astype(np.int64)),
        "numpy_extra": torch.tensor([pos, has_gauss, gauss], dtype=torch.float64),
        "python": torch.tensor([version, *internal], dtype=torch.int64),
    }


def _set_rng_state(rng: dict[str, torch.Tensor]) -> None:
    if not rng:
        return
    torch.set_rng_state(rng["torch"])
    pos, has_gauss, gauss = rng["numpy_extra"].tolist()
    keys = rng["numpy_keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, int(pos), int(has_gauss), float(gauss)))  # noqa: NPY002
    version, *internal = rng["python"].tolist()
    random.setstate((version, tuple(internal), None))
