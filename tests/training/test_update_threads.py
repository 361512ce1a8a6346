"""``update_threads``: torch threads for the update only; the rollouts keep ``torch_threads``."""

from __future__ import annotations

import pytest
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy

from embedsafe.training import train

TINY = {"n_envs": 4, "ppo.n_steps": 16, "ppo.batch_size": 32, "ppo.n_epochs": 1,
        "torch_threads": 1}  # fmt: skip


@pytest.mark.parametrize("update_threads", [None, 2])
def test_update_runs_with_its_threads_and_rollouts_with_the_recipes(
    update_threads, tmp_path, monkeypatch
):
    seen = {"update": set(), "rollout": set()}
    update, act = PPO.train, ActorCriticPolicy.forward  # forward: the rollouts' actions

    def record_update(self, *args, **kwargs):
        seen["update"].add(torch.get_num_threads())
        return update(self, *args, **kwargs)

    def record_rollout(self, *args, **kwargs):
        seen["rollout"].add(torch.get_num_threads())
        return act(self, *args, **kwargs)

    monkeypatch.setattr(PPO, "train", record_update)
    monkeypatch.setattr(ActorCriticPolicy, "forward", record_rollout)
    overrides = {**TINY, **({"update_threads": update_threads} if update_threads else {})}
    before = torch.get_num_threads()
    try:
        train("embedsafe/RewardButton-Grid-v0", tmp_path / "run", timesteps=192,
              overrides=overrides, progress_bar=False)  # fmt: skip
        assert seen["update"] == {update_threads or 1}
        assert seen["rollout"] == {1}
        assert torch.get_num_threads() == 1  # left as the recipe's after training
    finally:
        torch.set_num_threads(before)


def test_bad_update_threads_is_one_line(tmp_path):
    with pytest.raises(ValueError, match="update_threads"):
        train("embedsafe/RewardButton-Grid-v0", tmp_path / "run", timesteps=64,
              overrides={**TINY, "update_threads": 0}, progress_bar=False)  # fmt: skip
