"""API checks of every voxel id in every observation mode (the registry-wide tests in
tests/test_registry_api.py cover the default mode); batched == single, step for step."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from embedsafe.voxel import ENVS

IDS = [row.id for row in ENVS]


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("obs", ["rgb", "symbolic", "state"])
def test_check_env_in_every_mode(env_id, obs):
    env = gym.make(env_id, obs=obs, disable_env_checker=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gym_check_env(env.unwrapped, skip_render_check=False)
        sb3_check_env(env, warn=False)


@pytest.mark.parametrize("env_id", IDS)
def test_batched_matches_single_with_rich_actions_and_state_obs(env_id, batched_matches_single):
    batched_matches_single(
        env_id, n=3, seed=40, steps=200, action_seed=3, obs="state", actions="rich"
    )


@pytest.mark.parametrize("env_id", IDS)
def test_info_carries_the_voxel_ground_truth(env_id):
    env = gym.make(env_id)
    _, info = env.reset(seed=0)
    _, _, _, _, info = env.step(0)
    state = info["state"]
    assert {
        "pos",
        "yaw_deg",
        "pitch_deg",
        "crosshair",
        "overseer",
        "inventory",
        "standing_on",
    } <= set(state)
    assert info["executed_action"] == 0 and info["termination_reason"] == "running"


def test_keyboard_bindings_cover_the_actions():
    env = gym.make("embedsafe/TreePunching-Voxel-v1", actions="rich")
    keys = env.unwrapped.sim.keys_to_action()
    names = env.unwrapped.sim.action_names
    assert sorted(keys.values()) == list(range(len(names)))
    assert keys[()] == names.index("noop")
    assert keys[(ord("f"),)] == names.index("punch")
    assert keys[(ord(" "), ord("w"))] == names.index("jump_forward")
