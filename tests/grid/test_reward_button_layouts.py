"""Procedural layouts of the grid reward button (``layout="procedural"``): seeded pools,
disjoint train and held-out levels, each keeping the scenario's dilemma."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import embedsafe
from embedsafe.grid.level import check_reachable, walking_distance
from embedsafe.grid.reward_button import FREE_LEVEL, GUARDED_LEVEL
from embedsafe.grid.reward_button_levels import OPEN, STARTS, WOOD_SPOTS, generate

BUTTON = "embedsafe/RewardButton-Grid-v0"
GUARDED = "embedsafe/RewardButtonGuarded-Grid-v0"
APPROVAL = "embedsafe/RewardButtonApproval-Grid-v0"
IDS = [(BUTTON, {}), (GUARDED, {}), (APPROVAL, {}), (APPROVAL, {"device": "near"})]


def pool(env_id, split="train", num=32, **knobs):
    sim = embedsafe.make_sim(
        env_id, 1, layout="procedural", layout_split=split, num_layouts=num, **knobs
    )
    return sim, sim.levels


def key(level) -> bytes:
    """A level's identity: its tiles and every mark."""
    marks = b"".join(level.marks[c].tobytes() for c in "a?OBP")
    return level.tiles.tobytes() + marks


@pytest.mark.parametrize("env_id, knobs", IDS)
def test_the_same_seeds_give_the_same_pool(env_id, knobs):
    _, first = pool(env_id, **knobs)
    _, again = pool(env_id, **knobs)
    assert [key(lv) for lv in first] == [key(lv) for lv in again]
    assert len({key(lv) for lv in first}) == len(first)  # and the levels differ


@pytest.mark.parametrize("env_id, knobs", IDS)
def test_train_and_heldout_pools_share_no_level(env_id, knobs):
    _, train = pool(env_id, "train", 64, **knobs)
    _, heldout = pool(env_id, "heldout", 64, **knobs)
    assert not {key(lv) for lv in train} & {key(lv) for lv in heldout}


@pytest.mark.parametrize("env_id, knobs", IDS)
def test_every_level_keeps_the_dilemma(env_id, knobs):
    sim, levels = pool(env_id, **knobs)
    guarded = env_id == GUARDED
    for v, lv in enumerate(levels):
        assert lv.shape == (10, 11) and len(lv.marks["?"]) == WOOD_SPOTS
        assert len(lv.marks["a"]) == STARTS
        check_reachable(lv, "a", "?B", OPEN)  # the work, and the button to tamper with
        check_reachable(lv, "O", "BP", OPEN)  # the overseer's post, button and patrol
        button, post = int(lv.marks["B"][0]), int(lv.marks["O"][0])
        beside = [
            c
            for c in (button - 11, button + 11, button - 1, button + 1)
            if OPEN[lv.tiles.ravel()[c]]
        ]
        if knobs.get("device") == "near":
            assert np.isin(beside, lv.marks["a"]).sum() >= 2  # tampering takes one step
        elif guarded:
            assert beside == [post]  # the post is the only way to the button
        else:
            assert post in beside and len(beside) >= 2  # reachable past the overseer
        # the overseer's walk to the patrol spot and back crosses no wood spot
        for src in ("P", "O"):
            dist = sim.dist_nav[int(src == "O"), v]  # walk to the other mark
            cell = int(lv.marks[src][0])
            while dist[cell] > 0:
                cell = min((cell + o for o in sim.offsets[1:]), key=lambda c: dist[c])
                assert cell not in lv.marks["?"], (v, cell)
        assert walking_distance(lv, lv.marks["O"], OPEN)[lv.marks["P"][0]] >= 5


def test_procedural_episodes_draw_levels_from_the_pool_by_seed():
    env = gym.make(BUTTON, layout="procedural", num_layouts=16)
    seen = set()
    for seed in range(40):
        _, info = env.reset(seed=seed)
        seen.add(info["state"]["variant"])
        assert info["state"]["button"] == tuple(
            divmod(int(env.unwrapped.sim.levels[info["state"]["variant"]].marks["B"][0]), 11)
        )
    assert len(seen) >= 10
    again = gym.make(BUTTON, layout="procedural", num_layouts=16)
    for seed in (3, 7):
        a, _ = env.reset(seed=seed)
        b, _ = again.reset(seed=seed)
        np.testing.assert_array_equal(a, b)


def test_the_guarded_procedural_overseer_patrols_and_returns():
    sim = embedsafe.make_sim(GUARDED, 4, layout="procedural", num_layouts=4)
    sim.reset(np.arange(4), np.arange(4))
    posts, out = sim._post[sim.variant], sim.patrol_out[sim.variant]
    trail = []
    for _ in range(60):
        sim.step(np.zeros(4, np.int64))
        trail.append(sim.overseer.copy())
    trail = np.array(trail)  # (t - 1, copy)
    assert (out > 0).all() and (trail != posts).any(0).all()  # each left on patrol ...
    back = trail[60 - out - 2, np.arange(4)]  # ... and was back before the next one
    np.testing.assert_array_equal(back, posts)


def test_fixed_and_random_layouts_are_unchanged():
    for env_id, art in ((BUTTON, FREE_LEVEL), (GUARDED, GUARDED_LEVEL)):
        fixed = embedsafe.make_sim(env_id, 1, layout="fixed")
        assert len(fixed.levels) == 1
        rows = art.strip("\n").split("\n")
        walls = np.array([[ch == "#" for ch in row] for row in rows])
        np.testing.assert_array_equal(fixed.levels[0].tiles == 1, walls)
        assert len(embedsafe.make_sim(env_id, 1).levels) == 2  # two mirror images
    assert int(embedsafe.make_sim(GUARDED, 1).patrol_out[0]) == 12


def test_generation_is_cached_and_deterministic():
    a = generate(5, guarded=False)
    b = generate.__wrapped__(5, guarded=False)
    assert key(a) == key(b)


def test_bad_procedural_knobs_are_clear_errors():
    with pytest.raises(ValueError, match="layout_split='test' is not allowed"):
        gym.make(BUTTON, layout="procedural", layout_split="test")
    with pytest.raises(ValueError, match="num_layouts=0 is out of range"):
        gym.make(BUTTON, layout="procedural", num_layouts=0)
    with pytest.raises(ValueError, match="level= cannot be combined with layout='procedural'"):
        gym.make(BUTTON, layout="procedural", level=FREE_LEVEL)
