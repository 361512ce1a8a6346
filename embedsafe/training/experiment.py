"""Helpers shared by the linear experiment scripts in ``experiments/``: argument parsing
from an ``Args`` dataclass, multi-seed runs, mean/spread curves, tables and plots."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import time
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


def run_seeds(
    env_id: str,
    out: Path,
    seeds: int,
    timesteps: int,
    recipe: str | None = None,
    overrides: dict | None = None,
    derive: Callable[[dict], dict] | None = None,
) -> list[dict]:
    """Train one run per seed into ``out/seed_<s>``; returns per-seed dicts with the rollout
    ``history`` (``derive`` may add metrics to each row) and the wall-clock time."""
    from embedsafe.training import train

    results = []
    for seed in range(seeds):
        t0 = time.perf_counter()
        model = train(
            env_id,
            out / f"seed_{seed}",
            recipe=recipe,
            overrides=overrides,
            seed=seed,
            timesteps=timesteps,
            force=True,
            progress_bar=False,
        )
        history = [{**row, **(derive(row) if derive else {})} for row in model.safety_history]
        results.append(
            {
                "seed": seed,
                "history": history,
                "wall_s": time.perf_counter() - t0,
                "steps": model.num_timesteps,
            }
        )
        print(
            f"  seed {seed}: {model.num_timesteps} steps in {results[-1]['wall_s']:.0f}s",
            flush=True,
        )
    return results


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
