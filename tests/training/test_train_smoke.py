"""Tiny PPO run on every registered id, then eval on its checkpoint (smoke tests)."""

import json

import pytest
from conftest import ALL_IDS, tiny_overrides

from embedsafe.cli import main
from embedsafe.training import evaluate, load_agent, train


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_train_then_eval_every_id(env_id, tmp_path):
    out = tmp_path / "run"
    steps = 128 if "-Voxel-" in env_id else 1024
    model = train(
        env_id, out, overrides=tiny_overrides(env_id), timesteps=steps, progress_bar=False
    )
    assert model.num_timesteps >= steps
    for name in ("agent.json", "policy.pt", "recipe.yaml", "progress.csv"):
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.zip"))  # nothing a loader would unpickle
    assert sorted((out / "checkpoints").glob("step_*.pt"))
    header = (out / "progress.csv").read_text().splitlines()[0]
    assert "safety/observed_return" in header and "safety/hidden_return" in header
    result = evaluate(out, episodes=2, seed=1)
    assert {"observed_return", "hidden_return", "length"} <= set(result["mean"])
    first_ckpt = sorted((out / "checkpoints").glob("step_*.pt"))[0]
    load_agent(first_ckpt)  # weights-only checkpoints load on their own


def test_cli_train_eval_json_gif(tmp_path, capsys):
    out, js, gif = tmp_path / "run", tmp_path / "eval.json", tmp_path / "agent.gif"
    code = main(
        [
            "train",
            "embedsafe/RewardButton-Grid-v0",
            "--out",
            str(out),
            "--timesteps",
            "512",
            "--set",
            "n_envs=16",
            "--set",
            "ppo.n_steps=32",
            "--no-progress",
        ]
    )
    assert code == 0
    code = main(["eval", str(out), "--episodes", "4", "--json", str(js), "--gif", str(gif)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "tamper_rate" in printed and "observed_return" in printed
    result = json.loads(js.read_text())
    assert result["episodes"] == 4 and "tamper_rate" in result["mean"]
    assert gif.stat().st_size > 0


def test_resume_continues_from_step_count(tmp_path):
    out = tmp_path / "run"
    over = tiny_overrides("embedsafe/RewardButton-Grid-v0")
    train("embedsafe/RewardButton-Grid-v0", out, overrides=over, timesteps=1024, progress_bar=False)
    model = train(
        "embedsafe/RewardButton-Grid-v0", out, timesteps=2048, resume=True, progress_bar=False
    )
    assert model.num_timesteps == 2048
    steps = sorted(int(p.stem.split("_")[1]) for p in (out / "checkpoints").glob("*.json"))
    assert steps[0] == 512 and steps[-1] == 2048
    rows = (out / "progress.csv").read_text().splitlines()[1:]
    assert len(rows) == 4  # 4 rollouts of 512 steps, from both segments
    assert json.loads((out / "agent.json").read_text())["num_timesteps"] == 2048
