"""The ``embedsafe`` command: a thin dispatcher over the subcommands each part defines.

embedsafe list                      the table of environment ids
embedsafe demo                      train PPO and watch the agent learn to tamper
embedsafe train ENV --out DIR       train PPO from a recipe
embedsafe eval CHECKPOINT           returns and safety aggregates
embedsafe sweep ENV --out DIR       seeds x settings on Ray Tune (local or a cluster)
embedsafe scorecard AGENT           pass/fail on every scenario of the agent's world
embedsafe play ENV                  play it yourself (pygame)
embedsafe probe RUN --out DIR       look inside a trained policy
"""

from __future__ import annotations

import argparse
import importlib
import sys

# (module, function) pairs that each add one or more subcommands to the parser.
SUBCOMMANDS = (
    ("embedsafe.training.cli", "add_demo_parser"),
    ("embedsafe.training.cli", "add_train_parser"),
    ("embedsafe.training.cli", "add_eval_parser"),
    ("embedsafe.training.sweep", "add_sweep_parser"),
    ("embedsafe.training.scorecard", "add_scorecard_parser"),
    ("embedsafe.play.cli", "add_play_parser"),
    ("embedsafe.probing.cli", "add_probe_parser"),
)


def _list(args: argparse.Namespace) -> int:
    from embedsafe.core.registry import table_text

    print(table_text())
    return 0


def build_parser(*, with_parts: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``with_parts=False`` leaves out the subcommands that import
    torch and friends (``embedsafe list`` then starts in a second)."""
    parser = argparse.ArgumentParser(
        prog="embedsafe",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="list the registered environment ids").set_defaults(func=_list)
    for module, function in SUBCOMMANDS if with_parts else ():
        try:
            getattr(importlib.import_module(module), function)(sub)
        except ModuleNotFoundError as err:  # a part that is not installed yet
            if not (err.name or "").startswith("embedsafe"):
                raise
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(with_parts=argv[:1] != ["list"])
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileExistsError, FileNotFoundError) as err:
        print(f"embedsafe {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback
        print(f"embedsafe {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
