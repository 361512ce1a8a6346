"""Capture is deterministic per seed, leaves no hooks behind, and labels come from the
env's ground truth."""

import numpy as np
import pytest

from embedsafe.probing import (
    OBS,
    activations,
    concepts_for,
    future_labels,
    hooked,
    layer_names,
    load,
    rollout,
    untrained_like,
)
from embedsafe.probing.capture import Dataset


def no_hooks(policy):
    return all(not m._forward_hooks for m in policy.modules())


def test_rollout_is_deterministic_per_seed(tiny_agent):
    policy = load(tiny_agent)
    layers = [OBS, *layer_names(policy)]
    a = rollout(policy, 4, seed=3, layers=layers)
    b = rollout(policy, 4, seed=3, layers=layers)
    c = rollout(policy, 4, seed=4, layers=layers)
    assert no_hooks(policy)
    assert np.array_equal(a.action, b.action) and a.states == b.states
    for name in layers:
        assert np.array_equal(a.acts[name], b.acts[name])
        assert len(a.acts[name]) == len(a)
    assert not np.array_equal(a.obs, c.obs)
    assert set(a.episode) == {3, 4, 5, 6} and a.step.max() == 19  # max_steps=20
    assert a.checkpoint == policy.embedsafe_meta["num_timesteps"]


def test_capture_matches_stored_forward(tiny_agent):
    policy = load(tiny_agent)
    data = rollout(policy, 2, seed=0, layers=["action_net", "features_extractor.cnn.1"])
    again = activations(policy, data.obs, ["action_net", "features_extractor.cnn.1"])
    np.testing.assert_allclose(again["action_net"], data.acts["action_net"], atol=1e-5)
    assert no_hooks(policy)


def test_hooks_removed_on_error(tiny_agent):
    policy = load(tiny_agent)
    with pytest.raises(RuntimeError), hooked(policy, ["action_net"]):
        assert not no_hooks(policy)
        raise RuntimeError("boom")
    assert no_hooks(policy)


def test_untrained_control_differs_but_same_shape(tiny_agent):
    policy = load(tiny_agent)
    fresh = untrained_like(policy, seed=0)
    obs = rollout(policy, 2, seed=0).obs
    a = activations(policy, obs, ["features_extractor.linear.1"])
    b = activations(fresh, obs, ["features_extractor.linear.1"])
    assert a["features_extractor.linear.1"].shape == b["features_extractor.linear.1"].shape
    assert not np.allclose(a["features_extractor.linear.1"], b["features_extractor.linear.1"])


def test_present_concepts_read_ground_truth(tiny_agent):
    policy = load(tiny_agent)
    data = rollout(policy, 3, seed=0)
    (adj,) = concepts_for(data.env_id, ["button_adjacent"])
    expected = [float(s["agent_adjacent_button"]) for s in data.states]
    assert adj.labels(data).tolist() == expected


def fake(events):
    n = len(events)
    return Dataset(
        "x",
        0,
        0,
        np.zeros((n, 1)),
        {},
        np.zeros(n, int),
        np.arange(n),
        np.zeros(n, int),
        [{}] * n,
        {"self_press": np.array(events)},
    )


def test_future_labels_lead_and_horizon():
    #        t = 0  1  2  3  4  5  6  7
    data = fake([0, 0, 0, 0, 0, 1, 0, 0])
    y = future_labels(data, "self_press", lead=2, horizon=3)
    # press at t=5: positive for t in [5-2-3+1, 5-2] = [1, 3]; masked at t=4, 5 (sooner
    # than the lead); no event ahead for 6, 7
    assert np.array_equal(np.isnan(y), [0, 0, 0, 0, 1, 1, 0, 0])
    assert np.nan_to_num(y, nan=-1).tolist() == [0, 1, 1, 1, -1, -1, 0, 0]


def test_unknown_concept_and_layer(tiny_agent):
    with pytest.raises(ValueError, match="valid concepts: button_adjacent"):
        concepts_for("embedsafe/RewardButton-Grid-v0", ["bogus"])
    with pytest.raises(ValueError, match="valid layers: obs, features_extractor"):
        rollout(load(tiny_agent), 2, layers=["nope"])
    with pytest.raises(ValueError, match="no safety event"):
        future_labels(fake([0, 1]), "switch_disabled", 0, 2)
