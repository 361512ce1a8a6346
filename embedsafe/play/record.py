"""Recordings of played episodes: one compressed ``.npz`` per session, dataset-friendly.

Steps of all episodes are concatenated along the first axis (``T`` steps in all, ``E``
episodes). Plain numpy arrays only (``np.load(path)`` works without pickle):

=====================  ==============  ==================================================
key                    shape, dtype    meaning
=====================  ==============  ==================================================
``obs``                (T, *obs) uint8 observation both agents acted on at step t
``agent_actions``      (T,) int64      action of ``agent``
``overseer_actions``   (T,) int64      action of ``overseer``
``executed_actions``   (T,) int64      agent action the world applied (``executed_action``)
``rewards``            (T,) float32    observed reward (the agent's)
``true_rewards``       (T,) float32    true reward (the overseer's)
``terminated``         (T,) bool       episode ended in the world (goal, shutdown...)
``truncated``          (T,) bool       time limit
``dones``              (T,) bool       terminated or truncated
``reasons``            (T,) str        ``termination_reason`` after step t
``episode``            (T,) int32      episode index of step t
``step``               (T,) int32      time index of step t within its episode
``safety_<event>``     (T,) int32      per-step count of each safety event
``episode_seeds``      (E,) int64      seed the episode was reset with
``episode_lengths``    (E,) int32      steps recorded in the episode
``episode_complete``   (E,) bool       False if the player restarted or quit mid-episode
``final_obs``          (E, *obs) uint8 observation after the episode's last step
``meta``               () str          JSON: format, env_id, knobs, human role, opponent,
                                       action names of both agents, safety event names,
                                       per-episode ``episode_safety`` aggregates
=====================  ==============  ==================================================

``next_obs`` of step t is ``obs[t + 1]`` within an episode and ``final_obs[e]`` at its end
(:meth:`Recording.next_obs`). Load with :func:`load_recording`.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedsafe.core.files import atomic_write

FORMAT = "embedsafe-recording-v1"
_STEP_KEYS = {  # key -> dtype
    "agent_actions": np.int64,
    "overseer_actions": np.int64,
    "executed_actions": np.int64,
    "rewards": np.float32,
    "true_rewards": np.float32,
    "terminated": bool,
    "truncated": bool,
    "reasons": str,
    "episode": np.int32,
    "step": np.int32,
}


class Recorder:
    """Collects steps as they are played; :meth:`save` writes the ``.npz``."""

    def __init__(self, env_id: str, safety_events: tuple[str, ...], meta: dict[str, Any]):
        self.env_id, self.safety_events, self.meta = env_id, tuple(safety_events), dict(meta)
        self.steps: dict[str, list] = {k: [] for k in (*_STEP_KEYS, "obs")}
        self.safety: dict[str, list[int]] = {k: [] for k in self.safety_events}
        self.episodes: list[dict[str, Any]] = []
        self._open = False

    def begin_episode(self, seed: int) -> None:
        if self._open:
            raise RuntimeError("end_episode() the running episode before beginning another")
        self.episodes.append(
            {
                "seed": int(seed),
                "length": 0,
                "complete": False,
                "final_obs": None,
                "episode_safety": None,
            }
        )
        self._open = True

    def add(
        self,
        obs: np.ndarray,
        actions: dict[str, int],
        reward: float,
        info: dict[str, Any],
        terminated: bool,
        truncated: bool,
    ) -> None:
        """One step: ``obs`` is what the agents saw before acting; ``info`` is the step's
        info dict (the contract of docs/scenarios.md)."""
        ep = self.episodes[-1]
        row = {
            "agent_actions": actions["agent"],
            "overseer_actions": actions["overseer"],
            "executed_actions": info["executed_action"],
            "rewards": reward,
            "true_rewards": info["true_reward"],
            "terminated": terminated,
            "truncated": truncated,
            "reasons": info["termination_reason"],
            "episode": len(self.episodes) - 1,
            "step": ep["length"],
            "obs": obs,
        }
        for key, value in row.items():
            self.steps[key].append(value)
        for name in self.safety_events:
            self.safety[name].append(int(info["safety"].get(name, 0)))
        ep["length"] += 1
        if "episode_safety" in info:
            ep["episode_safety"] = info["episode_safety"]

    def end_episode(self, final_obs: np.ndarray, complete: bool) -> None:
        if not self._open:
            return
        ep = self.episodes[-1]
        ep["final_obs"], ep["complete"] = np.asarray(final_obs), bool(complete)
        self._open = False

    def save(self, path: str | Path, obs_shape: tuple[int, ...], obs_dtype=np.uint8) -> Path:
        """Write the recording (an open episode is closed as incomplete first)."""
        eps = [e for e in self.episodes if e["final_obs"] is not None]
        arrays: dict[str, np.ndarray] = {
            key: np.asarray(vals, dtype=dtype) if vals else np.zeros(0, dtype)
            for key, dtype in _STEP_KEYS.items()
            for vals in [self.steps[key]]
        }
        arrays["reasons"] = arrays["reasons"].astype("U16")
        arrays["obs"] = (
            np.stack(self.steps["obs"])
            if self.steps["obs"]
            else np.zeros((0, *obs_shape), obs_dtype)
        )
        arrays["dones"] = arrays["terminated"] | arrays["truncated"]
        for name, vals in self.safety.items():
            arrays[f"safety_{name}"] = np.asarray(vals, np.int32)
        arrays["episode_seeds"] = np.array([e["seed"] for e in eps], np.int64)
        arrays["episode_lengths"] = np.array([e["length"] for e in eps], np.int32)
        arrays["episode_complete"] = np.array([e["complete"] for e in eps], bool)
        arrays["final_obs"] = (
            np.stack([e["final_obs"] for e in eps]) if eps else np.zeros((0, *obs_shape), obs_dtype)
        )
        meta = {
            "format": FORMAT,
            "env_id": self.env_id,
            "safety_events": list(self.safety_events),
            "episode_safety": [e["episode_safety"] for e in eps],
            **self.meta,
        }
        arrays["meta"] = np.array(json.dumps(meta))
        # A file handle keeps numpy from appending ".npz"; the temporary name and rename keep
        # the previous save whole if this one is cut short.
        return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays))


def check_record_path(path: str | Path, force: bool = False) -> Path:
    """``path`` if a recording may be written there: its folder exists, it is not a
    directory, and it does not exist yet (unless ``force``). A ValueError otherwise, so
    a bad ``--record`` is refused before anything is played."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"--record {path} is a directory; give a file name, e.g. {path}/me.npz")
    if not path.parent.is_dir():
        raise ValueError(f"--record {path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise ValueError(f"--record {path} already exists; pass --force to overwrite it")
    return path


@dataclass
class Recording:
    """A loaded recording: ``arrays`` (the keys of the module table) and ``meta``."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    @property
    def env_id(self) -> str:
        return self.meta["env_id"]

    @property
    def num_steps(self) -> int:
        return len(self.arrays["rewards"])

    @property
    def num_episodes(self) -> int:
        return len(self.arrays["episode_seeds"])

    def episode(self, e: int) -> dict[str, np.ndarray]:
        """Every per-step array of episode ``e`` (plus ``final_obs`` and ``seed``)."""
        mask = self.arrays["episode"] == e
        steps = {
            k: v[mask]
            for k, v in self.arrays.items()
            if v.ndim >= 1 and len(v) == self.num_steps and k != "episode_seeds"
        }
        return {
            **steps,
            "final_obs": self.arrays["final_obs"][e],
            "seed": int(self.arrays["episode_seeds"][e]),
        }

    def next_obs(self) -> np.ndarray:
        """The observation after each step, ``(T, *obs)``."""
        obs, ep = self.arrays["obs"], self.arrays["episode"]
        nxt = np.empty_like(obs)
        nxt[:-1] = obs[1:]
        last = np.ones(len(ep), bool)
        last[:-1] = ep[1:] != ep[:-1]
        nxt[last] = self.arrays["final_obs"][ep[last]]
        return nxt


def load_recording(path: str | Path) -> Recording:
    """Read a recording written by :class:`Recorder` (a clear error for anything else)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a readable .npz recording: {err}") from None
    if not isinstance(arrays, dict) or "meta" not in arrays:
        raise ValueError(f"{path} is not an embedsafe recording (no 'meta' entry)")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: its 'meta' entry is not JSON: {err}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(
            f"{path}: unsupported recording format "
            f"{meta.get('format') if isinstance(meta, dict) else meta!r}; "
            f"expected {FORMAT!r}"
        )
    return Recording(arrays, meta)
