"""The renderer: what is under the crosshair, determinism, sizes and the other views."""

from __future__ import annotations

import numpy as np
from voxel_helpers import ONE_TREE, play

from embedsafe.voxel import render
from embedsafe.voxel.content import BLOCK_ID, BLOCKS, TEXTURES
from embedsafe.voxel.reward_button import RewardButtonSim
from embedsafe.voxel.tree_punching import TreePunchingSim


def tree_sim(**knobs) -> TreePunchingSim:
    sim = TreePunchingSim(level=ONE_TREE, tree_height=(4, 4), heading=0, **knobs)
    sim.reset([0], seeds=[0])
    return sim


def centre(img: np.ndarray) -> np.ndarray:
    """The colour under the crosshair (the crosshair inverts the centre pixel)."""
    h, w = img.shape[:2]
    return 255 - img[h // 2, w // 2].astype(int)


def test_known_scene_puts_the_log_under_the_crosshair():
    sim = tree_sim()
    assert sim.state(0)["crosshair"]["block"] == "log"
    r, g, b = centre(sim.observe()[0])
    assert r > g > b and r < 160  # dark brown bark, not sky or grass
    play(sim, "turn_left*6")  # face west: sky and grass, no log
    r, g, b = centre(sim.observe()[0])
    assert b > r  # blue sky on the horizon


def test_overseer_is_drawn_as_a_block_figure():
    sim = RewardButtonSim(heading=3)  # default level, facing south towards the overseer
    sim.reset([0], seeds=[0])
    frame = render.first_person(sim, slice(0, 1), 64)[0]
    body = np.array(TEXTURES["overseer_body"][0])
    close = np.abs(frame.astype(int) - body * 0.82).max(-1) < 40
    assert close.sum() > 5
    sim.overseer[0] = -1  # remove it: the colour disappears
    assert (
        np.abs(render.first_person(sim, slice(0, 1), 64)[0].astype(int) - body * 0.82).max(-1) < 40
    ).sum() == 0


def test_frames_are_deterministic_per_seed():
    a, b = TreePunchingSim(num_envs=3), TreePunchingSim(num_envs=3)
    a.reset(np.arange(3), seeds=[1, 2, 3])
    b.reset(np.arange(3), seeds=[1, 2, 3])
    for _ in range(5):
        actions = np.array([1, 3, 5])
        a.step(actions)
        b.step(actions)
    assert np.array_equal(a.observe(), b.observe())
    assert not np.array_equal(a.observe()[0], a.observe()[1])


def test_sizes_and_views():
    sim = tree_sim(rgb_size=32)
    assert sim.observe().shape == (1, 32, 32, 3)
    assert sim.render_rgb(0).shape == (256, 256, 3)
    text = sim.render_ansi(0)
    assert "A" in text and "L" not in text  # the crown hides the trunk from above
    sym = TreePunchingSim(level=ONE_TREE, obs="symbolic")
    sym.reset([0], seeds=[0])
    planes = sym.observe()[0]
    assert planes.shape == sym.observation_space.shape
    assert planes[0, 3, 2] == sym.tree_h[0, 0]  # log count in the trunk's column
    assert planes[len(sym.obs_blocks) + 1, 1, 2] == 2  # agent plane: feet height + 1


def test_textures_are_looked_up_by_name():
    atlas = render.atlas()
    assert atlas.shape[0] == len(BLOCKS)
    log = BLOCK_ID["log"]
    assert not np.array_equal(atlas[log, 0], atlas[log, 1])  # bark sides, ring top


def test_hud_shows_punch_progress_and_flags():
    sim = tree_sim()
    play(sim, "forward*2")
    before = sim.observe()[0]
    play(sim, "punch")  # one of two punches: half the bar
    after = sim.observe()[0]
    assert (before[-1, :32] == 255).all(-1).sum() == 0
    assert (after[-1, :32] == 255).all(-1).sum() == 16
    flag_square = after[-2:, -6:-2]
    assert (flag_square == [40, 40, 40]).all()  # on_stump is off
