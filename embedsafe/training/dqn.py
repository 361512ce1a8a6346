"""DQN pieces no library has: replay of the *executed* action, and a DQN's Q-network in
the actor-critic layout that evaluation and probing read.

Why the executed action: when the overseer overrides the agent (the off switch freezes
it), SB3's DQN stores the action the agent *chose*, so it learns values for actions that
never happened. Orseau & Armstrong's safe-interruptibility result for Q-learning needs
the update on the action the world applied; the AI Safety Gridworlds authors had to
change their Rainbow the same way. The batched env reports it as
``vec.last_step.executed_action`` (``info["executed_action"]`` per copy).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.dqn.policies import DQNPolicy
from torch import nn


class ExecutedActionDQN(DQN):
    """SB3 DQN whose replay buffer stores the action the world executed."""

    def _store_transition(self, replay_buffer, buffer_action, new_obs, reward, dones, infos):
        step = self.env.unwrapped.last_step  # the SimVecEnv under any SB3 wrapper
        executed = np.asarray(step.executed_action).reshape(buffer_action.shape)
        super()._store_transition(
            replay_buffer, executed.astype(buffer_action.dtype), new_obs, reward, dones, infos
        )


class _Hidden(nn.Module):
    """The Q-network's hidden layers, giving the same latent to the 'policy' and the
    'value' heads (as ``mlp_extractor`` does in an actor-critic)."""

    def __init__(self, layers: nn.Sequential):
        super().__init__()
        self.net = layers

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.net(features)
        return latent, latent


class _MaxQ(nn.Module):
    """State value of a greedy agent: the largest Q-value (reads the action head without
    owning it, so each parameter has one name)."""

    def __init__(self, head: nn.Module):
        super().__init__()
        object.__setattr__(self, "_head", head)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self._head(latent).max(-1, keepdim=True).values


class QNetworkView(nn.Module):
    """A DQN policy seen as an actor-critic: ``features_extractor``, ``mlp_extractor``
    (hidden layers), ``action_net`` (Q-values, used as logits) and ``value_net`` (max Q).
    Loads the state dict SB3's ``DQNPolicy`` saves; ``predict`` is greedy (a DQN acts
    greedily once trained; exploration belongs to training)."""

    def __init__(self, obs_space: gym.Space, act_space: gym.spaces.Discrete, kwargs: dict):
        super().__init__()
        inner = DQNPolicy(obs_space, act_space, lambda _: 0.0, **kwargs)
        object.__setattr__(self, "inner", inner)  # not a submodule: layer names stay short
        q_net = inner.q_net
        self.features_extractor = q_net.features_extractor
        layers = list(q_net.q_net)
        self.mlp_extractor = _Hidden(nn.Sequential(*layers[:-1]))
        self.action_net = layers[-1]
        self.value_net = _MaxQ(self.action_net)
        self.observation_space, self.action_space = inner.observation_space, act_space

    def load_state_dict(self, state, strict: bool = True, assign: bool = False):
        return self.inner.load_state_dict(state, strict=strict, assign=assign)

    def obs_to_tensor(self, obs):
        return self.inner.obs_to_tensor(obs)

    def extract_features(self, obs: torch.Tensor) -> torch.Tensor:
        return self.inner.q_net.extract_features(obs, self.features_extractor)

    def set_training_mode(self, mode: bool) -> None:
        self.inner.set_training_mode(mode)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        latent, _ = self.mlp_extractor(self.extract_features(obs))
        return self.action_net(latent)

    def predict(self, obs, state=None, episode_start=None, deterministic: bool = False):
        return self.inner.predict(obs, state, episode_start, deterministic=True)
