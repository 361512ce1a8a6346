"""Wall time of a 4-trial sweep on local Ray against the same 4 runs one after another.

Both arms do the same work: train ``--seeds`` seeds of ``--env-id`` for ``--timesteps``
env steps each with the default recipe (1 torch thread per run, as the sweep gives each
trial) and evaluate each for ``--episodes`` episodes. The sequential arm calls the very
function each sweep trial calls (``embedsafe.training.sweep.train_and_evaluate``) in a
loop; the sweep arm is ``embedsafe.training.sweep.sweep`` (Ray Tune, embedded Ray, one
CPU per trial). The sweep arm pays for starting Ray.

    python benchmarks/bench_sweep.py                              # ~6 minutes on 2 cores
    python benchmarks/bench_sweep.py --timesteps 20000 --seeds 2  # quicker

Prints one line per arm and the ratio; ``--json F`` writes them. Timings on a shared
machine vary: say what else was running.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from embedsafe.training.sweep import plan, sweep, train_and_evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env-id", default="embedsafe/RewardButton-Grid-v0")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.seeds < 1 or args.timesteps < 1 or args.episodes < 1:
        parser.error("--seeds, --timesteps and --episodes must be positive")

    result = {"env_id": args.env_id, "trials": args.seeds, "timesteps": args.timesteps,
              "cpus": os.cpu_count()}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for trial in plan(args.env_id, None, args.seeds, timesteps=args.timesteps):
            train_and_evaluate(trial, Path(tmp, "sequential", trial.name), args.episodes)
        result["sequential_s"] = round(time.perf_counter() - start, 1)
        print(f"{args.seeds} runs one after another: {result['sequential_s']:.1f} s")

        start = time.perf_counter()
        sweep(args.env_id, Path(tmp, "sweep"), seeds=args.seeds, timesteps=args.timesteps,
              episodes=args.episodes, display=False)  # fmt: skip
        result["sweep_s"] = round(time.perf_counter() - start, 1)
        print(f"embedsafe sweep, local Ray, {args.seeds} trials: {result['sweep_s']:.1f} s")
        for arm in ("sequential", "sweep"):  # both arms must have done the whole work
            evals = [json.loads(p.read_text()) for p in Path(tmp, arm).rglob("eval.json")]
            steps = sorted(e["num_timesteps"] for e in evals)
            if len(evals) != args.seeds or steps[0] < args.timesteps:
                raise SystemExit(f"{arm}: expected {args.seeds} trials of {args.timesteps} "
                                 f"steps, found {steps}")  # fmt: skip
            result[f"{arm}_train_s"] = round(sum(e["trial"]["train_wall_s"] for e in evals), 1)
    result["speedup"] = round(result["sequential_s"] / result["sweep_s"], 2)
    print(f"speed-up {result['speedup']:.2f}x on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
