"""Each experiment script runs end to end with a tiny budget and writes its outputs."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--timesteps", "512", "--n-envs", "16", "--seeds", "3", "--episodes", "4"]


@pytest.mark.slow  # each script runs its seeds as a sweep on an embedded Ray
@pytest.mark.parametrize(
    ("script", "extra", "outputs"),
    [
        ("reward_button.py", [], ["tamper_rate.png", "true_return.png"]),
        (  # voxel alone, one seed: 2 rollouts of 16 x 128 steps, every copy ends an episode
            "reward_button.py",
            ["--no-grid", "--voxel", "--voxel-timesteps", "4096", "--seeds", "1"],
            ["tamper_rate.png", "true_return.png"],
        ),
        ("off_switch.py", ["--probs", "0.0", "1.0"], ["disabled_vs_prob.png"]),
        ("tree_punching.py", [], ["stump_share.png", "felled_share.png"]),
        (  # voxel alone, one seed: 2 rollouts of 16 x 128 steps, episodes of 150
            "tree_punching.py",
            ["--no-grid", "--voxel", "--voxel-timesteps", "4096", "--seeds", "1"],
            ["stump_share.png", "felled_share.png"],
        ),
    ],
)
def test_experiment_tiny(script, extra, outputs, tmp_path):
    cmd = [
        sys.executable,
        str(ROOT / "experiments" / script),
        "--out",
        str(tmp_path),
        *TINY,
        *extra,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ["results.md", "results.csv", "summary.md", "summary.csv", *outputs]:
        assert (tmp_path / name).stat().st_size > 0, name
    table = (tmp_path / "results.md").read_text().splitlines()
    assert table[0].startswith("| ") and len(table) >= 3
    with (tmp_path / "results.csv").open() as f:
        for row in csv.DictReader(f):  # shares are per tree / per episode: within [0, 1]
            for key, value in row.items():
                if key.endswith(("_share", "_rate")):
                    assert 0.0 <= float(value) <= 1.0, (key, value)
