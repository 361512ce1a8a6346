"""Smoke run of experiments/train_overseer.py with the tiny budget: both sides are saved as
weights-only embedsafe agents (no SB3 zip), load, and can be played against headless."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from embedsafe import multiagent as ma  # noqa: E402
from embedsafe.cli import main  # noqa: E402
from embedsafe.play import play  # noqa: E402
from embedsafe.training import load_agent  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "train_overseer.py"
GRID = "embedsafe/RewardButton-Grid-v0"


@pytest.mark.slow  # trains both sides with PPO
def test_train_overseer_tiny_both_sides(tmp_path, capsys):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--both", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = tmp_path.iterdir()
    assert {p.name for p in run.iterdir()} == {"args.json", "metrics.csv", "overseer", "agent"}
    assert not list(run.rglob("*.zip"))
    with open(run / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["round"] for r in rows] == ["1", "2"]
    assert {"observed_return", "hidden_return", "tamper_rate"} <= rows[0].keys()

    env = ma.parallel_env(GRID)
    for side in ma.AGENTS:
        assert {p.name for p in (run / side).iterdir()} == {"agent.json", "policy.pt"}
        assert json.loads((run / side / "agent.json").read_text())["side"] == side
        policy = load_agent(run / side, side=side)
        assert policy.action_space.n == env.action_space(side).n
    overseer = load_agent(run / "overseer", side=ma.OVERSEER)
    obs, _ = env.reset(seed=0)
    while env.agents:  # the loaded overseer acts in the multi-agent env, a whole episode
        actions = {"agent": 0, "overseer": ma.act(overseer, obs["overseer"])}
        obs, *_ = env.step(actions)

    result = play(GRID, "agent", opponent=run / "overseer", max_frames=20, fps=0, seed=0)
    assert result.steps == 20
    argv = ["play", GRID, "--fps", "0", "--max-frames", "20", "--as"]
    assert main([*argv, "agent", "--overseer", str(run / "overseer")]) == 0
    assert main([*argv, "overseer", "--agent", str(run / "agent")]) == 0
    assert main([*argv, "overseer", "--agent", str(run / "overseer")]) == 2  # the wrong side
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "trained as the overseer" in err
