"""A resumed DQN continues its replay buffer and its exploration schedule.

A resumed run is not bit-identical to one never stopped, by design: ``--resume`` starts
fresh episodes (the envs are seeded ``seed + N``) and the action sampler of epsilon-greedy
is reseeded, so the transitions after step N differ. What is tested equal is the state
the checkpoint holds: the buffer, the counters and epsilon at step N.
"""

from __future__ import annotations

import importlib
import json
import shutil

import numpy as np
import pytest
import torch
from stable_baselines3 import DQN

from embedsafe.training import train
from embedsafe.training.callbacks import SafetyLogger
from embedsafe.training.replay import FIELDS

RB = "embedsafe/RewardButton-Grid-v0"
TINY = {
    "n_envs": 8,
    "env_kwargs": {"max_steps": 20},
    "torch_threads": 1,
    "dqn.learning_starts": 64,
    "dqn.buffer_size": 2000,  # 250 rows of 8: no wrap-around within 1024 steps
    "dqn.batch_size": 32,
}


def _buffer(model) -> dict:
    rb = model.replay_buffer
    return {"pos": rb.pos, "full": rb.full, **{f: getattr(rb, f).copy() for f in FIELDS}}


class Killed(Exception):
    pass


def _dqn_to_512(out, extra: dict | None = None):
    """A tiny DQN run of 512 steps with checkpoints every 256 (the buffer tests' start)."""
    overrides = {**TINY, **(extra or {}), "checkpoint_every": 256}
    return train(RB, out, algo="dqn", overrides=overrides, timesteps=512, progress_bar=False)


def _kill_at(step: int, monkeypatch) -> list:
    """Make ``train`` die at the end of the rollout reaching ``step``, as a kill would
    (after the checkpoint taken mid-step, before the update); returns [the model]."""
    caught = []

    class Kill(SafetyLogger):
        def _on_rollout_end(self) -> None:
            if self.num_timesteps >= step:
                caught.append(self.model)
                raise Killed

    module = importlib.import_module("embedsafe.training.train")  # not the function
    monkeypatch.setattr(module, "SafetyLogger", Kill)
    return caught


@pytest.mark.parametrize("algo, how", [("dqn", "killed"), ("dqn-executed", "finished")])
def test_resume_restores_the_replay_buffer(algo, how, tmp_path, monkeypatch):
    out, budget = tmp_path / "run", 512 if how == "finished" else 1024
    overrides = {**TINY, "checkpoint_every": 256}
    if how == "killed":
        caught = _kill_at(512, monkeypatch)
        with pytest.raises(Killed):
            train(RB, out, algo=algo, overrides=overrides, timesteps=budget, progress_bar=False)
        stopped = caught[0]
        monkeypatch.undo()
    else:
        stopped = train(RB, out, algo=algo, overrides=overrides, timesteps=512, progress_bar=False)
    before = _buffer(stopped)
    assert before["pos"] == 512 // 8 and not before["full"]
    resumed = train(RB, out, timesteps=512, resume=True, progress_bar=False)  # no new steps
    after = _buffer(resumed)
    for key in before:
        assert np.array_equal(before[key], after[key]), key
    for counter in ("num_timesteps", "_n_calls", "_episode_num", "_n_updates"):
        assert getattr(resumed, counter) == getattr(stopped, counter), counter
    weights = resumed.policy.state_dict()
    for name, tensor in stopped.policy.state_dict().items():
        assert torch.equal(tensor, weights[name]), name
    longer = train(RB, out, timesteps=1024, resume=True, progress_bar=False)
    rb = longer.replay_buffer
    assert rb.pos == 1024 // 8
    for field in FIELDS:  # the pre-stop transitions, then new ones
        assert np.array_equal(getattr(rb, field)[:64], before[field][:64]), field
    assert rb.observations[64:].any()


def test_only_the_newest_buffer_is_kept_and_foreign_files_stay(tmp_path):
    out = tmp_path / "run"
    _dqn_to_512(out)
    ckpts = out / "checkpoints"
    assert sorted(p.name for p in ckpts.glob("*.npz")) == ["step_512.replay.npz"]
    assert json.loads((ckpts / "step_512.json").read_text())["replay"] == "step_512.replay.npz"
    shutil.copy(ckpts / "step_512.replay.npz", ckpts / "step_300.replay.npz")  # no json: not ours
    meta = json.loads((ckpts / "step_256.json").read_text())
    (ckpts / "step_256.json").write_text(json.dumps({**meta, "replay": "../../keep.npz"}))
    (out / "keep.npz").write_bytes(b"a user's file")
    train(RB, out, timesteps=768, resume=True, progress_bar=False)
    names = sorted(p.name for p in ckpts.glob("*.npz"))
    assert names == ["step_300.replay.npz", "step_768.replay.npz"]
    assert (out / "keep.npz").read_bytes() == b"a user's file"


def test_resume_continues_the_exploration_schedule(tmp_path, monkeypatch):
    out = tmp_path / "run"
    eps = {"dqn.exploration_fraction": 1.0, "dqn.exploration_final_eps": 0.0}
    _dqn_to_512(out, eps)
    seen = []
    learn = DQN.learn

    def record(self, *args, **kwargs):
        seen.append(self.exploration_rate)
        return learn(self, *args, **kwargs)

    monkeypatch.setattr(DQN, "learn", record)
    train(RB, out, timesteps=1024, resume=True, progress_bar=False)
    assert seen == [pytest.approx(0.5)]  # SB3 alone would take the first step at 0.0


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncate", "is not a numpy .npz archive"),
        ("delete", "step_512.replay.npz is missing"),
        ("older", "an older embedsafe wrote it"),
        ("n_envs", "n_envs"),
    ],
)
def test_bad_buffer_warns_and_starts_empty(damage, message, tmp_path):
    out = tmp_path / "run"
    _dqn_to_512(out)
    path, meta_path = (
        out / "checkpoints" / "step_512.replay.npz",
        out / "checkpoints" / "step_512.json",
    )
    overrides = {}
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "delete":
        path.unlink()
    elif damage == "older":
        meta = json.loads(meta_path.read_text())
        meta_path.write_text(json.dumps({k: v for k, v in meta.items() if k != "replay"}))
    else:
        overrides = {"n_envs": 4}
    with pytest.warns(UserWarning, match="replay buffer of step_512 not restored") as caught:
        model = train(RB, out, timesteps=640, resume=True, overrides=overrides, progress_bar=False)
    (text,) = [str(w.message) for w in caught if "replay buffer" in str(w.message)]
    assert message in text and "empty buffer" in text and "\n" not in text
    assert model.num_timesteps == 640 and model.learning_starts == 512 + 64
    assert model.replay_buffer.pos == 128 // model.n_envs  # only what it collected since


@pytest.mark.parametrize("algo", ["q-learning", "sarsa"])
def test_tabular_resume_continues_the_exploration_schedule(algo, tmp_path, monkeypatch):
    from embedsafe.training.tabular import TabularLearner

    out = tmp_path / "run"
    knobs = {"n_envs": 8, "tabular.n_steps": 16, "checkpoint_every": 512,
             "tabular.exploration_fraction": 1.0, "tabular.exploration_final_eps": 0.0}  # fmt: skip
    train(RB, out, algo=algo, timesteps=512, overrides=knobs, progress_bar=False)
    seen = []
    step = TabularLearner._step

    def record(self, *args, **kwargs):
        seen.append(self._epsilon())
        return step(self, *args, **kwargs)

    monkeypatch.setattr(TabularLearner, "_step", record)
    train(RB, out, timesteps=1024, resume=True, progress_bar=False)
    assert seen[0] == pytest.approx(0.5)  # where the schedule is, not its start (1.0)
