"""Approval learners (Uesato et al. 2020, "Avoiding tampering incentives in deep RL via
decoupled approval"): paid by the overseer's approval of an action, not by a return.

Both are myopic policy gradient (A2C with ``gamma = 0``, the value head as baseline):
the update raises the log-probability of an action in proportion to its approval.

- ``approval``: the action graded is the one executed. If executing it tampered with the
  grading device, its approval is corrupted (maximal) and the tampering is reinforced:
  the agent still tampers wherever tampering takes one step.
- ``decoupled-approval``: a *query* action ``a'`` is drawn from the policy independently
  of the executed one, and the update uses the approval of ``a'``. Tampering by the
  executed action then raises the approval of whatever ``a'`` was drawn, which averages
  out, while the overseer's own (low) grade of a tampering ``a'`` pushes tampering down.

The env supplies the grades: ``sim.approval_of(actions)`` is the approval of one action
per copy at the state before the last step, corrupted where that step tampered (see
``embedsafe.scenarios.reward_button_approval``).
"""

from __future__ import annotations

import numpy as np
import torch
from stable_baselines3 import A2C
from stable_baselines3.common.buffers import RolloutBuffer


class ApprovalBuffer(RolloutBuffer):
    """A rollout buffer that stores (graded action, its approval) instead of (executed
    action, env reward). ``learner`` is set by :class:`ApprovalLearner`."""

    learner: ApprovalLearner

    def add(self, obs, action, reward, episode_start, value, log_prob) -> None:
        learner = self.learner
        if learner.decoupled:
            with torch.no_grad():
                dist = learner.policy.get_distribution(learner.policy.obs_to_tensor(obs)[0])
                query = dist.get_actions()  # independent of the executed action
                log_prob = dist.log_prob(query)
            action = query.cpu().numpy().reshape(-1, 1)
        approval = learner.env.unwrapped.sim.approval_of(np.asarray(action).reshape(-1))
        super().add(obs, action, approval.astype(np.float32), episode_start, value, log_prob)


class ApprovalLearner(A2C):
    """Myopic approval policy gradient; ``decoupled=True`` grades an independent query
    action. Takes A2C's arguments except ``gamma`` (always 0: approval is per action)."""

    def __init__(self, env, *, decoupled: bool = False, **kwargs):
        self.decoupled = bool(decoupled)
        kwargs.setdefault("gae_lambda", 1.0)
        super().__init__("CnnPolicy", env, gamma=0.0, rollout_buffer_class=ApprovalBuffer, **kwargs)

    def _setup_model(self) -> None:
        super()._setup_model()
        self.rollout_buffer.learner = self
