"""Voxel training speed, the threads: a frame CNN that shares each batch out among threads
computes the features and parameter gradients of the whole batch (to float rounding), the
same bits on every run; small batches and grid CNNs are left whole."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from embedsafe.training import parallel
from embedsafe.training.networks import FrameCNN, GridCNN, policy_kwargs
from embedsafe.training.recipe import load_recipe

FRAMES = gym.spaces.Box(0, 255, (3, 64, 64), np.uint8)


def cnn(threads: int) -> FrameCNN:
    torch.manual_seed(0)
    return FrameCNN(FRAMES, features_dim=32, channels=(8, 16, 16), threads=threads)


def batch(n: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randint(0, 256, (n, *FRAMES.shape), generator=generator).float() / 255


def features_and_grads(net: FrameCNN, x: torch.Tensor):
    net.zero_grad()
    features = net(x)
    (features * torch.linspace(-1, 1, features.shape[1])).sum().backward()
    return features.detach(), [p.grad.clone() for p in net.parameters()]


@pytest.mark.parametrize("threads", [2, 3])
def test_parts_give_the_whole_batch_result(threads):
    x = batch(threads * parallel.MIN_PART + 5)  # uneven parts
    want, want_grads = features_and_grads(cnn(1), x)
    got, got_grads = features_and_grads(cnn(threads), x)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    for g, w in zip(got_grads, want_grads, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
    again, again_grads = features_and_grads(cnn(threads), x)  # deterministic: same bits
    assert torch.equal(again, got) and all(map(torch.equal, again_grads, got_grads))


def test_parts_run_on_other_threads(monkeypatch):
    used, each = [], parallel._each

    def counted(fn, items):
        used.append(len(items))
        return each(fn, items)

    monkeypatch.setattr(parallel, "_each", counted)
    x = batch(2 * parallel.MIN_PART)
    features_and_grads(cnn(2), x)  # forward and backward, both in 2 parts
    with torch.no_grad():
        cnn(2)(x)  # a rollout's forward pass of a big batch: 2 parts
        cnn(2)(x[:16])  # a small batch: whole
    assert used == [2, 2, 2]


def test_no_grad_forward_matches():
    x = batch(2 * parallel.MIN_PART)
    with torch.no_grad():
        torch.testing.assert_close(cnn(2)(x), cnn(1)(x), rtol=1e-5, atol=1e-6)


def test_forked_child_makes_its_own_pool(monkeypatch):
    """A forked child has none of its parent's pool threads, so it starts its own."""
    parent = parallel._pool()
    assert parallel._pool() is parent
    monkeypatch.setattr(parallel.os, "getpid", lambda: -1)  # as in a child after fork
    child = parallel._pool()
    assert child is not parent and parallel._pool() is child
    x = batch(2 * parallel.MIN_PART)
    with torch.no_grad():
        torch.testing.assert_close(cnn(2)(x), cnn(1)(x), rtol=1e-5, atol=1e-6)


def test_recipe_threads_reach_the_frame_cnn_only():
    network = load_recipe("voxel", {"network.threads": 2})["network"]
    assert policy_kwargs(network, FRAMES)["features_extractor_kwargs"]["threads"] == 2
    assert "threads" not in policy_kwargs({"kind": "frame"}, FRAMES)["features_extractor_kwargs"]
    planes = gym.spaces.Box(0, 1, (6, 9, 9), np.uint8)
    assert policy_kwargs({"kind": "grid"}, planes)["features_extractor_class"] is GridCNN
    with pytest.raises(ValueError, match="network.threads applies to frame CNNs"):
        policy_kwargs({"kind": "grid", "threads": 2}, planes)
    with pytest.raises(ValueError, match="threads >= 1"):
        FrameCNN(FRAMES, threads=0)
