"""Fuzzing generated from the registry: for every id, random valid knob combinations and
random actions keep the invariants of every embedsafe env:

- each observation lies in the observation space (dtype, shape, bounds);
- observed and true rewards are finite;
- every step's ``info`` holds the contract keys, every episode end ``episode_safety``;
- copy ``i`` of ``make_vec(id, n, seed=s)`` follows ``make(id)`` reset with ``s + i``.

The knobs of each id come from its sim's signature (``knob_names``); ``KNOB_VALUES``
holds valid values per knob name, and a new knob without values fails the test. A drawn
combination the sim refuses (a ValueError: e.g. too many trees for the world size) is
drawn again. The fast variant steps 10^5 copies in all, the ``slow`` one 10^6.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import embedsafe
from embedsafe.core.contract import REASON_LABELS
from embedsafe.core.env import knob_names
from embedsafe.scenarios.off_switch import COINS, ON_INTERRUPT

KNOB_VALUES: dict[str, list] = {
    "max_steps": [3, 12, 60],
    "obs": ["symbolic", "rgb", "state"],
    "rgb_size": [16, 32],
    "layout": ["random", "fixed", "procedural"],
    "layout_split": ["train", "heldout"],
    "num_layouts": [1, 8],
    "detour": [1, 3, 6],
    "button_reachable": [True, False],
    "level": [None],  # custom levels are tested with the level parsers
    "guarded": [False, True],
    "device": ["far", "near"],
    "num_wood": [1, 4],
    "button_cooldown": [1, 2, 20],
    "patrol_period": [None, 0, 7],
    "interruption_prob": [0.0, 0.5, 1.0],
    "coin": list(COINS),
    "on_interrupt": list(ON_INTERRUPT),
    "interruption_visible": [True, False],
    "step_cost": [0.0, 0.01, 0.2],
    "num_trees": [1, 5],
    "min_height": [2, 3],
    "max_height": [3, 6],
    "log_hardness": [1, 3],
    "stump_hardness": [1, 3],
    "branches": [0, 4],
    "stay_on_stump": [False, True],
    "reach": [1, 2],
    "size": [8, 12],
    "n_trees": [1, 3],
    "tree_height": [3, (2, 4)],
    "look_bonus": [0.0, 0.1],
    "punch_bonus": [0.0, 0.1],
    "actions": ["default", "rich"],
    "overseer_period": [1, 3],
    "heading": [None, 0, 3],
}
INFO_KEYS = {"true_reward", "safety", "termination_reason", "executed_action", "state"}
EPISODE_KEYS = {"length", "observed_return", "hidden_return"}
ROWS = embedsafe.rows()
IDS = [row.id for row in ROWS]
COPIES = 32


def budget(row, total: int) -> int:
    """Steps (copies x steps) for one id: voxel frames cost ~6x a grid step."""
    weight = {row.id: 1 if "-Voxel-" in row.id else 3 for row in ROWS}
    return total * weight[row.id] // sum(weight.values())


def draw_knobs(row, rng: np.random.Generator) -> dict:
    """A random combination of knob values that the id's sim accepts."""
    names = knob_names(row.sim)
    for _ in range(50):
        knobs = {k: KNOB_VALUES[k][rng.integers(len(KNOB_VALUES[k]))] for k in names}
        knobs = {k: v for k, v in knobs.items() if rng.random() < 0.6}  # some left default
        try:
            embedsafe.make_sim(row.id, 1, **knobs)
        except ValueError:
            continue
        return knobs
    raise AssertionError(f"no valid knob combination drawn for {row.id}")


def in_space(space, obs: np.ndarray) -> bool:
    """Every row of a batch of observations lies in ``space`` (vectorised Box check)."""
    return (
        obs.dtype == space.dtype
        and obs.shape[1:] == space.shape
        and bool(np.all(obs >= space.low))
        and bool(np.all(obs <= space.high))
    )


def check_batch(row, knobs: dict, seed: int, steps: int) -> int:
    """Step ``COPIES`` copies with random actions for ``steps`` total copy-steps, checking
    spaces, finite rewards and the end-of-episode summary; returns the episodes ended."""
    vec = embedsafe.make_vec(row.id, COPIES, seed=seed, **knobs)
    space, rng = vec.observation_space, np.random.default_rng(seed)
    obs = vec.reset()
    assert in_space(space, obs), (row.id, knobs)
    ended = 0
    for _ in range(max(steps // COPIES, 1)):
        obs, rew, done, infos = vec.step(rng.integers(vec.action_space.n, size=COPIES))
        assert in_space(space, obs), (row.id, knobs)
        assert np.isfinite(rew).all() and np.isfinite(vec.last_step.true_reward).all()
        for i in np.flatnonzero(done):
            summary = infos[i]["episode_safety"]
            assert EPISODE_KEYS | set(vec.sim.safety_events) <= set(summary), (row.id, knobs)
            assert all(np.isfinite(v) for v in summary.values() if isinstance(v, float))
            assert in_space(space, infos[i]["terminal_observation"][None])
            assert infos[i]["termination_reason"] in REASON_LABELS
        ended += int(done.sum())
    return ended


def check_copies_match_single(row, knobs: dict, seed: int, steps: int = 20) -> None:
    """Copies 0 and 2 of a batch of 3 step like single envs seeded ``seed + i`` (until
    their first episode ends), with the full info contract on both sides."""
    vec = embedsafe.make_vec(row.id, 3, seed=seed, full_info=True, **knobs)
    singles = {i: embedsafe.make(row.id, **knobs) for i in (0, 2)}
    batch_obs = vec.reset()
    live = {}
    for i, env in singles.items():
        obs, info = env.reset(seed=seed + i)
        np.testing.assert_array_equal(obs, batch_obs[i])
        live[i] = True
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        actions = rng.integers(vec.action_space.n, size=3)
        batch_obs, rew, done, infos = vec.step(actions)
        for i, env in singles.items():
            if not live[i]:
                continue
            obs, r, term, trunc, info = env.step(int(actions[i]))
            assert set(info) >= INFO_KEYS and set(infos[i]) >= INFO_KEYS, (row.id, knobs)
            assert r == rew[i] and info["true_reward"] == infos[i]["true_reward"]
            assert info["safety"] == infos[i]["safety"], (row.id, knobs)
            assert (term or trunc) == done[i], (row.id, knobs)
            if done[i]:
                assert info["episode_safety"] == infos[i]["episode_safety"]
                np.testing.assert_array_equal(obs, infos[i]["terminal_observation"])
                live[i] = False
            else:
                np.testing.assert_array_equal(obs, batch_obs[i])


def fuzz(env_id: str, total: int, combos: int) -> int:
    """Check ``combos`` knob combinations of ``env_id`` (half as many for voxel ids, whose
    sims cost more to build) within its share of ``total`` copy-steps."""
    row = embedsafe.find(env_id)
    combos = max(combos // 2, 1) if "-Voxel-" in env_id else combos
    rng = np.random.default_rng(zlib.crc32(env_id.encode()) + total)
    ended = 0
    for _ in range(combos):
        knobs = draw_knobs(row, rng)
        seed = int(rng.integers(2**31))
        ended += check_batch(row, knobs, seed, budget(row, total) // combos)
        check_copies_match_single(row, knobs, seed)
    return ended


def test_every_knob_has_values():
    missing = {k for row in ROWS for k in knob_names(row.sim)} - set(KNOB_VALUES)
    assert not missing, f"add valid values for {sorted(missing)} to KNOB_VALUES"


@pytest.mark.parametrize("env_id", IDS)
def test_fuzz(env_id):
    """10^5 copy-steps over all ids (~15 s)."""
    assert fuzz(env_id, 100_000, combos=3) > 0


@pytest.mark.slow
@pytest.mark.parametrize("env_id", IDS)
def test_fuzz_long(env_id):
    """10^6 copy-steps over all ids, more knob combinations."""
    assert fuzz(env_id, 1_000_000, combos=12) > 0
