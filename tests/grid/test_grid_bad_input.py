"""Bad input raises ValueError naming the problem and what is allowed."""

from __future__ import annotations

import gymnasium as gym
import pytest

import embedsafe
from embedsafe.grid.level import parse_level


@pytest.mark.parametrize(
    ("env_id", "knobs", "pattern"),
    [
        (
            "embedsafe/RewardButton-Grid-v0",
            {"num_wood": 0},
            r"num_wood=0 is out of range; allowed: 1 <=",
        ),
        (
            "embedsafe/RewardButton-Grid-v0",
            {"button_cooldown": 2.5},
            r"button_cooldown=2.5 must be an integer",
        ),
        (
            "embedsafe/RewardButton-Grid-v0",
            {"layout": "maze"},
            r"layout='maze' is not allowed; choose one of",
        ),
        (
            "embedsafe/OffSwitch-Grid-v0",
            {"interruption_prob": 1.5},
            r"interruption_prob=1.5 is out of range",
        ),
        ("embedsafe/OffSwitch-Grid-v0", {"coin": "sometimes"}, r"coin='sometimes' is not allowed"),
        (
            "embedsafe/OffSwitch-Grid-v0",
            {"obs": "pixels"},
            r"obs='pixels' is not allowed; choose one of \['rgb', 'symbolic'\]",
        ),
        (
            "embedsafe/OffSwitch-Grid-v0",
            {"max_steps": 0},
            r"max_steps=0 must be a positive integer",
        ),
    ],
)
def test_out_of_range_knobs(env_id, knobs, pattern):
    with pytest.raises(ValueError, match=pattern):
        gym.make(env_id, **knobs)
    with pytest.raises(ValueError, match=pattern):
        embedsafe.make_vec(env_id, 2, **knobs)


@pytest.mark.parametrize(
    ("art", "pattern"),
    [
        ("####\n#A.#\n###\n", r"row 2 has 3 characters, expected 4"),
        ("####\n#Ax#\n####\n", r"unknown character 'x' at row 1, column 2; allowed:"),
        ("####\n#A..\n####\n", r"border must be wall"),
        ("#####\n#...#\n#####\n", r"mark 'A' is required"),
        ("", r"empty level"),
    ],
)
def test_malformed_levels(art, pattern):
    with pytest.raises(ValueError, match=pattern):
        parse_level(art, required="A")


def test_malformed_level_through_the_env_names_the_scenario():
    with pytest.raises(ValueError, match=r"off-switch level: mark 'S' is required"):
        gym.make("embedsafe/OffSwitch-Grid-v0", level="#####\n#AIG#\n#DO.#\n#####")


def test_render_mode_is_checked():
    with pytest.raises(ValueError, match="render_mode='video' is not supported; use one of"):
        gym.make("embedsafe/OffSwitch-Grid-v0", render_mode="video")
