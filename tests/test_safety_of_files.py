"""Files a user is sent are data, never code: one crafted file per door, and a marker file
its payload would create if anything unpickled it."""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
import zipfile

import numpy as np
import pytest
import torch
import yaml
from tiny_recipe import tiny_overrides

from embedsafe.cli import main

GRID = "embedsafe/RewardButton-Grid-v0"
TINY = tiny_overrides(GRID)


@pytest.fixture(scope="module")
def _tiny_run(tmp_path_factory):
    from embedsafe.training import train

    out = tmp_path_factory.mktemp("runs") / "rb"
    train(GRID, out, overrides=TINY, timesteps=1024, progress_bar=False)
    return out


@pytest.fixture
def tiny_run_dir(_tiny_run, tmp_path):
    """A fresh copy of one tiny run, for tests that plant files in it."""
    return shutil.copytree(_tiny_run, tmp_path / "run")


class Payload:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def crafted_sb3_zip(path, marker):
    """An SB3-style model zip whose ``data`` entry carries a pickled payload (SB3's
    ``load`` unpickles every ``:serialized:`` value of it)."""
    blob = base64.b64encode(pickle.dumps(Payload(marker))).decode()
    data = {"policy_class": {":type:": "<class 'abc.ABCMeta'>", ":serialized:": blob}}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data", json.dumps(data))
        zf.writestr("_stable_baselines3_version", "2.0.0")
    return path


def crafted_pt(path, marker):
    """A ``torch.save`` file whose pickle runs the payload on a plain ``torch.load``."""
    torch.save({"policy": Payload(marker)}, path)
    return path


def crafted_npz(path, marker, like=None):
    """A numpy archive (the arrays of ``like``, if given) whose ``observations`` is an
    object array: ``np.load(allow_pickle=True)`` unpickles it and runs the payload."""
    arrays = dict(np.load(like, allow_pickle=False)) if like else {}
    arrays["observations"] = np.array([Payload(marker)], dtype=object)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def test_the_crafted_files_are_live(tmp_path):
    """The doors below are tested with files that really do run code when unpickled."""
    from stable_baselines3 import PPO

    with pytest.raises(Exception):  # noqa: B017 - whatever SB3 says after the payload ran
        PPO.load(crafted_sb3_zip(tmp_path / "m.zip", tmp_path / "zip-ran"), device="cpu")
    assert (tmp_path / "zip-ran").exists()
    torch.load(crafted_pt(tmp_path / "m.pt", tmp_path / "pt-ran"), weights_only=False)
    assert (tmp_path / "pt-ran").exists()
    with np.load(crafted_npz(tmp_path / "r.npz", tmp_path / "npz-ran"), allow_pickle=True) as f:
        f["observations"]
    assert (tmp_path / "npz-ran").exists()


def test_play_agent_zip_is_refused(tmp_path, capsys):
    marker = tmp_path / "MARKER"
    zip_path = crafted_sb3_zip(tmp_path / "agent.zip", marker)
    code = main(["play", GRID, "--as", "overseer", "--agent", str(zip_path), "--max-frames", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "unpickles" in err and "Traceback" not in err
    assert not marker.exists()


def test_resume_never_unpickles(tmp_path, tiny_run_dir):
    from embedsafe.training import train

    marker = tmp_path / "MARKER"
    ckpts = tiny_run_dir / "checkpoints"
    for path in ckpts.iterdir():
        path.unlink()
    crafted_sb3_zip(ckpts / "step_512.zip", marker)  # the old full-state format
    with pytest.raises(ValueError, match="unpickles"):
        train(GRID, tiny_run_dir, resume=True, timesteps=1024, progress_bar=False)
    crafted_pt(ckpts / "step_512.pt", marker)  # the weights-only format, but crafted
    crafted_pt(ckpts / "step_512.resume.pth", marker)
    (ckpts / "step_512.json").write_text(
        json.dumps({"format": "embedsafe-checkpoint/1", "algo": "PPO", "counters": {}})
    )
    with (
        pytest.warns(UserWarning, match="skipping checkpoint step_512"),
        pytest.raises(ValueError, match="every checkpoint .* is corrupt"),
    ):
        train(GRID, tiny_run_dir, resume=True, timesteps=1024, progress_bar=False)
    assert not marker.exists()


def test_resume_never_unpickles_a_replay_buffer(tmp_path):
    from embedsafe.training import train

    out, marker = tmp_path / "dqn", tmp_path / "MARKER"
    tiny = {"n_envs": 8, "env_kwargs": {"max_steps": 20}, "dqn.learning_starts": 64}
    train(GRID, out, algo="dqn", overrides=tiny, timesteps=512, progress_bar=False)
    path = out / "checkpoints" / "step_512.replay.npz"
    crafted_npz(path, marker, like=path)
    with pytest.warns(UserWarning, match="pickled Python objects, which are never loaded"):
        model = train(GRID, out, resume=True, timesteps=512, progress_bar=False)
    assert not marker.exists() and model.replay_buffer.pos == 0


def test_eval_crafted_weights(tmp_path, tiny_run_dir, capsys):
    marker = tmp_path / "MARKER"
    crafted_pt(tiny_run_dir / "policy.pt", marker)
    assert main(["eval", str(tiny_run_dir), "--episodes", "1"]) == 2
    assert "corrupt" in capsys.readouterr().err
    assert not marker.exists()


def test_agent_json_cannot_point_outside(tmp_path, tiny_run_dir, capsys):
    meta = json.loads((tiny_run_dir / "agent.json").read_text())
    outside = tmp_path / "elsewhere.pt"
    outside.write_bytes((tiny_run_dir / "policy.pt").read_bytes())
    for weights in ("../elsewhere.pt", str(outside)):
        (tiny_run_dir / "agent.json").write_text(json.dumps({**meta, "weights": weights}))
        assert main(["eval", str(tiny_run_dir), "--episodes", "1"]) == 2
        err = capsys.readouterr().err
        assert "outside the agent's directory" in err and "Traceback" not in err


def test_recording_with_objects_is_refused(tmp_path):
    from embedsafe.play import load_recording

    marker = tmp_path / "MARKER"
    path = tmp_path / "rec.npz"
    np.savez(path, obs=np.array([Payload(marker)], dtype=object), meta=np.array("{}"))
    with pytest.raises(ValueError, match="not a readable .npz recording"):
        load_recording(path)
    assert not marker.exists()


@pytest.mark.parametrize("door", ["recipe", "keys"])
def test_yaml_tags_are_refused(tmp_path, door, capsys):
    marker = tmp_path / "MARKER"
    path = tmp_path / "evil.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(path.read_text())
    if door == "recipe":
        argv = ["train", GRID, "--out", str(tmp_path / "run"), "--recipe", str(path)]
    else:
        argv = ["play", GRID, "--keys", str(path), "--max-frames", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err and "Traceback" not in err
    assert not marker.exists()
