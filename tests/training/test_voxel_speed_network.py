"""Voxel training speed, the network: the shipped voxel recipe's frame CNN gives the
policy the shapes PPO needs, and a saved agent is rebuilt with the network its
agent.json records, not with the current recipe's."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.policies import ActorCriticCnnPolicy

import embedsafe
from embedsafe.training import load_agent
from embedsafe.training.agents import REFERENCE_DIR
from embedsafe.training.networks import FrameCNN, policy_kwargs
from embedsafe.training.recipe import load_recipe

VOXEL_ID = "embedsafe/TreePunching-Voxel-v1"


def frame_space() -> gym.spaces.Box:
    h, w, c = embedsafe.make_sim(VOXEL_ID, 1).observation_space.shape
    return gym.spaces.Box(0, 255, (c, h, w), np.uint8)  # SB3 feeds frames channels first


def test_recipe_network_gives_ppo_its_shapes():
    network = load_recipe("voxel")["network"]
    space = frame_space()
    policy = ActorCriticCnnPolicy(
        space, gym.spaces.Discrete(11), lambda _: 2.5e-4, **policy_kwargs(network, space)
    )
    assert isinstance(policy.features_extractor, FrameCNN)
    convs = [m for m in policy.features_extractor.cnn if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in convs] == list(network["channels"])
    frames = torch.randint(0, 256, (5, *space.shape), dtype=torch.uint8).float()
    with torch.no_grad():
        actions, values, log_prob = policy(frames)
        features = policy.extract_features(frames)
    assert actions.shape == (5,) and values.shape == (5, 1) and log_prob.shape == (5,)
    assert features.shape == (5, network["features_dim"])
    assert ((actions >= 0) & (actions < 11)).all()


def test_reference_agent_keeps_its_own_network():
    """The voxel reference agent was trained with the wider CNN of the older recipe; it
    loads with that network (its weights would not fit the recipe's)."""
    folder = REFERENCE_DIR / "TreePunching-Voxel-v1"
    recorded = json.loads((folder / "agent.json").read_text())["network"]
    policy = load_agent(folder)
    convs = [m for m in policy.features_extractor.cnn if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in convs] == list(recorded["channels"])
    sim = embedsafe.make_sim(
        VOXEL_ID, 1, **json.loads((folder / "agent.json").read_text())["env_kwargs"]
    )
    sim.reset([0], seeds=[0])
    frame = sim.observe()[0]
    action, _ = policy.predict(frame.transpose(2, 0, 1), deterministic=True)
    assert 0 <= int(action) < 11
