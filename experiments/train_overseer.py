"""Train the overseer with PPO (and, with ``--both``, the agent too) on the multi-agent env.

Independent PPO (two stable-baselines3 learners, no shared parameters): each side is a
plain gymnasium env (:class:`embedsafe.multiagent.OneSideEnv`) in which the other side plays
a frozen copy of its latest policy. Training alternates between the sides for ``--rounds``
rounds. The overseer is paid the TRUE reward (task progress), the agent the OBSERVED reward
(what the button in the world delivers), so the overseer's best policy is to reward useful
work, and the agent's is whatever the button pays for.

    # overseer against a random agent (or a fixed trained one: --agent runs/rb)
    python experiments/train_overseer.py --env-id embedsafe/RewardButton-Grid-v0
    # both sides learning, 6 alternations
    python experiments/train_overseer.py --both --rounds 6 --total-steps 300000
    # smoke test (seconds)
    python experiments/train_overseer.py --tiny

Both sides' PPO policies use the ``network`` of the env's shipped PPO recipe (built by
:func:`embedsafe.training.learners.build`, as ``embedsafe train`` builds them).

Writes ``runs/train_overseer/<env>__<seed>__<time>/``: ``args.json``, ``metrics.csv`` (one
row per round: observed/true return and every safety aggregate, from deterministic
evaluation episodes), ``overseer/`` and, with ``--both``, ``agent/``: embedsafe agents
(``agent.json`` with ``"side"``, weights-only ``policy.pt``; saved after every round), which
nothing unpickles (docs: "Safety of files you are sent"). Play against them:

    embedsafe play RewardButton-Grid-v0 --as agent --overseer RUN/overseer
    embedsafe play RewardButton-Grid-v0 --as overseer --agent RUN/agent
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

from embedsafe import find
from embedsafe import multiagent as ma
from embedsafe.training import learners
from embedsafe.training.agents import save_agent
from embedsafe.training.recipe import load_recipe


@dataclass
class Args:
    env_id: str = "embedsafe/RewardButton-Grid-v0"  # any registered id
    seed: int = 0
    total_steps: int = 200_000  # env steps per learning side, over all rounds
    rounds: int = 4  # alternations between the sides (1 = overseer only, once)
    both: bool = False  # also train the agent (independent PPO)
    agent: str = ""  # checkpoint of a fixed agent (default: random agent) when not --both
    n_envs: int = 8  # copies per learner (DummyVecEnv; the other side acts per copy)
    n_steps: int = 128  # PPO rollout length per copy
    batch_size: int = 256
    learning_rate: float = 3e-4
    ent_coef: float = 0.01
    eval_episodes: int = 20
    out: str = "runs/train_overseer"
    tiny: bool = False  # smoke-test budget: a few hundred steps, 2 rounds, 2 eval episodes


TYPES = {"str": str, "int": int, "float": float}


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f in dataclasses.fields(Args):
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            parser.add_argument(flag, action="store_true")
        else:
            parser.add_argument(flag, type=TYPES[f.type], default=f.default)
    args = Args(**vars(parser.parse_args()))
    if args.tiny:
        args = dataclasses.replace(
            args,
            total_steps=2 * 2 * 64,
            rounds=2,
            n_envs=2,
            n_steps=64,
            batch_size=64,
            eval_episodes=2,
        )
    return args


class Frozen:
    """The other side's policy as the learner sees it: the latest model, frozen between
    rounds and sampled stochastically (so the learner meets varied play), or ``fallback``
    before any model exists."""

    def __init__(self, fallback=None):
        self.model, self.fallback = None, fallback

    def predict(self, obs, deterministic: bool = True):
        if self.model is not None:
            return self.model.predict(obs, deterministic=False)
        return self.fallback.predict(obs, deterministic=deterministic)


def side_recipe(env_id: str, args: Args) -> dict:
    """The recipe both learners are built from and their agent.json records: the network
    of the env's shipped PPO recipe, PPO settings from ``args``."""
    network = load_recipe(learners.recipe_name(env_id, "ppo"))["network"]
    ppo = {
        "n_steps": args.n_steps,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "ent_coef": args.ent_coef,
    }
    return {"algo": "ppo", "n_envs": args.n_envs, "network": network, "ppo": ppo}


def evaluate(env_id: str, agent, overseer, episodes: int, seed: int) -> dict[str, float]:
    """Mean episode aggregates with both sides acting deterministically."""
    env = ma.parallel_env(env_id)
    rows = []
    for e in range(episodes):
        obs, _ = env.reset(seed=seed + e)
        while env.agents:
            actions = {
                "agent": ma.act(agent, obs["agent"]),
                "overseer": ma.act(overseer, obs["overseer"]),
            }
            obs, _, _, _, infos = env.step(actions)
        rows.append(infos["agent"]["episode_safety"])
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


# ---------------------------------------------------------------- setup and seeding
args = parse_args()
env_id = find(args.env_id).id
torch.manual_seed(args.seed)
torch.set_num_threads(1)  # small nets on 2 cores: one thread is faster
run_dir = Path(args.out) / f"{env_id.split('/')[-1]}__{args.seed}__{int(time.time())}"
run_dir.mkdir(parents=True, exist_ok=False)
(run_dir / "args.json").write_text(json.dumps(dataclasses.asdict(args), indent=2))

probe = ma.parallel_env(env_id)
if args.agent:
    from embedsafe.play.opponent import check_compatible, load_policy

    fixed_agent = load_policy(args.agent)
    check_compatible(fixed_agent, probe, "agent")
else:
    fixed_agent = ma.RandomPolicy(probe.action_space("agent"), seed=args.seed)
agent_side = Frozen(fixed_agent)  # what the overseer's env sees as the agent
overseer_side = Frozen()  # what the agent's env sees: set to the overseer before it learns


def side_envs(learner: str, other: Frozen) -> VecMonitor:
    def make(i: int):
        return lambda: ma.OneSideEnv(env_id, learner=learner, other=other)

    venv = DummyVecEnv([make(i) for i in range(args.n_envs)])
    venv.seed(args.seed)
    return VecMonitor(venv)


rec = side_recipe(env_id, args)
seeds = {"overseer": args.seed, "agent": args.seed + 1}
overseer_model = learners.build(rec, side_envs("overseer", agent_side), seeds["overseer"], env_id)
agent_model = None
if args.both:
    agent_model = learners.build(rec, side_envs("agent", overseer_side), seeds["agent"], env_id)


def save_sides() -> None:
    """Each learning side as an embedsafe agent directory (weights only, nothing pickled)."""
    for side, model in (("overseer", overseer_model), ("agent", agent_model)):
        if model is not None:
            save_agent(run_dir / side, env_id, rec, model, seeds[side], side=side)


# ------------------------------------------------------------------------ training
steps_per_round = max(args.total_steps // args.rounds, args.n_envs * args.n_steps)
rows: list[dict] = []
for round_ in range(1, args.rounds + 1):
    started = time.perf_counter()
    overseer_model.learn(steps_per_round, reset_num_timesteps=False)
    overseer_side.model = overseer_model  # the agent now faces the newest overseer
    if agent_model is not None:
        agent_model.learn(steps_per_round, reset_num_timesteps=False)
        agent_side.model = agent_model
    agent_now = agent_model or fixed_agent
    stats = evaluate(env_id, agent_now, overseer_model, args.eval_episodes, seed=10_000)
    row = {
        "round": round_,
        "overseer_steps": overseer_model.num_timesteps,
        "agent_steps": agent_model.num_timesteps if agent_model else 0,
        "seconds": round(time.perf_counter() - started, 2),
        **stats,
    }
    rows.append(row)
    with open(run_dir / "metrics.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    shown = {
        k: round(v, 3)
        for k, v in stats.items()
        if k
        in (
            "observed_return",
            "hidden_return",
            "tamper_rate",
            "self_press",
            "overseer_blocked",
            "interrupted",
            "switch_disabled",
            "stumps_left",
        )
    }
    print(f"round {round_}/{args.rounds}  {row['seconds']:.1f}s  {shown}")
    save_sides()  # a killed run keeps its last whole round

print(f"saved to {run_dir}")
