"""Errors a person can fix are clear, one-line messages."""

import json

import pytest
import torch
from conftest import tiny_overrides

from embedsafe.cli import main
from embedsafe.training import RunDirExists, load_agent, train
from embedsafe.training.recipe import load_recipe, parse_set

RB = "embedsafe/RewardButton-Grid-v0"


def test_unknown_env_id(tmp_path):
    with pytest.raises(ValueError, match="unknown env id"):
        train("embedsafe/NoSuchEnv-v0", tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_cli_unknown_env_id_is_one_line(tmp_path, capsys):
    assert main(["train", "embedsafe/NoSuchEnv-v0", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "unknown env id" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ppo.lr": 1e-3}, "unknown key 'ppo.lr'"),
        ({"n_envs": "many"}, "'n_envs' must be int"),
        ({"ppo.gamma": "high"}, "'ppo.gamma' must be"),
        ({"ppo": 3}, "'ppo' must be a mapping"),
        ({"n_timesteps": 0}, "'n_timesteps' must be >= 1"),
    ],
)
def test_malformed_recipe(overrides, message):
    with pytest.raises(ValueError, match=message):
        load_recipe("grid", overrides)


def test_malformed_recipe_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("n_envs: [1, 2\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_recipe(bad)
    with pytest.raises(ValueError, match="unknown recipe"):
        load_recipe("no-such-recipe")
    with pytest.raises(ValueError, match="expected key=value"):
        parse_set(["n_envs"])


def test_existing_run_dir_is_not_overwritten(tiny_run):
    before = (tiny_run / "policy.pt").read_bytes()
    with pytest.raises(RunDirExists, match="--resume"):
        train(RB, tiny_run, timesteps=512, progress_bar=False)
    assert (tiny_run / "policy.pt").read_bytes() == before


def test_corrupt_checkpoint(tiny_run, tmp_path):
    bad = tmp_path / "agent"
    bad.mkdir()
    (bad / "agent.json").write_text((tiny_run / "agent.json").read_text())
    (bad / "policy.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="corrupt"):
        load_agent(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_agent(tmp_path / "missing")


def test_mismatched_checkpoint(tiny_run, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    meta = json.loads((tiny_run / "agent.json").read_text())
    (other / "agent.json").write_text(json.dumps({**meta, "env_id": "embedsafe/OffSwitch-Grid-v0"}))
    (other / "policy.pt").write_bytes((tiny_run / "policy.pt").read_bytes())
    with pytest.raises(ValueError, match="was trained on observations"):
        load_agent(other)
    state = torch.load(tiny_run / "policy.pt", weights_only=True)
    state.pop(next(iter(state)))
    torch.save(state, other / "policy.pt")
    (other / "agent.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="do not fit the network"):
        load_agent(other)


def test_resume_without_run(tmp_path):
    with pytest.raises(ValueError, match="cannot resume"):
        train(RB, tmp_path / "empty", resume=True, overrides=tiny_overrides(RB))
