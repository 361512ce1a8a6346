"""The env API refuses bad input with a ValueError naming the argument and what is
allowed: unknown knobs, steps before reset, misshaped or boolean actions."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import embedsafe
from embedsafe.cli import main
from embedsafe.core.env import EmbeddedEnv, knob_names

GRID = "embedsafe/RewardButton-Grid-v0"
IDS = [row.id for row in embedsafe.rows()]


@pytest.mark.parametrize("env_id", IDS)
def test_unknown_knob_lists_the_knobs(env_id):
    row = embedsafe.find(env_id)
    allowed = ", ".join(knob_names(row.sim))
    builders = [
        lambda: embedsafe.make(env_id, colour=3),
        lambda: gym.make(env_id, colour=3),
        lambda: embedsafe.make_vec(env_id, 2, colour=3),
        lambda: EmbeddedEnv(row.sim, colour=3),
    ]
    for build in builders:
        with pytest.raises(ValueError, match="unknown knob 'colour'") as err:
            build()
        assert allowed in str(err.value)


def test_unknown_knob_from_the_cli(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", GRID, "--out", str(out), "--set", "env_kwargs.colour=3"]) == 2
    assert main(["play", GRID, "--set", "colour=3", "--max-frames", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("unknown knob 'colour'" in line for line in err)
    assert not out.exists()


def test_vec_step_before_reset():
    vec = embedsafe.make_vec(GRID, 4, seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        vec.step(np.zeros(4, np.int64))


@pytest.mark.parametrize(
    "actions",
    [np.zeros((2, 2), np.int64), np.zeros(3, np.int64), np.zeros((4, 1), np.int64), 1],
)
def test_vec_actions_need_one_per_copy(actions):
    vec = embedsafe.make_vec(GRID, 4, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match=r"shape \(num_envs,\) = \(4,\)"):
        vec.step(actions)


@pytest.mark.parametrize("action", [True, np.bool_(True), False])
def test_bool_is_no_action(action):
    env = embedsafe.make(GRID)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(action)
    vec = embedsafe.make_vec(GRID, 2, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match="must be integers"):
        vec.step(np.array([action, action]))


@pytest.mark.parametrize("bad", [[0.5, 1.0], [np.nan, 0.0], [1.0, np.inf], ["up", "up"]])
def test_vec_actions_must_be_integers(bad):
    vec = embedsafe.make_vec(GRID, 2, seed=0)
    vec.reset()
    with pytest.raises(ValueError, match="must be integers"):
        vec.step(np.array(bad))
