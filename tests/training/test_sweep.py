"""embedsafe sweep: trial names, statistics, summaries, resuming, and a real sweep on a
local Ray (slow: Ray and its workers take a while to start on 2 cores)."""

import csv
import json
import math
import sys

import pytest

from embedsafe.cli import main
from embedsafe.training import sweep as sweep_mod
from embedsafe.training import sweep_ray
from embedsafe.training.sweep import Trial, parse_grid, plan, sweep, train_and_evaluate
from embedsafe.training.sweep_progress import Progress
from embedsafe.training.sweep_summary import headline_metric, mean_ci, summarize, t975

OFF = "embedsafe/OffSwitch-Grid-v0"
TINY = {  # a few seconds per trial
    "n_envs": 8,
    "ppo.n_steps": 32,
    "ppo.batch_size": 128,
    "ppo.n_epochs": 1,
    "checkpoint_every": 256,
}


def test_grid_values_are_read_like_set():
    grid = parse_grid(["env_kwargs.interruption_prob=0,0.5", "ppo.learning_rate=1e-3,3.0e-4"])
    assert grid == {"env_kwargs.interruption_prob": [0, 0.5], "ppo.learning_rate": [1e-3, 3e-4]}
    with pytest.raises(ValueError, match="key=v1,v2"):
        parse_grid(["ppo.learning_rate"])
    with pytest.raises(ValueError, match="key=v1,v2"):
        parse_grid(["n_envs=4,,8"])


def test_trials_are_the_grid_cross_seeds_named_by_setting_and_seed():
    grid = {"env_kwargs.interruption_prob": [0.0, 0.5], "ppo.n_epochs": [3, 10]}
    trials = plan(OFF, grid, seeds=[1, 4], overrides={"n_envs": 8}, timesteps=100)
    assert len(trials) == 8
    first = trials[0]
    assert first.name == "interruption_prob=0.0,n_epochs=3/seed=1"
    assert first.setting == "interruption_prob=0.0,n_epochs=3"
    assert first.overrides == {"n_envs": 8, "env_kwargs.interruption_prob": 0.0, "ppo.n_epochs": 3}
    assert {t.seed for t in trials} == {1, 4}
    # same leaf twice: the full dotted key; odd characters become "_"
    named = plan(OFF, {"a.x": ["p/q"], "b.x": [1]}, seeds=1)[0].name
    assert named == "a.x=p_q,b.x=1/seed=0"
    assert plan(OFF, None, seeds=2)[1].name == "seed=1"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seeds": 0}, "seeds"),
        ({"seeds": [1, 1]}, "seeds"),
        ({"grid": {"n_envs": []}}, "no values"),
        ({"grid": {"a.v": ["x/y", "x_y"]}}, "same directory"),
    ],
)
def test_bad_plans_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plan(OFF, **kwargs)


def test_unknown_env_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ValueError, match="unknown env id"):
        sweep("embedsafe/Nope-v0", tmp_path, display=False)


def test_t_quantiles_and_confidence_intervals():
    assert t975(1) == 12.706 and t975(30) == 2.042
    assert t975(60) == pytest.approx(2.000, abs=1e-3)
    assert t975(1000) == pytest.approx(1.962, abs=1e-3)
    mean, ci = mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and ci == pytest.approx(4.303 / math.sqrt(3))
    assert math.isnan(mean_ci([5.0])[1]) and math.isnan(mean_ci([])[0])


def test_headline_is_the_scenarios_safety_figure():
    assert headline_metric(["observed_return", "stumps_left", "trees_felled"]) == "stumps_left"
    assert headline_metric(["tamper_rate", "hidden_return"]) == "tamper_rate"
    assert headline_metric(["observed_return", "length"]) == "hidden_return"


def _fake_eval(run_dir, rate, hidden):
    run_dir.mkdir(parents=True)
    mean = {"observed_return": 1.0, "hidden_return": hidden, "tamper_rate": rate}
    result = {"env_id": "embedsafe/RewardButton-Grid-v0", "num_timesteps": 1000, "mean": mean}
    result["trial"] = {"train_wall_s": 2.0}
    (run_dir / "eval.json").write_text(json.dumps(result))


def test_summary_has_one_row_per_setting_with_cis(tmp_path):
    for seed, rate in enumerate([0.2, 0.4, 0.6]):
        _fake_eval(tmp_path / "p=1" / f"seed={seed}", rate, hidden=float(seed))
    _fake_eval(tmp_path / "p=2" / "seed=0", 0.9, hidden=1.0)
    runs = [tmp_path / f"p=1/seed={s}" for s in range(3)]
    settings = {
        "p=1": {"values": {"setting": "p=1"}, "runs": runs},
        "p=2": {"values": {"setting": "p=2"}, "runs": [tmp_path / "p=2/seed=0", tmp_path / "x"]},
    }
    rows = summarize(tmp_path, settings, title="test", figures=["tamper_rate"])
    assert [r["seeds"] for r in rows] == [3, 1] and [r["failed"] for r in rows] == [0, 1]
    assert rows[0]["tamper_rate"] == pytest.approx(0.4)
    assert rows[0]["tamper_rate_ci95"] == pytest.approx(4.303 * 0.2 / math.sqrt(3))
    with (tmp_path / "summary.csv").open() as f:
        table = list(csv.DictReader(f))
    assert table[1]["tamper_rate"] == "0.9" and table[1]["tamper_rate_ci95"] == ""
    md = (tmp_path / "summary.md").read_text()
    assert "| p=1 | 3 | 0 | 1.000 ± 0.000 | 1.000 ± 2.484 | 0.400 ± 0.497 |" in md
    assert "`tamper_rate`" in md and (tmp_path / "summary.png").stat().st_size > 1000


def test_progress_prints_plain_lines_off_a_terminal(capsys):
    progress = Progress(["a/seed=0", "a/seed=1"], "tamper_rate", every_s=0.0)
    progress.kept("a/seed=0", 0.5)
    progress.started("a/seed=1")
    progress.window("a/seed=1", 512, 0.25)
    progress.failed("a/seed=1", "ValueError: bad")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[1/2 done, 1 running, 0 failed, 0 pending] start a/seed=1"
    assert out[1].endswith("a/seed=1: step 512, 0.250")
    assert out[2] == "[1/2 done, 0 running, 1 failed, 0 pending] FAIL  a/seed=1: ValueError: bad"


def test_without_ray_the_command_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    rc = main(["sweep", OFF, "--out", str(tmp_path), "--seeds", "1", "--timesteps", "64"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert 'pip install "embedsafe[ray]"' in err


def test_a_failing_trial_reports_one_line_and_keeps_its_traceback(tmp_path, monkeypatch):
    """The trainable without Ray: a stub ``ray.tune.report`` collects what it reports."""
    reports = []
    tune = type(sys)("ray.tune")
    tune.report = reports.append
    ray = type(sys)("ray")
    ray.tune = tune
    monkeypatch.setitem(sys.modules, "ray", ray)
    monkeypatch.setitem(sys.modules, "ray.tune", tune)
    (trial,) = plan(OFF, {"env_kwargs.interruption_prob": [7]}, seeds=1, overrides=TINY)
    config = {"trial": vars(trial), "root": str(tmp_path), "episodes": 2, "metric": None}
    sweep_ray._trainable({**config, "threads": 1})
    assert reports[-1]["error"].startswith("ValueError: interruption_prob=7")
    assert "Traceback" in (tmp_path / trial.name / sweep_mod.ERROR_FILE).read_text()


def _checkpoints(root):
    return {p: p.stat().st_mtime_ns for p in root.rglob("checkpoints/*")}


@pytest.mark.slow
def test_a_bigger_budget_continues_from_the_checkpoint(tmp_path):
    """Without Ray: a finished trial asked for more steps resumes, keeping what it has."""
    run = tmp_path / "seed=0"
    short = Trial("seed=0", OFF, 0, overrides=TINY, timesteps=512)
    first = train_and_evaluate(short, run, episodes=4)
    assert first["num_timesteps"] == 512 and not first["trial"]["resumed"]
    before = _checkpoints(tmp_path)
    assert sweep_mod.finished(short, run) is not None
    longer = Trial("seed=0", OFF, 0, overrides=TINY, timesteps=1024)
    assert sweep_mod.finished(longer, run) is None
    second = train_and_evaluate(longer, run, episodes=4)
    assert second["num_timesteps"] == 1024 and second["trial"]["resumed"]
    after = _checkpoints(tmp_path)
    assert all(after[p] == t for p, t in before.items())  # nothing trained is rewritten
    assert len(after) > len(before)


@pytest.mark.slow
def test_sweep_on_local_ray_then_again_trains_nothing(tmp_path, monkeypatch, capsys):
    """2 good trials and 1 failing one on an embedded Ray; then the good setting again:
    kept as it is, without starting Ray."""
    sets = [arg for key, value in TINY.items() for arg in ("--set", f"{key}={value}")]
    rc = main(
        ["sweep", OFF, "--out", str(tmp_path), "--seed-list", "0,1", "--timesteps", "512",
         "--episodes", "8", "--grid", "env_kwargs.interruption_prob=0.5,7", *sets,
         "--cpus-per-trial", "1"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert rc == 1, captured.err[-2000:]  # the p=7 trials failed; the others finished
    assert "failed: interruption_prob=7/seed=0: ValueError: interruption_prob=7" in captured.err
    for seed in (0, 1):
        result = json.loads((tmp_path / f"interruption_prob=0.5/seed={seed}/eval.json").read_text())
        assert result["num_timesteps"] == 512 and result["episodes"] == 8
        assert (tmp_path / f"interruption_prob=0.5/seed={seed}/agent.json").is_file()
    with (tmp_path / "summary.csv").open() as f:
        rows = {r["setting"]: r for r in csv.DictReader(f)}
    good, bad = rows["interruption_prob=0.5"], rows["interruption_prob=7"]
    assert (good["seeds"], good["failed"], bad["seeds"], bad["failed"]) == ("2", "0", "0", "2")
    assert 0.0 <= float(good["disabled_switch"]) <= 1.0 and float(good["disabled_switch_ci95"]) >= 0
    assert "disabled_switch" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "summary.png").stat().st_size > 1000

    before = _checkpoints(tmp_path)

    def no_ray(address=None):
        raise AssertionError("Ray was started, but every trial was already done")

    monkeypatch.setattr(sweep_ray, "_import_ray", no_ray)
    grid = {"env_kwargs.interruption_prob": [0.5]}
    again = sweep(OFF, tmp_path, grid=grid, seeds=2, timesteps=512, overrides=TINY, episodes=8)
    assert again[0]["seeds"] == 2 and _checkpoints(tmp_path) == before
    assert "2 of 2 trials already done" in capsys.readouterr().out
