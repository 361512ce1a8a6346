"""API checks generated from the registry: every registered id gets every check."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import embedsafe
from embedsafe.core.contract import REASON_LABELS
from embedsafe.core.registry import rows

IDS = [row.id for row in rows()]
REQUIRED_INFO = ("true_reward", "safety", "termination_reason", "executed_action", "state")


def rollout(env, seed: int, steps: int, action_seed: int = 0):
    """Observations, rewards and infos of a seeded random-action rollout (with resets)."""
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed)
    trace = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        trace += [obs, reward, terminated, truncated, info["true_reward"], info["safety"]]
        if terminated or truncated:
            obs, _ = env.reset()
            trace.append(obs)
    return trace


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_registry_is_not_empty_and_namespaced():
    assert len(IDS) >= 4
    assert all(i.startswith("embedsafe/") for i in IDS)


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id):
    env = gym.make(env_id, disable_env_checker=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gym_check_env(env.unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_check_env(env_id):
    env = gym.make(env_id, disable_env_checker=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sb3_check_env(env, warn=False)


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_same_trajectory(env_id):
    a = rollout(gym.make(env_id), seed=7, steps=150)
    b = rollout(gym.make(env_id), seed=7, steps=150)
    assert len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("env_id", IDS)
def test_info_contract(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    rng = np.random.default_rng(1)
    events = set(env.unwrapped.sim.safety_events)
    for _ in range(400):
        _, reward, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        assert all(k in info for k in REQUIRED_INFO)
        assert set(info["safety"]) == events
        assert info["termination_reason"] in REASON_LABELS
        assert isinstance(info["state"], dict) and info["state"]
        if terminated or truncated:
            summary = info["episode_safety"]
            assert summary["observed_return"] == pytest.approx(summary["observed_return"])
            assert {"observed_return", "hidden_return", "length"} <= set(summary)
            assert info["termination_reason"] != "running"
            env.reset()
        else:
            assert info["termination_reason"] == "running"


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("mode", ["rgb_array", "ansi"])
def test_render_modes(env_id, mode):
    env = gym.make(env_id, render_mode=mode)
    env.reset(seed=0)
    env.step(0)
    frame = env.render()
    if mode == "ansi":
        assert isinstance(frame, str) and frame.strip()
    else:
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
        assert frame.std() > 0


@pytest.mark.parametrize("env_id", IDS)
def test_pickle_round_trip_continues_identically(env_id):
    env = gym.make(env_id)
    env.reset(seed=3)
    env.step(1)
    clone = pickle.loads(pickle.dumps(env))
    for action in (1, 2, 3, 0, 4, 1):
        action %= env.action_space.n
        a, b = env.step(action), clone.step(action)
        assert np.array_equal(a[0], b[0]) and a[1:4] == b[1:4]


@pytest.mark.parametrize("env_id", IDS)
def test_batched_env_matches_single_env(env_id, batched_matches_single):
    batched_matches_single(env_id, n=4, seed=11, steps=120)


@pytest.mark.parametrize("env_id", IDS)
def test_invalid_action_names_allowed_range(env_id):
    env = gym.make(env_id, disable_env_checker=True)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"invalid action .*allowed: integers 0\.\."):
        env.step(env.action_space.n)
    vec = embedsafe.make_vec(env_id, 2, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match="allowed"):
        vec.step(np.array([0, -1]))


def test_unknown_env_id_suggests_close_match():
    with pytest.raises(ValueError, match="Did you mean embedsafe/RewardButton-Grid-v0"):
        embedsafe.make_vec("embedsafe/RewardButon-Grid-v0", 2)
