"""Voxel training speed, the rollout buffer: frames kept channels last give PPO the
minibatches SB3's buffer gives, value for value, for the same seed; PPO and A2C on frames
use it, symbolic grids keep SB3's."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.buffers import RolloutBuffer

import embedsafe
from embedsafe.training import learners
from embedsafe.training.buffers import FrameRolloutBuffer
from embedsafe.training.recipe import load_recipe

SPACE = gym.spaces.Box(0, 255, (3, 12, 10), np.uint8)  # what SB3's buffer sees: channels first
ACTIONS = gym.spaces.Discrete(11)


def filled(cls, steps: int = 6, envs: int = 4) -> RolloutBuffer:
    """A buffer of ``cls`` after ``steps`` adds of the same random rollout, fed as SB3's
    ``VecTransposeImage`` feeds it: channels-first views of channels-last frames."""
    rng = np.random.default_rng(0)
    buffer = cls(steps, SPACE, ACTIONS, "cpu", gae_lambda=0.95, gamma=0.99, n_envs=envs)
    for _ in range(steps):
        drawn = rng.integers(0, 256, (envs, 12, 10, 3), dtype=np.uint8)
        buffer.add(
            drawn.transpose(0, 3, 1, 2),
            rng.integers(0, 11, (envs, 1)),
            rng.random(envs).astype(np.float32),
            rng.random(envs) < 0.2,
            torch.from_numpy(rng.standard_normal((envs, 1), np.float32)),
            torch.from_numpy(rng.standard_normal(envs, np.float32)),
        )
    buffer.compute_returns_and_advantage(torch.zeros(envs), np.zeros(envs, bool))
    return buffer


@pytest.mark.parametrize("batch_size", [5, 24, None])
def test_same_minibatches_as_sb3(batch_size):
    batches = []
    for cls in (RolloutBuffer, FrameRolloutBuffer):
        buffer = filled(cls)
        np.random.seed(3)  # noqa: NPY002 - SB3's buffer shuffles with numpy's global RNG
        batches.append([b for _ in range(2) for b in buffer.get(batch_size)])  # 2 epochs
    assert len(batches[0]) == len(batches[1]) > 0
    for sb3, ours in zip(*batches, strict=True):
        for field in sb3._fields:
            want, got = getattr(sb3, field), getattr(ours, field)
            assert got.dtype == want.dtype and torch.equal(got, want), field
        assert ours.observations.dtype == torch.uint8
        assert ours.observations.is_contiguous(memory_format=torch.channels_last)
        assert not sb3.observations.is_contiguous(memory_format=torch.channels_last)


def test_frames_stored_channels_last():
    buffer = filled(FrameRolloutBuffer)
    assert buffer.observations.shape == (6, 4, *SPACE.shape)
    assert buffer.observations.base is not None  # a view of (steps, envs, H, W, C) frames
    assert buffer.observations.transpose(0, 1, 3, 4, 2).flags.c_contiguous


@pytest.mark.parametrize(
    "env_id,recipe,frames",
    [
        ("embedsafe/TreePunching-Voxel-v1", "voxel", True),
        ("embedsafe/TreePunching-Voxel-v1", "a2c-voxel", True),
        ("embedsafe/RewardButton-Grid-v0", "grid", False),  # symbolic planes: SB3's, unchanged
    ],
)
def test_learners_keep_frames_as_drawn(env_id, recipe, frames):
    rec = learners.resolve(load_recipe(recipe, {"n_envs": 2}), None, env_id)
    model = learners.build(rec, embedsafe.make_vec(env_id, 2, seed=0), 0, env_id)
    assert type(model.rollout_buffer) is (FrameRolloutBuffer if frames else RolloutBuffer)
