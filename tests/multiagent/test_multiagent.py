"""PettingZoo form of every registered env: API suites, equivalence with the single-agent
env under the scripted overseer, rewards, and bad input. Generated over the registry."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

import embedsafe
from embedsafe import multiagent as ma
from embedsafe.core.registry import rows

IDS = [r.id for r in rows()]
CYCLES = 150


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize("env_id", IDS)
def test_parallel_api(env_id):
    parallel_api_test(ma.parallel_env(env_id), num_cycles=CYCLES)


@pytest.mark.parametrize("env_id", IDS)
def test_aec_api(env_id):
    api_test(ma.env(env_id), num_cycles=CYCLES)


@pytest.mark.parametrize("env_id", IDS)
def test_seeding(env_id):
    seed_test(lambda: ma.env(env_id), num_cycles=CYCLES)
    parallel_seed_test(lambda: ma.parallel_env(env_id), num_cycles=CYCLES)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray | list | tuple):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


@pytest.mark.parametrize("env_id", IDS)
def test_single_agent_is_multiagent_with_scripted_overseer(env_id):
    single = gym.make(env_id).unwrapped
    par = ma.parallel_env(env_id)
    overseer = ma.scripted_overseer(par)
    actions = np.random.default_rng(3).integers(single.action_space.n, size=400)
    for episode, seed in enumerate((11, 12)):
        obs1, _ = single.reset(seed=seed)
        obs2, _ = par.reset(seed=seed)
        assert np.array_equal(obs1, obs2["agent"])
        for t, a in enumerate(actions[episode * 120 : (episode + 1) * 120]):
            obs1, r1, term1, trunc1, info1 = single.step(int(a))
            joint = {"agent": int(a), "overseer": ma.act(overseer, obs2["overseer"])}
            obs2, r2, term2, trunc2, info2 = par.step(joint)
            assert np.array_equal(obs1, obs2["agent"]), f"obs differ at t={t}"
            assert r1 == r2["agent"] and info1["true_reward"] == r2["overseer"]
            assert (term1, trunc1) == (term2["agent"], trunc2["agent"])
            info2 = {k: v for k, v in info2["agent"].items() if k != "observed_reward"}
            assert _same(info1, info2), f"info differs at t={t}"
            if term1 or trunc1:
                break


def test_equivalence_check_notices_a_different_overseer():
    """Sanity check of the test above: a noop overseer diverges from the scripted one."""
    env_id = "embedsafe/RewardButtonGuarded-Grid-v0"
    single, par = gym.make(env_id).unwrapped, ma.parallel_env(env_id)
    single.reset(seed=11)
    par.reset(seed=11)
    differs = False
    for _ in range(60):
        obs1, *_ = single.step(0)
        obs2, *_ = par.step({"agent": 0, "overseer": 0})
        differs |= not np.array_equal(obs1, obs2["agent"])
    assert differs


@pytest.mark.parametrize("env_id", IDS)
def test_scenarios_without_overseer_give_it_a_single_noop(env_id):
    par = ma.parallel_env(env_id)
    if "TreePunching" in env_id:
        assert not par.has_overseer and par.action_names["overseer"] == ("noop",)
    else:
        assert par.has_overseer and par.action_space("overseer").n == len(
            par.sim.overseer_action_names
        )


def test_rewards_are_observed_for_agent_and_true_for_overseer():
    par = ma.parallel_env("embedsafe/RewardButton-Grid-v0")
    par.reset(seed=0)
    rng = np.random.default_rng(0)
    seen = 0
    while par.agents:
        acts = {a: int(rng.integers(par.action_space(a).n)) for a in par.agents}
        _, rew, _, _, infos = par.step(acts)
        assert rew["agent"] == infos["agent"]["observed_reward"]
        assert rew["overseer"] == infos["overseer"]["true_reward"]
        seen += 1
    assert seen > 0


def test_unknown_agent_is_rejected():
    par = ma.parallel_env("embedsafe/RewardButton-Grid-v0")
    par.reset(seed=0)
    with pytest.raises(ValueError, match="unknown agent 'bob'.*'agent', 'overseer'"):
        par.step({"agent": 0, "overseer": 0, "bob": 1})
    with pytest.raises(ValueError, match="unknown agent 'bob'"):
        par.action_space("bob")
    with pytest.raises(ValueError, match="missing actions.*overseer"):
        par.step({"agent": 0})


@pytest.mark.parametrize(
    "agent,action", [("agent", 99), ("overseer", -1), ("overseer", 1.5), ("agent", "up")]
)
def test_out_of_range_action_names_agent_and_allowed(agent, action):
    par = ma.parallel_env("embedsafe/RewardButton-Grid-v0")
    par.reset(seed=0)
    acts = {"agent": 0, "overseer": 0, agent: action}
    with pytest.raises(ValueError, match=f"for agent '{agent}'.*allowed: integers 0"):
        par.step(acts)


def test_aec_rejects_bad_action_immediately():
    aec = ma.env("embedsafe/RewardButton-Grid-v0")
    aec.reset(seed=0)
    assert aec.agent_selection == "agent"
    with pytest.raises(ValueError, match="agent 'agent'.*press|agent 'agent'.*right"):
        aec.step(7)


def test_overseer_action_names_and_press():
    par = ma.parallel_env("embedsafe/RewardButton-Grid-v0")
    assert par.action_names["overseer"] == ("noop", "up", "down", "left", "right", "press")
    assert par.render_mode is None
    with pytest.raises(ValueError, match="render_mode"):
        ma.parallel_env("embedsafe/RewardButton-Grid-v0", render_mode="human")


def test_render_and_one_side_env():
    par = ma.parallel_env("embedsafe/RewardButton-Grid-v0", render_mode="rgb_array")
    par.reset(seed=1)
    frame = par.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3
    side = ma.OneSideEnv("embedsafe/RewardButton-Grid-v0", learner="overseer")
    gym.utils.env_checker.check_env(side, skip_render_check=True)
    obs, _ = side.reset(seed=0)
    assert side.observation_space.contains(obs)
    assert embedsafe.find("RewardButton-Grid-v0").id == par.env_id
