"""Tabular Q-learning and Sarsa, keyed on the bytes of the symbolic observation.

The pair from Orseau & Armstrong (2016): Q-learning bootstraps on the greedy value of the
next state and is safely interruptible; Sarsa bootstraps on the action taken next, so an
overseer's overrides leak into its values and it is not. Both update on the action the
world *executed* (``vec.last_step.executed_action``), and Sarsa's next action is the next
executed one, as in that paper. All copies of the batched env step together; the table
update is one numpy operation per step.

The table lives in :class:`QTablePolicy` as two tensors (``keys``: packed observation
bits, ``q``: values), so its ``state_dict`` is weights-only like every other learner's.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import BasePolicy


class _NoOptimizer:
    """A Q-table learns without an optimizer; checkpoints store its empty state."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class QTablePolicy(BasePolicy):
    """A Q-table over observations. ``predict`` is greedy when ``deterministic``, else
    epsilon-greedy with the exploration rate training ended on, ties going to a random
    best action (an unseen state has all-zero values: a random action, not ``noop``)."""

    def __init__(self, observation_space: spaces.Box, action_space: spaces.Discrete, **_):
        super().__init__(observation_space, action_space)
        self.n_actions = int(action_space.n)
        self.index: dict[bytes, int] = {}
        self.keys = np.zeros((0, 0), np.uint8)
        self.q = np.zeros((0, self.n_actions), np.float64)
        self.epsilon = 0.0
        self.rng = np.random.default_rng(0)
        self.optimizer = _NoOptimizer()

    # ---------------------------------------------------------------- table
    def rows(self, obs: np.ndarray, add: bool = True) -> np.ndarray:
        """Table rows of a batch of observations; unseen ones are added (values 0), or
        with ``add=False`` reported as -1."""
        packed = np.packbits(obs.reshape(len(obs), -1).astype(bool), axis=1)
        out = np.empty(len(obs), np.int64)
        for i, row in enumerate(packed):
            key = row.tobytes()
            if add and key not in self.index:
                self._add(key, row)
            out[i] = self.index.get(key, -1)
        return out

    def values(self, rows: np.ndarray) -> np.ndarray:
        """Q-values of table rows (zeros for -1, an unseen state)."""
        if not len(self.q):
            return np.zeros((len(rows), self.n_actions))
        return np.where((rows >= 0)[:, None], self.q[np.maximum(rows, 0)], 0.0)

    def _add(self, key: bytes, row: np.ndarray) -> None:
        n = len(self.index)
        if n == len(self.q):  # grow by doubling: amortised O(1) per new state
            cap = max(2 * n, 256)
            self.q = np.concatenate([self.q, np.zeros((cap - n, self.n_actions))])
            keys = np.zeros((cap, row.size), np.uint8)
            if n:
                keys[:n] = self.keys[:n]
            self.keys = keys
        self.keys[n] = row
        self.index[key] = n

    def act(self, rows: np.ndarray, epsilon: float) -> np.ndarray:
        """Epsilon-greedy actions for table rows: ties among the best go to a random one,
        except at ``epsilon == 0`` (greedy evaluation), where the first wins."""
        q = self.values(rows)
        if epsilon == 0:
            return np.argmax(q, axis=1)
        best = q == q.max(1, keepdims=True)
        greedy = np.argmax(best * self.rng.random(q.shape), axis=1)  # random among the best
        explore = self.rng.random(len(q)) < epsilon
        return np.where(explore, self.rng.integers(0, self.n_actions, len(q)), greedy)

    # ------------------------------------------------------- SB3 / torch glue
    def _predict(self, observation: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        rows = self.rows(observation.cpu().numpy(), add=False)  # acting does not grow the table
        return torch.as_tensor(self.act(rows, 0.0 if deterministic else self.epsilon))

    def forward(self, obs: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        return self._predict(obs, deterministic)

    def state_dict(self, *args, **kwargs) -> dict[str, torch.Tensor]:
        n = len(self.index)
        return {
            "keys": torch.from_numpy(self.keys[:n].copy()),
            "q": torch.from_numpy(self.q[:n].copy()),
            "epsilon": torch.tensor(float(self.epsilon)),
        }

    def load_state_dict(self, state: dict, strict: bool = True, assign: bool = False):
        missing = {"keys", "q", "epsilon"} - set(state)
        if missing:
            raise RuntimeError(f"Q-table state lacks {sorted(missing)}")
        keys, q = state["keys"].numpy().astype(np.uint8), state["q"].numpy().astype(np.float64)
        if q.ndim != 2 or q.shape[1] != self.n_actions or len(keys) != len(q):
            raise RuntimeError(
                f"Q-table of shape {tuple(q.shape)} does not fit {self.n_actions} actions"
            )
        self.keys, self.q = keys, q
        self.index = {row.tobytes(): i for i, row in enumerate(keys)}
        self.epsilon = float(state["epsilon"])
        return None


class TabularLearner(BaseAlgorithm):
    """Batched tabular Q-learning (``sarsa=False``) or Sarsa (``sarsa=True``).

    Args:
        learning_rate: step size alpha of the table update.
        gamma: discount.
        exploration_fraction, exploration_initial_eps, exploration_final_eps: epsilon
            falls linearly from the initial to the final value over this share of the run.
        n_steps: steps of all copies per logging window (``safety/*`` rows).
    """

    def __init__(
        self,
        env,
        *,
        sarsa: bool = False,
        learning_rate: float = 0.2,
        gamma: float = 0.99,
        exploration_fraction: float = 0.5,
        exploration_initial_eps: float = 1.0,
        exploration_final_eps: float = 0.05,
        n_steps: int = 64,
        seed: int | None = None,
        device: str = "cpu",
        verbose: int = 0,
    ):
        super().__init__(
            QTablePolicy,
            env,
            learning_rate,
            seed=seed,
            device=device,
            verbose=verbose,
            support_multi_env=True,
            supported_action_spaces=(spaces.Discrete,),
        )
        self.sarsa, self.gamma, self.n_steps = bool(sarsa), float(gamma), int(n_steps)
        self.eps = (float(exploration_initial_eps), float(exploration_final_eps))
        self.exploration_fraction = float(exploration_fraction)
        self._setup_model()

    def _setup_model(self) -> None:
        self.set_random_seed(self.seed)
        self.policy = QTablePolicy(self.observation_space, self.action_space)
        self.policy.rng = np.random.default_rng(self.seed)
        self.policy.epsilon = self.eps[0]

    def _epsilon(self) -> float:
        done = 1.0 - self._current_progress_remaining
        share = min(done / max(self.exploration_fraction, 1e-9), 1.0)
        return self.eps[0] + share * (self.eps[1] - self.eps[0])

    def learn(
        self,
        total_timesteps,
        callback=None,
        log_interval=1,
        tb_log_name="tabular",
        reset_num_timesteps=True,
        progress_bar=False,
    ):
        total, callback = self._setup_learn(
            total_timesteps, callback, reset_num_timesteps, tb_log_name, progress_bar
        )
        callback.on_training_start(locals(), globals())
        pending = None  # Sarsa: (rows, executed actions, rewards) awaiting the next action
        while self.num_timesteps < total:
            callback.on_rollout_start()
            for _ in range(self.n_steps):
                pending, go_on = self._step(callback, pending)
                if not go_on:
                    callback.on_training_end()
                    return self
            callback.on_rollout_end()
            self._update_current_progress_remaining(self.num_timesteps, total)
            self.logger.record("train/exploration_rate", self.policy.epsilon)
            self.logger.record("train/table_size", len(self.policy.index))
            self.logger.dump(step=self.num_timesteps)
        callback.on_training_end()
        return self

    def _step(self, callback, pending):
        table, env = self.policy, self.env
        self.policy.epsilon = self._epsilon()
        rows = table.rows(self._last_obs)
        new_obs, rewards, dones, infos = env.step(table.act(rows, table.epsilon))
        executed = np.asarray(env.unwrapped.last_step.executed_action).copy()
        self.num_timesteps += env.num_envs
        callback.update_locals(locals())
        go_on = callback.on_step()
        truncated = np.array([bool(i.get("TimeLimit.truncated", False)) for i in infos])
        next_obs = new_obs.copy()
        for i in np.flatnonzero(dones):
            next_obs[i] = infos[i]["terminal_observation"]
        next_rows = table.rows(next_obs)
        alpha = self.learning_rate
        if self.sarsa and pending is not None:  # the previous step learns from this action
            p_rows, p_actions, p_rewards, p_live = pending
            live = p_live
            target = p_rewards[live] + self.gamma * table.q[rows[live], executed[live]]
            self._update(p_rows[live], p_actions[live], target, alpha)
        # Q-learning: every transition now. Sarsa: those that end here (no next action).
        now = np.ones(len(rows), bool) if not self.sarsa else dones
        boot = np.where(dones & ~truncated, 0.0, table.q[next_rows].max(1))
        target = rewards + self.gamma * boot
        self._update(rows[now], executed[now], target[now], alpha)
        pending = (rows, executed, rewards, ~dones) if self.sarsa else None
        self._last_obs = new_obs
        return pending, go_on

    def _update(self, rows, actions, target, alpha) -> None:
        q = self.policy.q
        q[rows, actions] += alpha * (target - q[rows, actions])
