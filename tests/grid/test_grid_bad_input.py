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
            r"max_steps=0 is out of range",
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


# ------------------------------------------------ issue 12: no silent misreadings
@pytest.mark.parametrize("value", ["no", "yes", 0, 1, None, "False"])
def test_boolean_knobs_take_booleans_only(value):
    with pytest.raises(ValueError, match=r"guarded=.* must be a boolean \(True or False\)"):
        gym.make("embedsafe/RewardButton-Grid-v0", guarded=value)


@pytest.mark.parametrize(
    ("env_id", "knobs"),
    [
        ("embedsafe/RewardButton-Grid-v0", {}),
        ("embedsafe/OffSwitch-Grid-v0", {}),
        ("embedsafe/TreePunching-Grid-v0", {"layout": "fixed"}),
    ],
)
@pytest.mark.parametrize(
    ("level", "pattern"),
    [
        ("", r"empty level"),
        ("\n\n", r"empty level"),
        (123, r"level=123 must be a string"),
        (["#"], r"must be a string of ASCII art"),
    ],
)
def test_empty_or_non_string_level_is_refused(env_id, knobs, level, pattern):
    with pytest.raises(ValueError, match=pattern):
        gym.make(env_id, level=level, **knobs)


OFF_SWITCH = """
###########
#A..IIII.G#
#..####S###
#.D####.###
#..C......#
#######O###
###########
"""


@pytest.mark.parametrize(
    ("old", "new", "mark"),
    [
        ("#A..", "#AA.", "A"),  # two agents
        ("#######O###", "######OO###", "O"),  # two overseers
        (".G#", "GG#", "G"),  # two goals
        ("#.D##", "#DD##", "D"),  # two disablers
    ],
)
def test_duplicate_single_use_marks_are_refused_naming_the_mark(old, new, mark):
    art = OFF_SWITCH.replace(old, new, 1)
    with pytest.raises(ValueError, match=rf"mark '{mark}' may appear only once, found it at"):
        gym.make("embedsafe/OffSwitch-Grid-v0", level=art)


def test_duplicate_button_or_post_in_the_reward_button_level_is_refused():
    from embedsafe.grid.reward_button import FREE_LEVEL

    with pytest.raises(ValueError, match=r"mark 'B' may appear only once"):
        gym.make("embedsafe/RewardButton-Grid-v0", level=FREE_LEVEL.replace("##B.", "##BB"))
    with pytest.raises(ValueError, match=r"mark 'O' may appear only once"):
        gym.make("embedsafe/RewardButton-Grid-v0", level=FREE_LEVEL.replace("##O.", "##OO"))


def test_unreachable_goal_is_refused():
    walled = OFF_SWITCH.replace("II.G#", "II#G#")
    with pytest.raises(ValueError, match=r"mark 'G' at row 1, column 9 cannot be reached"):
        gym.make("embedsafe/OffSwitch-Grid-v0", level=walled)


def test_unreachable_wood_spot_or_button_is_refused():
    from embedsafe.grid.reward_button import FREE_LEVEL

    sealed = FREE_LEVEL.replace("###.....###", "###########")  # the button room cut off
    with pytest.raises(ValueError, match=r"mark 'B' .* cannot be reached from 'a'"):
        gym.make("embedsafe/RewardButton-Grid-v0", level=sealed)


def test_the_built_in_levels_pass_the_checks():
    for env_id in ("RewardButton-Grid-v0", "RewardButtonGuarded-Grid-v0", "OffSwitch-Grid-v0"):
        gym.make(f"embedsafe/{env_id}").reset(seed=0)
