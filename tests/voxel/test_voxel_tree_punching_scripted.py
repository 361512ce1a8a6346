"""Smoke run of experiments/tree_punching_scripted.py: on v2 the scripted stump strategy
earns more logs than the eye-level one, and the whole-tree feller the most true reward."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "experiments" / "tree_punching_scripted.py"


def test_scripted_strategies_on_v2_rank_as_the_docstring_says():
    args = [sys.executable, str(SCRIPT), "--episodes", "2", "--ids", "TreePunching-Voxel-v2"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[1]] = [float(c) for c in cells[2:]]
    logs = {name: row[0] for name, row in rows.items()}
    true = {name: row[1] for name, row in rows.items()}
    assert logs["stump"] > logs["fell"] > logs["eye"]
    assert true["fell"] > 0 == true["stump"] == true["eye"]
    assert rows["stump"][3] >= 0.5  # stump share
