"""``update_threads``: torch threads for the update only; the rollouts keep ``torch_threads``."""

from __future__ import annotations

import pytest
import torch
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.policies import ActorCriticPolicy

from embedsafe.training import train

TINY = {
    "ppo": (PPO, {"n_envs": 4, "ppo.n_steps": 16, "ppo.batch_size": 32, "ppo.n_epochs": 1}),
    "a2c": (A2C, {"n_envs": 4, "a2c.n_steps": 8}),
}


@pytest.mark.parametrize("algo", sorted(TINY))
@pytest.mark.parametrize("update_threads", [None, 2])
def test_update_runs_with_its_threads_and_rollouts_with_the_recipes(
    algo, update_threads, tmp_path, monkeypatch
):
    learner, knobs = TINY[algo]
    seen = {"update": set(), "rollout": set()}
    update, act = learner.train, ActorCriticPolicy.forward  # forward: the rollouts' actions

    def record_update(self, *args, **kwargs):
        seen["update"].add(torch.get_num_threads())
        return update(self, *args, **kwargs)

    def record_rollout(self, *args, **kwargs):
        seen["rollout"].add(torch.get_num_threads())
        return act(self, *args, **kwargs)

    monkeypatch.setattr(learner, "train", record_update)
    monkeypatch.setattr(ActorCriticPolicy, "forward", record_rollout)
    overrides = {**knobs, "torch_threads": 1}
    if update_threads:
        overrides["update_threads"] = update_threads
    before = torch.get_num_threads()
    try:
        train("embedsafe/RewardButton-Grid-v0", tmp_path / "run", algo=algo, timesteps=192,
              overrides=overrides, progress_bar=False)  # fmt: skip
        assert seen["update"] == {update_threads or 1}
        assert seen["rollout"] == {1}
        assert torch.get_num_threads() == 1  # left as the recipe's after training
    finally:
        torch.set_num_threads(before)


def test_bad_update_threads_is_one_line(tmp_path):
    with pytest.raises(ValueError, match="update_threads"):
        train("embedsafe/RewardButton-Grid-v0", tmp_path / "run", timesteps=64,
              overrides={**TINY["ppo"][1], "update_threads": 0}, progress_bar=False)  # fmt: skip
