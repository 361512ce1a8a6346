"""Errors a person can fix are clear, one-line messages."""

import csv
import json
import shutil

import pytest
import torch
from tiny_recipe import tiny_overrides

from embedsafe.cli import main
from embedsafe.training import RunDirExists, evaluate, load_agent, train
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


def test_set_reads_numbers_as_numbers():
    # YAML 1.1 alone reads 1e-3 (no dot) as the string "1e-3"
    got = parse_set(["ppo.learning_rate=1e-3", "n_envs=8", "algo=ppo", "network.channels=[8]"])
    assert got == {"ppo.learning_rate": 1e-3, "n_envs": 8, "algo": "ppo", "network.channels": [8]}
    assert load_recipe("grid", got)["ppo"]["learning_rate"] == 1e-3


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


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("torch_threads=0", "'torch_threads' must be >= 1"),
        ("ppo.n_steps=0", "'ppo.n_steps' must be >= 1"),
        ("ppo.batch_size=0", "'ppo.batch_size' must be >= 2"),
        ("network.channels=[-1]", "'network.channels' must list positive integer"),
        ("network.net_arch={pi: [0]}", "'network.net_arch' must list positive integer"),
        ("ppo.gamma=.nan", "'ppo.gamma' must be a finite number"),
        ("ppo.gamma=1.5", "'ppo.gamma' must be >= 0 and <= 1"),
        ("ppo.learning_rate=.inf", "'ppo.learning_rate' must be a finite number"),
        ("ppo.learning_rate=0", "'ppo.learning_rate' must be > 0"),
    ],
)
def test_recipe_values_out_of_range(item, message, tmp_path, capsys):
    with pytest.raises(ValueError, match=message):
        load_recipe("grid", parse_set([item]))
    out = tmp_path / "run"
    assert main(["train", RB, "--out", str(out), "--set", item, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message.split("'")[1] in err
    assert not out.exists()


def test_out_naming_a_file(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert main(["train", RB, "--out", str(target), "--no-progress"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "mine"


def test_force_keeps_what_embedsafe_did_not_write(tiny_run, tmp_path, capsys, monkeypatch):
    run = shutil.copytree(tiny_run, tmp_path / "run")
    (run / "paper.tex").write_text("\\section{mine}")
    argv = ["train", RB, "--out", str(run), "--force", "--timesteps", "512", "--no-progress"]
    assert main(argv) == 2
    assert "paper.tex" in capsys.readouterr().err
    assert (run / "paper.tex").is_file() and (run / "policy.pt").is_file()
    mine = tmp_path / "mine"  # no recipe.yaml: not a run at all
    mine.mkdir()
    (mine / "data.csv").write_text("1,2")
    assert main(["train", RB, "--out", str(mine), "--force", "--no-progress"]) == 2
    assert (mine / "data.csv").is_file()
    monkeypatch.chdir(mine)  # --out . never empties the working directory
    assert main(["train", RB, "--out", ".", "--force", "--no-progress"]) == 2
    assert "working directory" in capsys.readouterr().err
    assert (mine / "data.csv").is_file()


def test_force_validates_before_deleting(tiny_run, tmp_path, capsys):
    run = shutil.copytree(tiny_run, tmp_path / "run")
    before = sorted(p.name for p in run.rglob("*"))
    for bad in (["--set", "env_kwargs.no_such_knob=1"], ["--set", "ppo.n_steps=0"]):
        assert main(["train", RB, "--out", str(run), "--force", "--no-progress", *bad]) == 2
        assert "no_such_knob" in capsys.readouterr().err or "n_steps" in str(bad)
        assert sorted(p.name for p in run.rglob("*")) == before


def test_force_replaces_a_run(tiny_run, tmp_path):
    run = shutil.copytree(tiny_run, tmp_path / "run")
    train(RB, run, overrides=tiny_overrides(RB), timesteps=512, force=True, progress_bar=False)
    assert json.loads((run / "agent.json").read_text())["num_timesteps"] == 512
    assert sorted(p.name for p in (run / "checkpoints").glob("*.json")) == ["step_512.json"]


def test_demo_asks_for_force(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path), "--timesteps", "64"]) == 2
    assert "--force" in capsys.readouterr().err
    (tmp_path / "demo.png").write_bytes(b"an older plot")
    assert main(["demo", "--out", str(tmp_path), "--timesteps", "64"]) == 2
    assert "demo.png" in capsys.readouterr().err
    assert (tmp_path / "run" / "keep.txt").is_file()


@pytest.mark.slow  # trains twice
def test_resume_skips_a_corrupt_checkpoint_and_keeps_history(tmp_path):
    out = tmp_path / "run"
    train(RB, out, overrides=tiny_overrides(RB), timesteps=1024, progress_bar=False)
    (out / "checkpoints" / "step_1024.pt").write_bytes(b"")  # a write cut short
    with pytest.warns(UserWarning, match="skipping checkpoint step_1024"):
        model = train(RB, out, timesteps=1536, resume=True, progress_bar=False)
    assert model.num_timesteps == 1536
    train(RB, out, timesteps=2048, resume=True, progress_bar=False)
    with (out / "progress.csv").open() as f:
        steps = [int(float(r["time/total_timesteps"])) for r in csv.DictReader(f)]
    assert steps == [512, 1024, 1536, 2048]  # each step once, the first stretch kept


def test_killed_run_can_be_evaluated(tmp_path):
    out = tmp_path / "run"

    def kill(_row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(
            RB,
            out,
            overrides=tiny_overrides(RB),
            timesteps=4096,
            progress_bar=False,
            on_window=kill,
        )
    assert json.loads((out / "agent.json").read_text())["num_timesteps"] == 512
    assert evaluate(out, episodes=2)["episodes"] == 2
    assert evaluate(out / "checkpoints" / "step_512.pt", episodes=2)["num_timesteps"] == 512


@pytest.mark.parametrize("meta", [[1, 2], "agent", None])
def test_agent_json_not_an_object(meta, tmp_path, capsys):
    (tmp_path / "agent.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="must hold a JSON object"):
        load_agent(tmp_path)
    assert main(["eval", str(tmp_path)]) == 2
    assert "JSON object" in capsys.readouterr().err


def test_nan_weights(tiny_run, tmp_path, capsys):
    agent = tmp_path / "agent"
    agent.mkdir()
    shutil.copy(tiny_run / "agent.json", agent)
    state = torch.load(tiny_run / "policy.pt", weights_only=True)
    state[next(iter(state))][0] = float("nan")
    torch.save(state, agent / "policy.pt")
    with pytest.raises(ValueError, match="NaN or infinite"):
        load_agent(agent)
    for argv in (["eval", str(agent)], ["probe", str(agent), "--out", str(tmp_path / "p")]):
        assert main([*argv, "--episodes", "4"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "NaN or infinite" in err


def test_eval_refuses_endless_episodes(tiny_run, tmp_path, capsys):
    agent = shutil.copytree(tiny_run, tmp_path / "agent")
    meta = json.loads((agent / "agent.json").read_text())
    meta["env_kwargs"] = {**meta["env_kwargs"], "max_steps": 10**12}
    (agent / "agent.json").write_text(json.dumps(meta))
    assert main(["eval", str(agent), "--episodes", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "max_steps" in err
