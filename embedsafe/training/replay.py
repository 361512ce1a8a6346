"""A DQN's replay buffer saved beside its checkpoint, so that ``--resume`` continues it.

``checkpoints/step_N.replay.npz`` is a numpy archive of SB3's ``ReplayBuffer``: the filled
rows of ``observations``, ``next_observations``, ``actions`` (for ``dqn-executed``, the
executed ones), ``rewards``, ``dones`` and ``timeouts``, then ``pos`` and ``full``, and
``step_*``: the transition of step N itself, which SB3 stores only after the checkpoint
callback has run. It is read with ``np.load(allow_pickle=False)``, so it holds arrays of
numbers and nothing that runs code. :mod:`embedsafe.training.callbacks` writes it before
``step_N.json`` (which names it) and keeps it for the newest checkpoint only: a voxel
buffer is about 0.5 GB.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

import numpy as np
from stable_baselines3.common.buffers import ReplayBuffer

FORMAT = "embedsafe-replay/1"
SUFFIX = ".replay.npz"
FIELDS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")


def has_replay(model) -> bool:
    """Whether ``model`` learns from a replay buffer that a checkpoint should keep."""
    return isinstance(getattr(model, "replay_buffer", None), ReplayBuffer)


def write_replay(model, fh: IO[bytes], step_locals: dict | None = None) -> None:
    """Write ``model``'s replay buffer to ``fh``; ``step_locals`` (a callback's
    ``locals`` during ``collect_rollouts``) adds the step SB3 has taken but not stored."""
    buffer = model.replay_buffer
    filled = buffer.buffer_size if buffer.full else buffer.pos
    arrays = {field: getattr(buffer, field)[:filled] for field in FIELDS}
    if step_locals is not None:
        row = _step_in_flight(model, step_locals)
        arrays.update({f"step_{field}": getattr(row, field) for field in FIELDS})
    np.savez(fh, format=np.array(FORMAT), pos=np.int64(buffer.pos), full=buffer.full, **arrays)


def _step_in_flight(model, step_locals: dict) -> ReplayBuffer:
    """The transition of the step being checkpointed, in a one-row buffer, stored by the
    learner's own ``_store_transition`` (terminal observations, timeouts, the executed
    action of ``dqn-executed``), which is then undone on the learner."""
    buffer, s = model.replay_buffer, step_locals
    row = ReplayBuffer(
        1,
        buffer.observation_space,
        buffer.action_space,
        device="cpu",
        n_envs=buffer.n_envs,
        handle_timeout_termination=buffer.handle_timeout_termination,
    )
    last = model._last_obs, model._last_original_obs
    args = (s["buffer_actions"], s["new_obs"], s["rewards"], s["dones"], s["infos"])
    model._store_transition(row, *args)
    model._last_obs, model._last_original_obs = last
    return row


def read_replay(model, path: Path) -> None:
    """Fill ``model``'s (empty) replay buffer from ``path``. A ValueError, with the buffer
    left empty, when the file is unreadable, holds pickled objects or does not fit."""
    buffer = model.replay_buffer
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path.name} is not a numpy .npz archive")
    try:
        with np.load(path, allow_pickle=False) as data:
            _fill(buffer, data)
    except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile) as err:
        buffer.reset()
        raise ValueError(_why(err)) from None


class _Unfit(ValueError):
    """A readable replay file that is not this run's buffer."""


def _why(err: Exception) -> str:
    if isinstance(err, _Unfit):
        return str(err)
    if "allow_pickle" in str(err):
        return "it holds pickled Python objects, which are never loaded"
    return f"unreadable ({type(err).__name__}: {str(err)[:200]})"


def _fill(buffer: ReplayBuffer, data) -> None:
    if data["format"].shape != () or str(data["format"]) != FORMAT:
        raise _Unfit(f"it is not an {FORMAT} file")
    pos, full = data["pos"], data["full"]
    if pos.shape != () or pos.dtype.kind not in "iu" or full.shape != () or full.dtype != bool:
        raise _Unfit("its pos and full are not an integer and a bool")
    pos, full = int(pos), bool(full)
    if not 0 <= pos < buffer.buffer_size:
        raise _Unfit(f"its pos={pos} is outside this buffer of {buffer.buffer_size} rows")
    filled = buffer.buffer_size if full else pos
    for field in FIELDS:
        getattr(buffer, field)[:filled] = _checked(data, field, filled, buffer)
    buffer.pos, buffer.full = pos, full
    if "step_observations" in data.files:
        rows = {field: _checked(data, f"step_{field}", 1, buffer) for field in FIELDS}
        for field in FIELDS:
            getattr(buffer, field)[buffer.pos] = rows[field][0]
        buffer.pos = (buffer.pos + 1) % buffer.buffer_size
        buffer.full = buffer.full or buffer.pos == 0


def _checked(data, key: str, rows: int, buffer: ReplayBuffer) -> np.ndarray:
    """``data[key]`` if it has ``rows`` rows of the buffer's field (shape and dtype)."""
    like = getattr(buffer, key.removeprefix("step_"))
    array = data[key]
    want = (rows, *like.shape[1:])
    if array.shape != want or array.dtype != like.dtype:
        raise _Unfit(
            f"its {key} is {array.dtype}{list(array.shape)}, this run's buffer needs "
            f"{like.dtype}{list(want)} (another env, n_envs or buffer_size?)"
        )
    return array
