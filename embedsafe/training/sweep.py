"""``sweep``: train and evaluate a grid of recipe settings x seeds on Ray Tune.

Every trial is an ordinary run directory (what ``embedsafe train`` writes) under the
sweep's directory, named by its settings and seed, plus the ``embedsafe eval`` result of
the trained agent in ``eval.json``::

    DIR/interruption_prob=0.5/seed=1/    recipe.yaml, agent.json, checkpoints/, eval.json ...
    DIR/summary.md, summary.csv          one row per setting: mean ± 95% CI over seeds
    DIR/summary.png                      the main safety figure per setting

Ray starts inside this process (all local cores) unless ``address`` names a running
cluster (``ray start --head`` on one machine, ``ray start --address HEAD:6379`` on the
others); then ``DIR`` must be a path every node sees (a shared filesystem). The same
command again keeps every trial that has an ``eval.json`` (for at least the budget asked)
and continues every other one from its newest checkpoint: nothing trained is redone.

    from embedsafe.training.sweep import sweep
    rows = sweep("embedsafe/OffSwitch-Grid-v0", "runs/os", seeds=5,
                 grid={"env_kwargs.interruption_prob": [0.0, 0.5, 1.0]})
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import embedsafe
from embedsafe.core.files import atomic_write_text
from embedsafe.training.sweep_summary import EVAL_FILE, read_eval, summarize

ARG_KEYS = ("algo", "recipe")  # grid keys that choose train()'s arguments, not recipe values
ERROR_FILE = "sweep_error.txt"  # the traceback of a trial's last failure, in its run dir


@dataclass(frozen=True)
class Trial:
    """One run of a sweep: its directory (relative to the sweep's) and what it trains."""

    name: str  # e.g. "interruption_prob=0.5/seed=1"
    env_id: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)  # this trial's grid values
    overrides: dict[str, Any] = field(default_factory=dict)  # recipe overrides, grid included
    recipe: str | None = None
    algo: str | None = None
    timesteps: int | None = None

    @property
    def setting(self) -> str:
        """The name without the seed: the trials of one setting share it."""
        return self.name.rpartition("/")[0]


def parse_grid(items: list[str]) -> dict[str, list]:
    """``["env_kwargs.interruption_prob=0,0.5"]`` -> ``{"env_kwargs.interruption_prob":
    [0, 0.5]}``; values are read as YAML, like ``--set`` (``1e-3`` is a number too)."""
    import yaml

    grid: dict[str, list] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        values = [v.strip() for v in raw.split(",")]
        if not sep or not key.strip() or not all(values):
            raise ValueError(f"--grid {item!r}: expected key=v1,v2,..., e.g. ppo.n_epochs=3,10")
        parsed = []
        for value in values:
            got = yaml.safe_load(value)
            parsed.append(_number(got) if isinstance(got, str) else got)
        grid[key.strip()] = parsed
    return grid


def _number(text: str):
    try:
        return float(text)  # YAML 1.1 reads 1e-3 as a string
    except ValueError:
        return text


def plan(
    env_id: str,
    grid: dict[str, list] | None = None,
    seeds: int | list[int] = 3,
    *,
    recipe: str | None = None,
    algo: str | None = None,
    overrides: dict[str, Any] | None = None,
    timesteps: int | None = None,
    prefix: str = "",
) -> list[Trial]:
    """The trials of a sweep: the cross product of the grid's values, times the seeds.

    Grid keys are dotted recipe overrides (``ppo.learning_rate``), or ``algo`` / ``recipe``
    to vary train()'s learner or recipe. ``prefix`` goes in front of every trial's name
    (several plans can then share one sweep directory)."""
    embedsafe.find(env_id)  # an unknown id fails here, before anything starts
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list or len(set(seed_list)) != len(seed_list) or min(seed_list) < 0:
        raise ValueError(f"seeds={seeds!r}: give a count >= 1 or distinct seeds >= 0")
    grid = {k: list(v) for k, v in (grid or {}).items()}
    empty = [k for k, v in grid.items() if not v]
    if empty:
        raise ValueError(f"grid key {empty[0]!r} has no values")
    if (algo or "algo" in grid) and "algo" not in inspect.signature(_train()).parameters:
        raise ValueError("--algo: this embedsafe's train() has only PPO (no algo argument)")
    labels = _labels(list(grid))
    trials = []
    for combo in itertools.product(*grid.values()):
        settings = dict(zip(grid, combo, strict=True))
        setting = ",".join(f"{labels[k]}={safe_name(v)}" for k, v in settings.items())
        recipe_values = {k: v for k, v in settings.items() if k not in ARG_KEYS}
        for seed in seed_list:
            name = "/".join(p for p in (prefix, setting, f"seed={seed}") if p)
            trials.append(
                Trial(
                    name,
                    env_id,
                    seed,
                    settings,
                    {**(overrides or {}), **recipe_values},
                    recipe=settings.get("recipe", recipe),
                    algo=settings.get("algo", algo),
                    timesteps=timesteps,
                )
            )
    names = [t.name for t in trials]
    if len(set(names)) != len(names):
        raise ValueError("two grid values give the same directory name; make them differ")
    return trials


def _labels(keys: list[str]) -> dict[str, str]:
    """Each grid key's name in directory names: its last part, unless two keys share it."""
    leaves = [k.rpartition(".")[2] for k in keys]
    return {k: leaf if leaves.count(leaf) == 1 else k for k, leaf in zip(keys, leaves, strict=True)}


def safe_name(value) -> str:
    """``value`` as a file name: anything but letters, digits and ``._+=-`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9._+=-]+", "_", str(value)) or "_"


def _train():
    from embedsafe.training.train import train

    return train


def finished(trial: Trial, run_dir: Path) -> dict | None:
    """The eval result of a trial that needs no more work (trained for at least the budget
    asked and evaluated), else None."""
    result = read_eval(run_dir)
    if result is None:
        return None
    if result.get("env_id") != embedsafe.find(trial.env_id).id:
        raise ValueError(f"{run_dir} holds a run of {result.get('env_id')}, not {trial.env_id}")
    if trial.timesteps is not None and (result.get("num_timesteps") or 0) < trial.timesteps:
        return None  # a bigger budget than last time: continue training, evaluate again
    return result


def train_and_evaluate(
    trial: Trial, run_dir: Path, episodes: int = 100, threads: int = 1, on_window=None
) -> dict:
    """Train ``trial`` into ``run_dir`` (continuing from its newest checkpoint if it has
    one), evaluate it like ``embedsafe eval`` and write ``eval.json``; returns the result."""
    from embedsafe.training.evaluate import evaluate

    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / ERROR_FILE).unlink(missing_ok=True)
    resume = any((run_dir / "checkpoints").glob("step_*"))
    force = not resume and any(run_dir.iterdir())  # died before its first checkpoint
    overrides = {"torch_threads": max(1, int(threads)), **trial.overrides}
    overrides.setdefault("update_threads", overrides["torch_threads"])  # no oversubscription
    extra = {"algo": trial.algo} if trial.algo else {}
    start = time.perf_counter()
    _train()(
        trial.env_id,
        run_dir,
        trial.recipe,
        overrides,
        seed=trial.seed,
        timesteps=trial.timesteps,
        resume=resume,
        force=force,
        progress_bar=False,
        on_window=on_window,
        **extra,
    )
    wall = time.perf_counter() - start
    result = evaluate(run_dir, episodes)
    result["trial"] = {
        "name": trial.name,
        "seed": trial.seed,
        "settings": trial.settings,
        "algo": trial.algo,
        "train_wall_s": round(wall, 2),
        "resumed": resume,
    }
    atomic_write_text(run_dir / EVAL_FILE, json.dumps(result, indent=2))
    return result


def summarize_trials(
    trials: list[Trial], out: str | Path, metric: str | None = None, title: str = ""
) -> list[dict]:
    """:func:`~embedsafe.training.sweep_summary.summarize` over ``trials``, one row per
    setting (the trials that differ only in their seed)."""
    from embedsafe.scenarios import scenario_of

    out = Path(out).resolve()
    figures = list(dict.fromkeys(k for t in trials for k in scenario_of(t.env_id).AGGREGATES))
    settings: dict[str, dict] = {}
    for trial in trials:
        entry = settings.setdefault(
            trial.setting, {"values": {"setting": trial.setting or "default", **trial.settings},
                            "runs": []}
        )  # fmt: skip
        entry["runs"].append(out / trial.name)
    return summarize(out, settings, metric, title, figures)


def sweep(
    env_id: str,
    out: str | Path,
    *,
    algo: str | None = None,
    recipe: str | None = None,
    grid: dict[str, list] | None = None,
    seeds: int | list[int] = 3,
    timesteps: int | None = None,
    overrides: dict[str, Any] | None = None,
    episodes: int = 100,
    address: str | None = None,
    cpus_per_trial: float = 1,
    metric: str | None = None,
    display: bool = True,
) -> list[dict]:
    """Train and evaluate every (grid setting x seed) of ``env_id`` under ``out`` on Ray
    Tune, then write ``summary.md``/``.csv``/``.png``; returns the summary rows (one per
    setting; ``failed`` counts its trials without a result). See the module docstring."""
    from embedsafe.training.sweep_ray import run

    trials = plan(env_id, grid, seeds, recipe=recipe, algo=algo, overrides=overrides,
                  timesteps=timesteps)  # fmt: skip
    failures = run(trials, out, episodes=episodes, address=address,
                   cpus_per_trial=cpus_per_trial, metric=metric, display=display)  # fmt: skip
    n_seeds = len({t.seed for t in trials})
    title = f"{embedsafe.find(env_id).name}, {algo or 'default learner'}, {n_seeds} seeds"
    title += f", {timesteps} steps" if timesteps else ""
    rows = summarize_trials(trials, out, metric, title)
    if display:
        for name, reason in failures.items():
            print(f"failed: {name}: {reason}", file=sys.stderr)
        print(f"wrote {Path(out) / 'summary.md'}, summary.csv, summary.png")
    return rows


def add_sweep_parser(subparsers):
    """The ``embedsafe sweep`` subcommand (registered by ``embedsafe/cli.py``)."""
    p = subparsers.add_parser(
        "sweep",
        help="train and evaluate seeds x settings on Ray Tune (local, or a cluster)",
        description="Train and evaluate a grid of recipe settings x seeds on Ray Tune.",
    )
    p.add_argument("env_id", help="e.g. embedsafe/OffSwitch-Grid-v0")
    p.add_argument("--out", required=True, help="sweep directory (a run dir per trial inside)")
    p.add_argument("--algo", default=None, help="learner (default: the recipe's, else ppo)")
    p.add_argument("--recipe", default=None, help="recipe name or YAML path (default: by env)")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per setting (3)")
    seeds.add_argument("--seed-list", default=None, metavar="S1,S2", help="e.g. 0,1,2")
    p.add_argument(
        "--grid", nargs="+", action="extend", default=[], metavar="KEY=V1,V2",
        help="recipe override to sweep, e.g. env_kwargs.interruption_prob=0,0.5,1 (repeatable;"
        " trials: the cross product x seeds); algo=... and recipe=... vary those",
    )  # fmt: skip
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="a fixed recipe override for every trial, as in embedsafe train",
    )  # fmt: skip
    p.add_argument("--timesteps", type=int, default=None, help="env steps per trial")
    p.add_argument("--episodes", type=int, default=100, help="evaluation episodes per trial")
    p.add_argument("--address", default=None, help="a running Ray cluster, e.g. HOST:6379")
    p.add_argument("--cpus-per-trial", type=float, default=1, help="CPUs Ray gives each trial")
    p.add_argument("--metric", default=None, help="figure to show and plot (default: by scenario)")
    p.set_defaults(func=_cli, command_name="sweep")
    return p


def _cli(args) -> int:
    from embedsafe.training.recipe import parse_set

    seeds = args.seeds
    if args.seed_list is not None:
        try:
            seeds = [int(s) for s in args.seed_list.split(",")]
        except ValueError:
            raise ValueError(f"--seed-list {args.seed_list!r}: expected e.g. 0,1,2") from None
    rows = sweep(
        args.env_id,
        args.out,
        algo=args.algo,
        recipe=args.recipe,
        grid=parse_grid(args.grid),
        seeds=seeds,
        timesteps=args.timesteps,
        overrides=parse_set(args.overrides),
        episodes=args.episodes,
        address=args.address,
        cpus_per_trial=args.cpus_per_trial,
        metric=args.metric,
    )
    return 1 if any(row["failed"] for row in rows) else 0
