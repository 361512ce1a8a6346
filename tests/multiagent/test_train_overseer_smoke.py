"""Smoke run of experiments/train_overseer.py with the tiny budget."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "train_overseer.py"


@pytest.mark.slow  # trains both sides with PPO
def test_train_overseer_tiny_both_sides(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--both", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = tmp_path.iterdir()
    files = {p.name for p in run.iterdir()}
    assert {"args.json", "metrics.csv", "overseer.zip", "agent.zip"} <= files
    with open(run / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["round"] for r in rows] == ["1", "2"]
    assert {"observed_return", "hidden_return", "tamper_rate"} <= rows[0].keys()
