"""Body physics: gravity, jump height, collisions, and the reach geometry of the stump."""

from __future__ import annotations

import numpy as np
from voxel_helpers import ONE_TREE, play

from embedsafe.voxel import physics
from embedsafe.voxel.content import BLOCK_ID, BODY
from embedsafe.voxel.raycast import pick_batch
from embedsafe.voxel.tree_punching import TreePunchingSim

LOG = BLOCK_ID["log"]


def tree_sim(**knobs) -> TreePunchingSim:
    sim = TreePunchingSim(level=ONE_TREE, tree_height=(4, 4), heading=0, obs="state", **knobs)
    sim.reset([0], seeds=[0])
    return sim


def test_gravity_pulls_a_body_down_to_the_ground():
    sim = tree_sim()
    sim.pos[0, 2] = 4.2
    heights = [sim.pos[0, 2]]
    for _ in range(10):
        sim.step(np.array([0]))
        heights.append(sim.pos[0, 2])
    assert all(b <= a for a, b in zip(heights, heights[1:], strict=False))
    assert heights[-1] == 1.0 and sim.grounded[0]


def test_jump_peaks_at_one_point_three_blocks_and_lands_again():
    sim = tree_sim()
    heights = []
    for name in ["jump"] + ["noop"] * 9:
        sim.step(np.array([sim.action_names.index(name)]))
        heights.append(round(sim.pos[0, 2] - 1.0, 6))
    assert max(heights) == 1.3 and heights[-1] == 0.0
    assert 1.0 <= max(heights) < 2.0  # one block, never two


def test_no_walking_through_blocks():
    sim = tree_sim()
    play(sim, "forward*10")  # the trunk stops the body: its face is at x = 3
    assert sim.pos[0, 0] == 3.5 - 1.0 and sim.pos[0, 0] + BODY.radius < 3.0


def test_walls_of_the_world_are_solid():
    sim = tree_sim()
    play(sim, "turn_left*6 forward*10")  # heading west, to x = 0
    assert sim.pos[0, 0] == 0.5 and not physics.collides(sim.world, sim.overseer, sim.pos)[0]


def _reachable_log_heights(world: np.ndarray) -> set[int]:
    """Heights of logs any grounded body on the ground can get in its crosshair."""
    grid = np.linspace(0.3, 7.7, 38)
    pos = np.array([(x, y, 1.0) for x in grid for y in grid])
    worlds = np.repeat(world[None], len(pos), 0)
    none = np.full((len(pos), 3), -1)
    free = ~physics.collides(worlds, none, pos)
    pos, worlds, none = pos[free], worlds[free], none[free]
    seen = set()
    for heading in range(BODY.turn_steps):
        for pitch in BODY.pitch_levels:
            n = len(pos)
            block, cell, _, _ = pick_batch(
                worlds,
                pos + [0, 0, BODY.eye],
                np.full(n, heading * 2 * np.pi / BODY.turn_steps),
                np.full(n, np.radians(pitch)),
                none,
                BODY.reach,
                0,
                0,
            )
            seen |= set(cell[block == LOG, 2].tolist())
    return seen


def test_log_three_up_is_out_of_reach_from_the_ground():
    sim = tree_sim()
    assert _reachable_log_heights(sim.world[0]) == {1, 2, 3}
    world = sim.world[0].copy()
    world[3, 2, 2] = world[3, 2, 3] = 0  # second and third logs punched out
    assert 4 not in _reachable_log_heights(world)


def test_log_three_up_is_in_reach_from_the_stump():
    sim = tree_sim()
    play(sim, "forward*2 punch*2 look_up punch*2 jump forward*3 noop*3")
    assert sim.state(0)["on_stump"]
    assert sim.state(0)["crosshair"]["block"] == "log"
    assert sim.state(0)["crosshair"]["cell"] == [3, 2, 4]


def test_airborne_punches_do_not_count():
    sim = tree_sim(log_hardness=1)
    play(sim, "forward*2 punch look_up punch jump forward")  # log 4 in the crosshair, in the air
    assert sim.state(0)["crosshair"]["block"] == "log" and not sim.grounded[0]
    play(sim, "punch")
    assert sim.world[0, 3, 2, 4] == LOG


def test_dig_the_ground_for_dirt_and_place_it():
    sim = tree_sim()
    play(sim, "look_down*3 punch*2 noop*5")  # straight down: the grass under the feet
    assert sim.state(0)["inventory"]["dirt"] == 1 and sim.pos[0, 2] == 0.0  # fell in
    play(sim, "look_up*2")  # now at -30 degrees: the top of the hole's east rim
    assert sim.state(0)["crosshair"]["cell"] == [2, 2, 0]
    play(sim, "use")
    assert sim.world[0, 2, 2, 1] == BLOCK_ID["dirt"] and sim.state(0)["inventory"]["dirt"] == 0


def test_the_overseer_is_solid():
    from embedsafe.voxel.reward_button import RewardButtonSim

    sim = RewardButtonSim(heading=6, obs="state", overseer_period=10)
    sim.reset([0], seeds=[0])
    sim.pos[0] = [4.5, 8.5, 1.0]  # east of the overseer's post (1, 8), facing west
    play(sim, "forward*6")
    assert sim.pos[0, 0] - BODY.radius >= 2.0 and sim.overseer[0].tolist() == [1, 8, 1]
