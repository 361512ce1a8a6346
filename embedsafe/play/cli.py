"""``embedsafe play``: the command-line entry to human play.

    embedsafe play embedsafe/RewardButton-Grid-v0                    # you are the agent
    embedsafe play RewardButton-Grid-v0 --as overseer --agent runs/x
    embedsafe play RewardButton-Grid-v0 --overseer runs/train_overseer/RUN/overseer
    embedsafe play OffSwitch-Grid-v0 --record plays/me.npz --seed 3 --fps 6
    embedsafe play RewardButton-Grid-v0 --keys my_keys.yaml --set guarded=true

The team's dispatcher (``embedsafe/cli.py``) calls :func:`add_play_parser`.
"""

from __future__ import annotations

import argparse
import sys

import yaml

from embedsafe.play.loop import MAX_FPS

HELP = "play an environment yourself, as the agent or as the overseer (pygame window)"


def add_play_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``play`` subcommand (``set_defaults(func=run)``)."""
    p = subparsers.add_parser(
        "play",
        help=HELP,
        description=HELP + ". Controls are listed "
        "on screen; space/p pause, r restart, +/- speed, esc/q quit.",
    )
    p.add_argument("env_id", help="environment id, e.g. embedsafe/RewardButton-Grid-v0")
    p.add_argument(
        "--as",
        dest="role",
        choices=("agent", "overseer"),
        default="agent",
        help="which side you play (default: agent)",
    )
    p.add_argument(
        "--agent",
        metavar="CHECKPOINT",
        default=None,
        help="trained agent to play against (with --as overseer): a run or "
        "reference-agent directory, agent.json or checkpoints/step_N.pt "
        "(weights only; SB3 .zip files are refused, they unpickle code)",
    )
    p.add_argument(
        "--overseer",
        metavar="CHECKPOINT",
        default=None,
        help="trained overseer to play against (with --as agent): the overseer/ directory "
        "of an experiments/train_overseer.py run; default: scripted",
    )
    p.add_argument(
        "--record",
        metavar="FILE",
        default=None,
        help="save the played episodes to FILE (.npz; see embedsafe.play.record), "
        "after every episode and on quit, Ctrl-C, SIGTERM or SIGHUP",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing --record FILE")
    p.add_argument(
        "--fps",
        type=float,
        default=8.0,
        help=f"world steps per second, 0 to {MAX_FPS:g} (0 = as fast as possible; default 8)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the first episode")
    p.add_argument("--keys", metavar="CONFIG.yaml", default=None, help="key bindings to override")
    p.add_argument(
        "--set",
        dest="knobs",
        metavar="KNOB=VALUE",
        action="append",
        default=[],
        help="scenario knob (repeatable; VALUE is read as YAML, e.g. guarded=true)",
    )
    p.add_argument("--max-frames", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run)
    return p


def parse_knobs(items: list[str]) -> dict:
    knobs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--set {item!r}: expected KNOB=VALUE, e.g. --set guarded=true")
        try:
            knobs[name.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ValueError(f"--set {item!r}: VALUE is not valid YAML") from None
    return knobs


def run(args: argparse.Namespace) -> int:
    """Run ``embedsafe play``; returns the exit status (2 on a bad argument)."""
    from embedsafe.play.keys import load_key_config
    from embedsafe.play.loop import play

    try:
        if args.role == "agent" and args.agent:
            raise ValueError(
                "--agent CHECKPOINT is the AI agent you play against; "
                "use it with --as overseer (or --overseer CHECKPOINT as the agent)"
            )
        if args.role == "overseer" and args.overseer:
            raise ValueError(
                "--overseer CHECKPOINT is the AI overseer you play against; "
                "use it with --as agent (or --agent CHECKPOINT as the overseer)"
            )
        keys = load_key_config(args.keys) if args.keys else None
        result = play(
            args.env_id,
            args.role,
            opponent=args.agent or args.overseer,
            record=args.record,
            fps=args.fps,
            seed=args.seed,
            keys=keys,
            max_frames=args.max_frames,
            force=args.force,
            **parse_knobs(args.knobs),
        )
    except (ValueError, FileNotFoundError) as err:
        print(f"embedsafe play: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before the window opened (loading the env or the agent)
        print("embedsafe play: interrupted", file=sys.stderr)
        return 130
    stopped = f" (stopped by {result.interrupted})" if result.interrupted else ""
    print(f"played {result.steps} steps, {result.episodes} finished episodes{stopped}")
    if result.recording:
        print(f"recording saved to {result.recording}")
    return 130 if result.interrupted else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m embedsafe.play.cli play ...``)."""
    parser = argparse.ArgumentParser(prog="embedsafe")
    add_play_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
