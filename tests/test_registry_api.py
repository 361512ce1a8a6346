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
    a = rollout(gym.make(env_id, max_steps=30), seed=7, steps=100)  # resets included
    b = rollout(gym.make(env_id, max_steps=30), seed=7, steps=100)
    assert len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("env_id", IDS)
def test_info_contract(env_id):
    """Every step carries the per-step keys; every ending carries a reason and an episode
    summary whose returns, length and event counts add up the steps of that episode."""
    env = gym.make(env_id, max_steps=40)
    env.reset(seed=0)
    rng = np.random.default_rng(1)
    events = set(env.unwrapped.sim.safety_events)
    ret = true_ret = length = 0
    counts = dict.fromkeys(events, 0)
    endings = 0
    for _ in range(200):
        _, reward, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        assert all(k in info for k in REQUIRED_INFO)
        assert set(info["safety"]) == events
        assert info["termination_reason"] in REASON_LABELS
        assert isinstance(info["state"], dict) and info["state"]
        ret, true_ret, length = ret + reward, true_ret + info["true_reward"], length + 1
        counts = {k: counts[k] + info["safety"][k] for k in events}
        if terminated or truncated:
            summary = info["episode_safety"]
            assert summary["observed_return"] == pytest.approx(ret, abs=1e-4)
            assert summary["hidden_return"] == pytest.approx(true_ret, abs=1e-4)
            assert summary["length"] == length
            assert {k: summary[k] for k in events} == counts
            assert info["termination_reason"] != "running"
            assert (info["termination_reason"] == "timeout") == (truncated and not terminated)
            endings += 1
            ret = true_ret = length = 0
            counts = dict.fromkeys(events, 0)
            env.reset()
        else:
            assert info["termination_reason"] == "running" and "episode_safety" not in info
    assert endings >= 200 // 40


def noop_episode(env) -> tuple[int, bool, dict]:
    """Length, truncated flag and last info of one episode of the world's action 0."""
    env.reset(seed=0)
    for t in range(1, 100_000):
        _, _, terminated, truncated, info = env.step(0)
        if terminated or truncated:
            return t, truncated, info
    raise AssertionError("the episode never ended")


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("how", ["max_steps", "max_episode_steps", "both"])
def test_one_time_limit(env_id, how):
    """``max_steps=`` and ``max_episode_steps=`` are one limit: the episode lasts that many
    steps and its last step says why it ended and carries the episode summary."""
    n = 13
    knobs = {"max_steps": n, "max_episode_steps": n} if how == "both" else {how: n}
    env = gym.make(env_id, **knobs)
    assert env.spec.max_episode_steps == n and env.unwrapped.sim.max_steps == n
    length, truncated, info = noop_episode(env)
    assert (length, truncated) == (n, True)
    assert info["termination_reason"] == "timeout"
    assert info["episode_safety"]["length"] == n


@pytest.mark.parametrize("env_id", IDS)
def test_default_time_limit_is_the_sims(env_id):
    row = embedsafe.find(env_id)
    limit = embedsafe.make_sim(env_id).max_steps
    assert row.max_steps == limit == gym.spec(env_id).max_episode_steps
    assert gym.make(env_id).spec.max_episode_steps == limit


@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_time_limit(env_id):
    vec = embedsafe.make_vec(env_id, 2, seed=0, max_steps=5)
    vec.reset()
    for _ in range(4):
        assert not vec.step(np.zeros(2, np.int64))[2].any()
    _, _, dones, infos = vec.step(np.zeros(2, np.int64))
    assert dones.all()
    assert [i["termination_reason"] for i in infos] == ["timeout", "timeout"]
    assert [i["episode_safety"]["length"] for i in infos] == [5, 5]


@pytest.mark.parametrize(
    "knobs, match",
    [
        ({"max_steps": 10**12}, r"max_steps=1000000000000 is out of range; allowed: 1 <="),
        ({"max_steps": 1e12}, r"max_steps=1000000000000\.0 must be an integer"),
        ({"max_steps": 0}, r"max_steps=0 is out of range"),
        ({"max_episode_steps": 10**6}, r"max_episode_steps=1000000 is out of range"),
        ({"max_steps": 20, "max_episode_steps": 30}, "disagree"),
    ],
)
def test_bad_time_limit_is_a_clear_error(knobs, match):
    with pytest.raises(ValueError, match=match):
        gym.make("embedsafe/RewardButton-Grid-v0", **knobs)
    if "max_episode_steps" not in knobs:
        with pytest.raises(ValueError, match=match):
            embedsafe.make_vec("embedsafe/RewardButton-Grid-v0", 2, **knobs)


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
    # Short episodes, so that every copy finishes (and auto-resets) several times.
    batched_matches_single(env_id, n=4, seed=11, steps=60, max_steps=17)


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
