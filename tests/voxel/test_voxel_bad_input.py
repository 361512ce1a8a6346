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

IDS = [
    "embedsafe/TreePunching-Voxel-v1",
    "embedsafe/RewardButton-Voxel-v1",
    "embedsafe/OffSwitch-Voxel-v2",
]


@pytest.mark.parametrize("env_id", IDS)
def test_invalid_action_lists_the_allowed_actions(env_id):
    env = embedsafe.make(env_id)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"invalid action 11; allowed: integers 0\.\.10 .*punch"):
        env.step(11)


@pytest.mark.parametrize(
    ("sim", "knobs", "pattern"),
    [
        (TreePunchingSim, {"rgb_size": 8}, r"rgb_size=8 is out of range; allowed: 16 <= rgb_size"),
        (TreePunchingSim, {"obs": "pixels"}, r"obs='pixels' is not allowed; choose one of"),
        (TreePunchingSim, {"actions": "huge"}, r"actions='huge' is not allowed"),
        (TreePunchingSim, {"tree_height": (1, 9)}, r"tree_height=1 is out of range"),
        (TreePunchingSim, {"tree_height": (4, 3)}, r"min must be <= max"),
        (TreePunchingSim, {"tree_height": 3}, r"must be a pair"),
        (TreePunchingSim, {"n_trees": 50}, r"n_trees=50 is out of range"),
        (TreePunchingSim, {"stump_hardness": 0}, r"stump_hardness=0 is out of range"),
        (TreePunchingSim, {"look_bonus": -1}, r"look_bonus=-1 is out of range"),
        (
            TreePunchingSim,
            {"heading": 12},
            r"heading=12 is out of range; allowed: 0 <= heading <= 11",
        ),
        (RewardButtonSim, {"button_cooldown": 0}, r"button_cooldown=0 is out of range"),
        (OffSwitchSim, {"interruption_prob": 2.0}, r"interruption_prob=2.0 is out of range"),
        (OffSwitchSim, {"coin": "dice"}, r"coin='dice' is not allowed"),
    ],
)
def test_out_of_range_knobs_name_the_argument(sim, knobs, pattern):
    with pytest.raises(ValueError, match=pattern):
        sim(**knobs)


def test_knobs_pass_through_make():
    with pytest.raises(ValueError, match="log_hardness=0 is out of range"):
        embedsafe.make("embedsafe/TreePunching-Voxel-v1", log_hardness=0)


@pytest.mark.parametrize(
    ("layers", "pattern"),
    [
        ([], r"no layers given"),
        ([GROUND8, "A...\n...."], r"layer 1 has 2 rows, expected 8"),
        (
            [GROUND8, "\n".join(["A......."] + ["........"] * 6 + ["......."])],
            r"layer 1 row 7 has 7 characters, expected 8",
        ),
        (
            [GROUND8, "\n".join(["A......X"] + ["........"] * 7)],
            r"unknown character 'X' at layer 1, row 0, column 7; allowed:",
        ),
        ([GROUND8, "\n".join(["........"] * 8)], r"mark 'A' must appear exactly once, found 0"),
    ],
)
def test_malformed_layer_levels_say_where(layers, pattern):
    with pytest.raises(ValueError, match=pattern):
        parse_layers(layers, name="test level")


def test_scenario_level_missing_its_pieces():
    with pytest.raises(ValueError, match="needs at least one tree mark 'T'"):
        TreePunchingSim(level=[GROUND8, "\n".join(["A......."] + ["........"] * 7)])
    with pytest.raises(ValueError, match="mark 'P' must appear exactly once"):
        RewardButtonSim(level=[GROUND8, "\n".join(["A.....O."] + ["........"] * 7)])


def test_batched_env_rejects_bad_actions():
    vec = embedsafe.make_vec("embedsafe/OffSwitch-Voxel-v2", 2, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match=r"invalid action 12; allowed: integers 0\.\.10"):
        vec.step(np.array([0, 12]))


# ------------------------------------------------ issue 12: no silent misreadings
@pytest.mark.parametrize("sim", [RewardButtonSim, TreePunchingSim])
@pytest.mark.parametrize(
    ("heights", "pattern"),
    [
        ((4, 2), r"tree_height=\(4, 2\): min must be <= max"),
        ((3,), r"must be a pair \(min, max\)"),
        ("34", r"must be a pair \(min, max\)"),
        ((2.5, 3), r"tree_height=2.5 must be an integer"),
    ],
)
def test_tree_height_pairs_are_checked(sim, heights, pattern):
    with pytest.raises(ValueError, match=pattern):
        sim(tree_height=heights)


@pytest.mark.parametrize("sim", [RewardButtonSim, OffSwitchSim, TreePunchingSim])
@pytest.mark.parametrize(
    ("level", "pattern"),
    [
        ("", r"must be a list of ASCII layers"),
        ("A.T", r"must be a list of ASCII layers"),
        (5, r"level=5 must be a list of ASCII layers"),
        ([""], r"no layers given"),
        ([GROUND8, 7], r"must be a list of ASCII layers"),
    ],
)
def test_empty_or_non_list_level_is_refused(sim, level, pattern):
    with pytest.raises(ValueError, match=pattern):
        sim(level=level)


def off_switch_layers():
    from embedsafe.voxel.off_switch import LEVEL

    return list(LEVEL)


def test_duplicate_single_use_blocks_and_marks_are_refused_naming_them():
    from embedsafe.voxel.reward_button import LEVEL

    two_buttons = [*LEVEL[:2], LEVEL[2].replace(".......B..", "......BB..")]
    with pytest.raises(ValueError, match=r"mark 'B' may appear only once, found it at layer 2"):
        RewardButtonSim(level=two_buttons)
    two_goals = off_switch_layers()
    two_goals[0] = two_goals[0].replace("#ggIIIIgG#", "#ggIIIIGG#")
    with pytest.raises(ValueError, match=r"mark 'G' may appear only once"):
        OffSwitchSim(level=two_goals)
    two_switches = off_switch_layers()
    two_switches[1] = two_switches[1].replace("#..O.PS..#", "#..O.PSS.#")
    with pytest.raises(ValueError, match=r"mark 'S' may appear only once"):
        OffSwitchSim(level=two_switches)


def test_unreachable_goal_is_refused():
    walled = off_switch_layers()
    # wall the goal pad (x=8, y=2) in, two blocks high, under a roof (else the agent can
    # climb the disabler, walk along the wall tops and drop in)
    roof = ["." * 10] * 7
    roof[2] = "." * 8 + "#."
    walled.append("\n".join(roof))
    for z in (1, 2):
        rows = walled[z].strip("\n").split("\n")
        rows[1] = rows[1][:8] + "#" + rows[1][9:]
        rows[2] = rows[2][:7] + "#" + rows[2][8:]
        rows[3] = rows[3][:8] + "#" + rows[3][9:]
        walled[z] = "\n".join(rows)
    with pytest.raises(ValueError, match=r"the goal at x=8, y=2, z=0 cannot be reached"):
        OffSwitchSim(level=walled)
    one_high = off_switch_layers()  # a one-block step up is climbable: accepted
    rows = one_high[1].strip("\n").split("\n")
    rows[2] = rows[2][:7] + "#" + rows[2][8:]
    one_high[1] = "\n".join(rows)
    OffSwitchSim(level=one_high)
