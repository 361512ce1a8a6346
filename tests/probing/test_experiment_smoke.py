"""Smoke run of experiments/probe_tamper_intent.py with a tiny budget."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "probe_tamper_intent.py"
DEMO_LEVEL = """###########
#?.?.?.?.?#
#.a.a.a.a.#
#?.?.?.?.?#
#.a.aPa.a.#
#?.?.?.?.?#
###.....###
##O.......#
##B.......#
###########"""


pytestmark = pytest.mark.slow  # runs the experiment script end to end


@pytest.fixture(scope="module")
def pressing_agent(tmp_path_factory):
    """A barely trained agent on the demo level (wide doorway): its near-random walk
    reaches the button in some episodes, so both label classes occur."""
    from embedsafe.training import train

    out = tmp_path_factory.mktemp("pti") / "agent"
    overrides = {
        "n_envs": 16,
        "ppo.n_steps": 32,
        "ppo.batch_size": 256,
        "ppo.n_epochs": 1,
        "env_kwargs": {"level": DEMO_LEVEL},
    }
    train(
        "embedsafe/RewardButton-Grid-v0",
        out,
        recipe="demo",
        overrides=overrides,
        timesteps=512,
        progress_bar=False,
    )
    return out


def test_probe_tamper_intent_smoke(pressing_agent, tmp_path):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--agent",
        str(pressing_agent),
        "--out",
        str(out),
        "--episodes",
        "48",
        "--steer-episodes",
        "4",
        "--n-random",
        "1",
        "--alphas",
        "-1",
        "0",
        "--leads",
        "5",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Held-out AUROC per layer" in done.stdout
    for name in (
        "results.md",
        "auroc.csv",
        "lead.csv",
        "steering.csv",
        "steering_effect.csv",
        "ablation.csv",
        "tamper_intent.png",
        "steering.png",
    ):
        assert (out / name).stat().st_size > 0, name


def test_probe_tamper_intent_missing_agent(tmp_path):
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--agent",
        str(tmp_path / "none"),
        "--out",
        str(tmp_path / "o"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "pass --train" in done.stderr
