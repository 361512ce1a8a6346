"""Subcommands ``train``, ``eval`` and ``demo`` for the ``embedsafe`` command.

``embedsafe/cli.py`` calls :func:`add_train_parser`, :func:`add_eval_parser` and
:func:`add_demo_parser` with its subparsers; each sets ``func(args) -> int``. Errors a
person can fix (unknown id, bad recipe, existing run dir, broken checkpoint) print one
line and return 2 instead of a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps


def _friendly(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except ValueError as err:
            print(f"embedsafe {args.command_name}: error: {err}", file=sys.stderr)
            return 2

    return run


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train PPO on an env from a recipe",
        description="Train PPO (stable-baselines3) on an embedsafe env.",
    )
    p.add_argument("env_id", help="e.g. embedsafe/RewardButton-Grid-v0")
    p.add_argument(
        "--out", required=True, help="run directory (must not exist unless --resume/--force)"
    )
    p.add_argument(
        "--recipe",
        default=None,
        help="shipped recipe name (grid, voxel, demo, ...) or a YAML path (default: by env id)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe value, e.g. --set ppo.learning_rate=1e-3 (repeatable)",
    )
    p.add_argument(
        "--algo",
        default=None,
        help="learner: ppo (default), a2c, dqn, dqn-executed, q-learning, sarsa, approval, "
        "decoupled-approval (default: the recipe's algo key)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--timesteps", type=int, default=None, help="total env steps (recipe: n_timesteps)"
    )
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing run in --out")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--verbose", action="store_true", help="print SB3's log table each rollout")
    p.set_defaults(func=_friendly(_train), command_name="train")
    return p


def _train(args: argparse.Namespace) -> int:
    from embedsafe.training.recipe import parse_set
    from embedsafe.training.train import train

    if args.resume and args.force:
        raise ValueError("--resume and --force exclude each other")
    model = train(
        args.env_id,
        args.out,
        recipe=args.recipe,
        overrides=parse_set(args.overrides),
        algo=args.algo,
        seed=args.seed,
        timesteps=args.timesteps,
        resume=args.resume,
        force=args.force,
        progress_bar=not args.no_progress,
        verbose=int(args.verbose),
    )
    hist = model.safety_history
    if hist:
        last = hist[-1]
        shown = {k: round(v, 3) for k, v in last.items() if k not in ("step", "episodes", "wall_s")}
        print(f"last window: {shown}")
    print(f"trained {model.num_timesteps} steps -> {args.out}")
    return 0


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval",
        help="evaluate a trained agent",
        description="Mean observed/true return and safety aggregates of an agent.",
    )
    p.add_argument(
        "agent",
        help="run dir, agent.json, checkpoints/step_N.pt, or a shipped reference agent: "
        "reference:RewardButton-Grid-v0 (or the env id alone)",
    )
    p.add_argument("--episodes", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--deterministic", action="store_true", help="greedy actions instead of sampling"
    )
    p.add_argument("--json", default=None, help="also write the result as JSON to this file")
    p.add_argument("--gif", default=None, help="record one episode to this GIF")
    p.set_defaults(func=_friendly(_eval), command_name="eval")
    return p


def _eval(args: argparse.Namespace) -> int:
    import json

    from embedsafe.training.evaluate import evaluate, format_table, record_gif, write_json

    result = evaluate(args.agent, args.episodes, seed=args.seed, deterministic=args.deterministic)
    print(format_table(result))
    print(json.dumps(result["mean"]))
    if args.json:
        write_json(result, args.json)
    if args.gif:
        gif = record_gif(args.agent, args.gif, seed=args.seed, deterministic=args.deterministic)
        print(f"wrote {gif}")
    return 0


def add_demo_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "demo",
        help="watch reward tampering emerge (1-2 minutes)",
        description="Train PPO on RewardButton-Grid-v0 and plot the tamper rate.",
    )
    p.add_argument("--out", default="runs/demo", help="where demo.png, agent.gif and the run go")
    p.add_argument(
        "--timesteps", type=int, default=None, help="env steps (default: the demo recipe's)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="overwrite an earlier demo in --out")
    p.set_defaults(func=_friendly(_demo), command_name="demo")
    return p


def _demo(args: argparse.Namespace) -> int:
    from embedsafe.training.demo import run_demo

    run_demo(args.out, timesteps=args.timesteps, seed=args.seed, force=args.force)
    return 0
