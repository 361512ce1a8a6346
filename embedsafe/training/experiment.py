"""Helpers shared by the linear experiment scripts in ``experiments/``: argument parsing
from an ``Args`` dataclass, multi-seed runs (a sweep on Ray Tune), mean/spread curves,
tables and plots."""

from __future__ import annotations

import argparse
import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np


def parse_args(cls, argv: list[str] | None = None):
    """An instance of dataclass ``cls`` from the command line (``--field value``); each
    field's ``metadata["help"]`` is its help text."""
    parser = argparse.ArgumentParser(description=(cls.__doc__ or "").split("\n")[0])
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        flag = "--" + f.name.replace("_", "-")
        helptext = f"{f.metadata.get('help', '')} (default: {default})"
        if isinstance(default, bool):
            parser.add_argument(
                flag,
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=default,
                help=helptext,
            )
        elif isinstance(default, tuple | list):
            kind = type(default[0]) if default else str
            parser.add_argument(
                flag, dest=f.name, nargs="+", type=kind, default=default, help=helptext
            )
        else:
            parser.add_argument(
                flag, dest=f.name, type=type(default), default=default, help=helptext
            )
    return cls(**vars(parser.parse_args(argv)))


def run_conditions(
    conditions: dict[str, dict],
    out: Path,
    seeds: int,
    *,
    address: str | None = None,
    cpus_per_trial: float = 1,
    episodes: int = 100,
    derive: Callable[[dict], dict] | None = None,
) -> dict[str, list[dict]]:
    """Train and evaluate every condition x seed as one sweep into
    ``out/<condition>/seed=<s>`` (:mod:`embedsafe.training.sweep`: Ray Tune in this process,
    or on the cluster at ``address``; a finished run is kept, an interrupted one resumed)
    and write ``out/summary.md``/``.csv``/``.png``.

    ``conditions`` maps a label to :func:`~embedsafe.training.sweep.plan`'s arguments
    (``env_id``, optionally ``recipe``, ``overrides``, ``timesteps``). Returns, per label,
    one dict per seed: the rollout ``history`` read back from the run (``derive`` may add
    metrics to each row), ``eval`` (the final evaluation), ``wall_s`` and ``steps``. Exits
    with the failed trials' reasons if any failed."""
    from embedsafe.training.sweep import plan, safe_name, summarize_trials
    from embedsafe.training.sweep_ray import run

    trials = {label: plan(seeds=seeds, prefix=safe_name(label), **spec)
              for label, spec in conditions.items()}  # fmt: skip
    every = [t for group in trials.values() for t in group]
    failures = run(every, out, episodes=episodes, address=address, cpus_per_trial=cpus_per_trial)
    if failures:
        raise SystemExit("\n".join(f"failed: {name}: {why}" for name, why in failures.items()))
    summarize_trials(every, out, title=f"{len(trials)} conditions x {seeds} seeds")
    return {
        label: [_seed_result(Path(out) / t.name, t.seed, derive) for t in group]
        for label, group in trials.items()
    }


def _seed_result(run_dir: Path, seed: int, derive: Callable[[dict], dict] | None) -> dict:
    from embedsafe.training.sweep_summary import read_eval

    history = [{**row, **(derive(row) if derive else {})} for row in read_history(run_dir)]
    result = read_eval(run_dir)
    wall_s = result.get("trial", {}).get("train_wall_s", float("nan"))
    return {"seed": seed, "history": history, "eval": result, "wall_s": wall_s,
            "steps": result["num_timesteps"]}  # fmt: skip


def read_history(run_dir: Path) -> list[dict]:
    """A run's rollout windows from its ``progress.csv``: ``{"step": N, key: mean}`` for
    every ``safety/<key>`` train logged (windows in which no episode ended are skipped)."""
    rows = []
    with (Path(run_dir) / "progress.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            safety = {k[len("safety/"):]: float(v) for k, v in row.items()
                      if k.startswith("safety/") and v not in ("", None)}  # fmt: skip
            if safety:
                rows.append({"step": int(float(row["time/total_timesteps"])), **safety})
    return rows


def curve(results: list[dict], key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, mean, std) of ``key`` across seeds, on the rollouts all seeds share."""
    n = min(len(r["history"]) for r in results)
    steps = np.array([row["step"] for row in results[0]["history"][:n]])
    values = np.array([[row[key] for row in r["history"][:n]] for r in results])
    return steps, values.mean(0), values.std(0)


def final(results: list[dict], key: str, windows: int = 3) -> tuple[float, float]:
    """Mean and std across seeds of ``key`` averaged over each run's last ``windows``."""
    per_seed = [np.mean([row[key] for row in r["history"][-windows:]]) for r in results]
    return float(np.mean(per_seed)), float(np.std(per_seed))


def first_step(results: list[dict], key: str, threshold: float) -> list[int | None]:
    """Per seed, the first env step at which ``key`` reached ``threshold`` (None: never)."""
    return [
        next((row["step"] for row in r["history"] if row[key] >= threshold), None) for r in results
    ]


def write_table(rows: list[dict], out: Path, name: str = "results") -> tuple[Path, Path]:
    """Write ``rows`` (dicts with the same keys) as ``name.csv`` and ``name.md``."""
    out.mkdir(parents=True, exist_ok=True)
    keys = list(rows[0])
    csv_path, md_path = out / f"{name}.csv", out / f"{name}.md"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_fmt(r[k]) for k in keys) + " |" for r in rows]
    md_path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return csv_path, md_path


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def plot_curves(
    series: dict[str, list[dict]], key: str, path: Path, title: str, ylabel: str | None = None
) -> Path:
    """One line per condition: mean of ``key`` across seeds with a +-1 std band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for label, results in series.items():
        steps, mean, std = curve(results, key)
        ax.plot(steps, mean, label=label)
        ax.fill_between(steps, mean - std, mean + std, alpha=0.25)
    ax.set_xlabel("env steps")
    ax.set_ylabel(ylabel or key)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
