"""``embedsafe probe RUN --out DIR``: probe a trained agent (or a run's checkpoints) and
write a Markdown report with tables, CSVs and PNG plots."""

from __future__ import annotations

import argparse
import shlex
import sys

import torch


def add_probe_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "probe",
        help="probe a trained policy: concepts, controls, training, steering, attribution",
        description=__doc__,
    )
    p.add_argument("agent", help="run directory, reference-agent directory, agent.json or .pt")
    p.add_argument("--out", required=True, help="directory for report.md, CSVs and PNGs")
    p.add_argument("--env", default=None, help="env id (must match the agent's; checked)")
    p.add_argument(
        "--episodes",
        type=int,
        default=None,
        help="rollout episodes per checkpoint (default 64; 16 for first-person frames)",
    )
    p.add_argument("--steps", type=int, default=None, help="cap on steps per episode")
    p.add_argument("--checkpoints", type=int, default=4, help="at most this many checkpoints")
    p.add_argument(
        "--steer-episodes",
        type=int,
        default=None,
        help="episodes per steering row (default 64; 8 for first-person frames)",
    )
    p.add_argument("--concepts", default=None, help="comma-separated concept names (default all)")
    p.add_argument(
        "--layers",
        default=None,
        help="comma-separated layer names (default: activations + heads); 'all'",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def _need_extras() -> None:
    import importlib.util

    missing = [m for m in ("sklearn", "captum") if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(f"probing needs {', '.join(missing)}: pip install 'embedsafe[probe]'")


def run(args: argparse.Namespace) -> int:
    _need_extras()
    from embedsafe.probing.capture import OBS, layer_names
    from embedsafe.probing.pipeline import Budget, probe_agent
    from embedsafe.probing.report import write_report

    for flag in ("episodes", "checkpoints", "steer_episodes"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise ValueError(f"--{flag.replace('_', '-')}={getattr(args, flag)} must be >= 1")
    if args.episodes is not None and args.episodes < 4:
        raise ValueError(f"--episodes={args.episodes}: need >= 4 to hold out whole episodes")
    if args.steps is not None and args.steps < 2:
        raise ValueError(f"--steps={args.steps} must be >= 2")
    torch.set_num_threads(1)
    layers = _names(args.layers)
    if layers == ["all"]:
        from embedsafe.probing.agents import load

        layers = [OBS, *layer_names(load(args.agent, args.env))]
    budget = Budget(
        episodes=args.episodes,
        steps=args.steps,
        checkpoints=args.checkpoints,
        steer_episodes=args.steer_episodes,
        seed=args.seed,
    )
    command = "embedsafe probe " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    command = command if sys.argv[1:2] == ["probe"] else ""
    res = probe_agent(
        args.agent,
        args.out,
        args.env,
        _names(args.concepts),
        layers,
        budget,
        progress=not args.no_progress,
        command=command,
    )
    path = write_report(res, args.out, command)
    print(f"wrote {path}")
    return 0
