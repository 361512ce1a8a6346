"""agent.json's ``side``: an overseer rebuilds with the multi-agent env's overseer spaces,
a bad side is refused in one line, and play refuses a side's policy for the other side."""

from __future__ import annotations

import json

import pytest
import torch

from embedsafe import multiagent as ma
from embedsafe.play.opponent import check_compatible
from embedsafe.training import learners, load_agent

GRID = "embedsafe/RewardButton-Grid-v0"
NETWORK = {"kind": "grid", "channels": [4], "features_dim": 8, "net_arch": {"pi": [], "vf": []}}


def saved_policy(folder, side: str | None):
    """An untrained policy of ``side`` saved as agent.json + policy.pt (no side key: None)."""
    env = ma.parallel_env(GRID)
    obs_space, act_space = (
        env.observation_space(side or ma.AGENT),
        env.action_space(side or ma.AGENT),
    )
    meta = {
        "env_id": GRID,
        "obs_shape": list(obs_space.shape),
        "n_actions": int(act_space.n),
        "network": NETWORK,
    }
    if side is not None:
        meta["side"] = side
    folder.mkdir()
    torch.save(learners.empty_policy(meta, obs_space, act_space).state_dict(), folder / "policy.pt")
    (folder / "agent.json").write_text(json.dumps(meta))
    return folder


def test_overseer_rebuilds_with_the_overseer_spaces(tmp_path):
    env = ma.parallel_env(GRID)
    assert env.action_space(ma.OVERSEER).n != env.action_space(ma.AGENT).n  # a real test
    policy = load_agent(saved_policy(tmp_path / "overseer", ma.OVERSEER), side=ma.OVERSEER)
    assert policy.action_space.n == env.action_space(ma.OVERSEER).n
    assert policy.embedsafe_meta["side"] == ma.OVERSEER
    check_compatible(policy, env, ma.OVERSEER)
    obs, _ = env.reset(seed=0)
    assert 0 <= ma.act(policy, obs[ma.OVERSEER]) < env.action_space(ma.OVERSEER).n


def test_no_side_loads_as_the_agent(tmp_path):
    env = ma.parallel_env(GRID)
    policy = load_agent(saved_policy(tmp_path / "agent", None))
    assert policy.action_space.n == env.action_space(ma.AGENT).n
    check_compatible(policy, env, ma.AGENT)


@pytest.mark.parametrize("trained, asked", [("overseer", "agent"), ("agent", "overseer")])
def test_a_side_given_for_the_other_is_one_clear_line(tmp_path, trained, asked):
    policy = load_agent(saved_policy(tmp_path / trained, trained), side=None)
    with pytest.raises(ValueError, match=f"trained as the {trained}") as err:
        check_compatible(policy, ma.parallel_env(GRID), asked)
    message = str(err.value)
    assert "\n" not in message and f"--{trained}" in message and f"as the {asked} only" in message


@pytest.mark.parametrize("side", ["boss", "Overseer", 1, None])
def test_a_wrong_side_is_refused(tmp_path, side):
    folder = saved_policy(tmp_path / "a", ma.OVERSEER)
    meta = json.loads((folder / "agent.json").read_text())
    (folder / "agent.json").write_text(json.dumps({**meta, "side": side}))
    with pytest.raises(ValueError, match=r"side=.* is not a side; allowed: 'agent' or 'overseer'"):
        load_agent(folder, side=None)


def test_eval_probe_and_scorecard_take_agents_only(tmp_path):
    """``load_agent``'s default side is the agent: an overseer handed to ``eval``, probing or
    the scorecard is refused in one line that says how to play against it instead."""
    folder = saved_policy(tmp_path / "overseer", ma.OVERSEER)
    with pytest.raises(ValueError, match="trained as the overseer") as err:
        load_agent(folder)
    assert "\n" not in str(err.value) and "--as agent --overseer" in str(err.value)
