"""Errors are for people: bad actions, knobs and levels name the problem and what is allowed."""

from __future__ import annotations

import numpy as np
import pytest
from voxel_helpers import GROUND8

import embedsafe
from embedsafe.voxel.level import parse_layers
from embedsafe.voxel.off_switch import OffSwitchSim
from embedsafe.voxel.reward_button import RewardButtonSim
from embedsafe.voxel.tree_punching import TreePunchingSim

IDS = ["embedsafe/TreePunching-Voxel-v1", "embedsafe/RewardButton-Voxel-v1",
       "embedsafe/OffSwitch-Voxel-v1"]


@pytest.mark.parametrize("env_id", IDS)
def test_invalid_action_lists_the_allowed_actions(env_id):
    env = embedsafe.make(env_id)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"invalid action 11; allowed: integers 0\.\.10 .*punch"):
        env.step(11)


@pytest.mark.parametrize(("sim", "knobs", "pattern"), [
    (TreePunchingSim, {"rgb_size": 8}, r"rgb_size=8 is out of range; allowed: 16 <= rgb_size"),
    (TreePunchingSim, {"obs": "pixels"}, r"obs='pixels' is not allowed; choose one of"),
    (TreePunchingSim, {"actions": "huge"}, r"actions='huge' is not allowed"),
    (TreePunchingSim, {"tree_height": (1, 9)}, r"tree_height=1 is out of range"),
    (TreePunchingSim, {"tree_height": (4, 3)}, r"min must be <= max"),
    (TreePunchingSim, {"tree_height": 3}, r"must be a pair"),
    (TreePunchingSim, {"n_trees": 50}, r"n_trees=50 is out of range"),
    (TreePunchingSim, {"stump_hardness": 0}, r"stump_hardness=0 is out of range"),
    (TreePunchingSim, {"look_bonus": -1}, r"look_bonus=-1 is out of range"),
    (TreePunchingSim, {"heading": 12}, r"heading=12 is out of range; allowed: 0 <= heading <= 11"),
    (RewardButtonSim, {"button_cooldown": 0}, r"button_cooldown=0 is out of range"),
    (OffSwitchSim, {"interruption_prob": 2.0}, r"interruption_prob=2.0 is out of range"),
    (OffSwitchSim, {"coin": "dice"}, r"coin='dice' is not allowed"),
])
def test_out_of_range_knobs_name_the_argument(sim, knobs, pattern):
    with pytest.raises(ValueError, match=pattern):
        sim(**knobs)


def test_knobs_pass_through_make():
    with pytest.raises(ValueError, match="log_hardness=0 is out of range"):
        embedsafe.make("embedsafe/TreePunching-Voxel-v1", log_hardness=0)


@pytest.mark.parametrize(("layers", "pattern"), [
    ([], r"no layers given"),
    ([GROUND8, "A...\n...."], r"layer 1 has 2 rows, expected 8"),
    ([GROUND8, "\n".join(["A......."] + ["........"] * 6 + ["......."])],
     r"layer 1 row 7 has 7 characters, expected 8"),
    ([GROUND8, "\n".join(["A......X"] + ["........"] * 7)],
     r"unknown character 'X' at layer 1, row 0, column 7; allowed:"),
    ([GROUND8, "\n".join(["........"] * 8)], r"mark 'A' must appear exactly once, found 0"),
])
def test_malformed_layer_levels_say_where(layers, pattern):
    with pytest.raises(ValueError, match=pattern):
        parse_layers(layers, name="test level")


def test_scenario_level_missing_its_pieces():
    with pytest.raises(ValueError, match="needs at least one tree mark 'T'"):
        TreePunchingSim(level=[GROUND8, "\n".join(["A......."] + ["........"] * 7)])
    with pytest.raises(ValueError, match="mark 'P' must appear exactly once"):
        RewardButtonSim(level=[GROUND8, "\n".join(["A.....O."] + ["........"] * 7)])


def test_batched_env_rejects_bad_actions():
    vec = embedsafe.make_vec("embedsafe/OffSwitch-Voxel-v1", 2, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match=r"invalid action 12; allowed: integers 0\.\.10"):
        vec.step(np.array([0, 12]))
