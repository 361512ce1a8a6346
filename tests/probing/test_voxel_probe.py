"""Probing a first-person (voxel) agent: frames and wide feature maps are pooled, budgets
scale to the observation, batched steering keeps rows comparable, results are written as
they come, and ``embedsafe probe`` on the voxel reference agent finishes quickly."""

import csv

import numpy as np
import pytest
import torch

from embedsafe.agents import REFERENCE_DIR, reference_names
from embedsafe.cli import main
from embedsafe.probing import load
from embedsafe.probing.capture import obs_features, pool_shape, rollout
from embedsafe.probing.pipeline import Budget, probe_agent
from embedsafe.probing.steering import Edit, ablate_direction, add_direction, behaviours, per_copy


@pytest.fixture(scope="module")
def voxel_agent():
    names = [n for n in reference_names() if n.startswith("TreePunching-Voxel")]
    if not names:
        pytest.skip("no voxel tree-punching reference agent shipped")
    return REFERENCE_DIR / names[-1]


def test_pool_shape_keeps_channels_and_fits_the_cap():
    assert pool_shape((32, 15, 15), 1024) == (32, 5, 5)
    assert pool_shape((64, 4, 4), 1024) is None  # small enough already
    assert pool_shape((3, 64, 64), 1024) == (3, 18, 18)
    assert pool_shape((128,), 16) is None and pool_shape((32, 15, 15), None) is None
    frames = np.random.default_rng(0).integers(0, 255, (5, 64, 64, 3), dtype=np.uint8)
    pooled = obs_features(frames, 768)
    assert pooled.shape == (5, 3 * 16 * 16)
    # a block average: the top-left value is the mean of the top-left 4x4 red pixels
    assert np.isclose(pooled[0, 0], frames[0, :4, :4, 0].mean(), atol=1e-4)


def test_budget_scales_to_the_observation():
    frames, grid = Budget().scaled((64, 64, 3)), Budget().scaled((5, 10, 11))
    assert (frames.episodes, frames.steer_episodes, frames.max_features) == (16, 8, 1024)
    assert (grid.episodes, grid.steer_episodes, grid.max_features) == (64, 64, None)
    assert Budget(episodes=5).scaled((64, 64, 3)).episodes == 5  # given values stay


def test_per_copy_edits_match_the_single_edits():
    rng = np.random.default_rng(0)
    out = torch.as_tensor(rng.standard_normal((6, 2, 3)), dtype=torch.float32)
    d, e = rng.standard_normal(6), rng.standard_normal(6)
    edit = per_copy([Edit(), Edit(add=2 * d), Edit(ablate=e, mean=0.3)], episodes=2, width=6)
    got = edit(out)
    assert torch.equal(got[:2], out[:2])
    assert torch.allclose(got[2:4], add_direction(d, 2.0)(out[2:4]), atol=1e-5)
    assert torch.allclose(got[4:], ablate_direction(e, 0.3)(out[4:]), atol=1e-5)


def test_batched_rows_share_seeds_and_random_numbers(voxel_agent):
    policy = load(voxel_agent)
    rows = behaviours(policy, [Edit(), Edit()], 2, 5, ["logs_broken"], max_steps=12)
    assert rows[0] == rows[1]  # the same episodes, the same draws: identical


def test_pooled_rollout_is_small(voxel_agent):
    policy = load(voxel_agent)
    data = rollout(policy, 2, 0, ["obs", "features_extractor.cnn.1"], 5, max_features=1024)
    assert data.acts["obs"].shape == (10, 3 * 18 * 18)
    assert data.acts["features_extractor.cnn.1"].shape[1] <= 1024
    assert set(data.pooled) == {"obs", "features_extractor.cnn.1"}


def test_results_are_written_before_the_run_ends(voxel_agent, tmp_path, monkeypatch):
    from embedsafe.probing import plots

    def broken(*args, **kwargs):
        raise RuntimeError("stopped at the figures")

    monkeypatch.setattr(plots, "what_when_where", broken)
    budget = Budget(episodes=4, steps=12, steer_episodes=2, n_random=1, alphas=(0.0, 1.0))
    with pytest.raises(RuntimeError, match="stopped at the figures"):
        probe_agent(
            voxel_agent, tmp_path, concept_names=["facing_log"], budget=budget, progress=False
        )
    assert "In progress" in (tmp_path / "report.md").read_text()
    assert {r["concept"] for r in csv.DictReader((tmp_path / "probe.csv").open())} == {"facing_log"}


def test_probe_cli_on_the_voxel_agent(voxel_agent, tmp_path, capsys):
    out = tmp_path / "report"
    argv = [
        "probe",
        str(voxel_agent),
        "--out",
        str(out),
        "--episodes",
        "4",
        "--steps",
        "16",
        "--steer-episodes",
        "2",
        "--no-progress",
        "--concepts",
        "facing_log,airborne",
    ]
    assert main(argv) == 0
    text = (out / "report.md").read_text()
    assert "In progress" not in text and "average-pooled" in text
    for name in (
        "probes.png",
        "what_when_where.png",
        "attribution.png",
        "steering.png",
        "unit.png",
        "probe.csv",
        "steering.csv",
        "ablation.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "probe.csv").open()))
    assert {r["concept"] for r in rows} == {"facing_log", "airborne"}
    assert all(r["unit_auroc"] for r in rows)
