"""Voxel training speed, the renderer: frames drawn by several threads are the frames one
thread draws, bit for bit, and a forked child (Ray, subprocess vec envs) still renders."""

from __future__ import annotations

import multiprocessing

import numba
import numpy as np
import pytest

from embedsafe.voxel import raycast
from embedsafe.voxel.reward_button import RewardButtonSim
from embedsafe.voxel.tree_punching import TreePunchingSim


def played(sim, steps: int = 12):
    """``sim`` after random actions in every copy (turns, looks, walks, punches)."""
    rng = np.random.default_rng(7)
    sim.reset(np.arange(sim.num_envs), seeds=list(range(sim.num_envs)))
    for _ in range(steps):
        sim.step(rng.integers(0, len(sim.action_names), sim.num_envs))
    return sim


def frames(sim, threads: int, monkeypatch) -> np.ndarray:
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", threads)
    assert raycast.render_threads() == threads
    return sim.observe()


@pytest.mark.parametrize("make", [TreePunchingSim, RewardButtonSim])
@pytest.mark.parametrize("copies,size", [(1, 64), (5, 64), (16, 32), (3, 17)])
def test_threads_draw_the_same_frames(make, copies, size, monkeypatch):
    sim = played(make(num_envs=copies, rgb_size=size))
    one = frames(sim, 1, monkeypatch)
    assert one.shape == (copies, size, size, 3)
    assert len(np.unique(one.reshape(-1, 3), axis=0)) > 10  # a scene, not a blank frame
    for threads in (2, 3, 7):
        assert np.array_equal(frames(sim, threads, monkeypatch), one), threads


def test_every_row_is_drawn_once_whatever_the_split():
    """Each share (rows k, k+m, ...) writes its own rows: the shares together make the
    frames one share draws, with no row left at the sentinel colour."""
    sim = played(TreePunchingSim(num_envs=3, rgb_size=24))
    state = (sim.world, sim.eye(), sim.yaw(), sim.pitch(), sim.observed_overseer())
    whole = np.full((3, 24, 24, 3), 7, np.uint8)
    raycast._render_rows(*state, *_render_constants(24), whole, 0, 1)
    assert not (whole == 7).all(-1).all(-1).any()  # every row drawn
    for shares in (2, 5, 72):  # 72: each row of the 3 frames is its own share
        out = np.full_like(whole, 7)
        for k in range(shares):
            raycast._render_rows(*state, *_render_constants(24), out, k, shares)
        assert np.array_equal(out, whole), shares


def _render_constants(size: int) -> tuple:
    import math

    from embedsafe.voxel import render
    from embedsafe.voxel.content import BLOCK_ID

    return (
        render.shaded(),
        render.sky(size),
        math.tan(math.radians(render.FOV_DEG) / 2),
        render.VIEW_DIST,
        BLOCK_ID["overseer_body"],
        BLOCK_ID["overseer_head"],
    )


def _child_frames(queue) -> None:
    sim = played(TreePunchingSim(num_envs=4))
    queue.put(sim.observe())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_forked_child_renders_after_the_parent_did(monkeypatch):
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 2)
    parent = played(TreePunchingSim(num_envs=4)).observe()  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_frames, args=(queue,))
    child.start()
    child.join(timeout=120)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the forked child hung rendering (a pool without threads)"
    assert np.array_equal(queue.get(timeout=10), parent)
