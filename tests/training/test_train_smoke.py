"""Tiny PPO run on every registered id, then eval on its checkpoint (smoke tests)."""

import json

import pytest
from tiny_recipe import ALL_IDS, tiny_overrides

from embedsafe.cli import main
from embedsafe.training import evaluate, load_agent, train


@pytest.mark.slow  # trains PPO (fast suite: pytest; everything: pytest -m slow)
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


@pytest.mark.slow  # trains PPO (fast suite: pytest; everything: pytest -m slow)
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


@pytest.mark.slow  # trains PPO (fast suite: pytest; everything: pytest -m slow)
@pytest.mark.parametrize("algo", ["ppo", "a2c", "dqn", "q-learning"])
def test_checkpoint_round_trip_every_learner_family(algo, tmp_path):
    """Weights, optimizer state and counters come back exactly, without unpickling."""
    import torch

    from embedsafe.training.callbacks import load_checkpoint, save_checkpoint
    from embedsafe.training.train import _resume

    env_id = "embedsafe/RewardButton-Grid-v0"
    over = {"n_envs": 8, "checkpoint_every": 10**6, "env_kwargs": {"max_steps": 20}}
    model = train(
        env_id, tmp_path / "run", algo=algo, overrides=over, timesteps=256, progress_bar=False
    )
    save_checkpoint(model, tmp_path / "ckpt")
    again, _, start, _ = _resume(tmp_path / "run", env_id, {})
    assert start == model.num_timesteps == again.num_timesteps
    assert load_checkpoint(again, tmp_path / "ckpt") == start
    for key, value in model.policy.state_dict().items():
        assert torch.equal(value, again.policy.state_dict()[key]), key
    optimizer = getattr(model.policy, "optimizer", None)
    if optimizer is not None:
        saved, loaded = optimizer.state_dict(), again.policy.optimizer.state_dict()
        assert saved.keys() == loaded.keys()
        for index, slots in saved.get("state", {}).items():
            for name, value in slots.items():
                assert torch.equal(
                    torch.as_tensor(value), torch.as_tensor(loaded["state"][index][name])
                ), (index, name)
    assert getattr(again, "_n_updates", 0) == getattr(model, "_n_updates", 0)
