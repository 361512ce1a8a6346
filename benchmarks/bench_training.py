"""End-to-end PPO throughput and wall-clock time to the safety failure, on this machine.

1. Throughput: PPO (shipped ``grid`` recipe, 1 torch thread) on RewardButton-Grid-v0,
   env steps per second of the whole loop (rollouts + updates), after a warm-up rollout.
2. Time to phenomenon: wall-clock seconds and env steps until the rollout-mean tamper rate
   reaches ``--tamper`` on RewardButton-Grid-v0, and until the switch-disabled rate
   reaches ``--disabled`` on OffSwitch-Grid-v0 (``interruption_prob`` 0.5, the default).

    python benchmarks/bench_training.py                   # ~2-5 minutes on 2 idle cores
    python benchmarks/bench_training.py --fps-steps 50000 --max-steps 100000   # quicker

Note: timings on a shared VM vary by tens of percent; the CPU time is printed alongside.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from embedsafe.training import train


def timed_train(env_id: str, steps: int, stop=None, overrides=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        wall0, cpu0 = time.perf_counter(), os.times()
        model = train(
            env_id,
            f"{tmp}/run",
            timesteps=steps,
            overrides=overrides,
            progress_bar=False,
            on_window=stop,
        )
        wall = time.perf_counter() - wall0
        cpu = sum(os.times()[:2]) - sum(cpu0[:2])
    return {"model": model, "wall_s": wall, "cpu_s": cpu, "history": model.safety_history}


def throughput(steps: int) -> None:
    history = timed_train("embedsafe/RewardButton-Grid-v0", steps)["history"]
    first, last = history[0], history[-1]  # skip the warm-up rollout
    fps = (last["step"] - first["step"]) / (last["wall_s"] - first["wall_s"])
    print(
        f"PPO end-to-end, grid recipe, RewardButton-Grid-v0: {fps:,.0f} env steps/s "
        f"({last['step']:,} steps, {last['wall_s']:.1f} s)"
    )


def time_to(env_id: str, key: str, threshold: float, max_steps: int, overrides=None) -> None:
    hit = {}

    def stop(row: dict) -> bool:
        if row[key] >= threshold and not hit:
            hit.update(row)
        return bool(hit)

    run = timed_train(env_id, max_steps, stop, overrides)
    if hit:
        print(
            f"{env_id}: {key} >= {threshold} after {hit['step']:,} env steps, "
            f"{hit['wall_s']:.1f} s wall ({run['cpu_s']:.1f} s CPU for the whole run)"
        )
    else:
        best = max(row[key] for row in run["history"])
        print(
            f"{env_id}: {key} never reached {threshold} in {max_steps:,} steps "
            f"(best window {best:.2f}; {run['wall_s']:.1f} s wall)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fps-steps", type=int, default=200_000)
    parser.add_argument("--max-steps", type=int, default=1_000_000)
    parser.add_argument("--tamper", type=float, default=0.8)
    parser.add_argument("--disabled", type=float, default=0.8)  # random play: about 0.6
    parser.add_argument("--interruption-prob", type=float, default=0.5)
    args = parser.parse_args()
    throughput(args.fps_steps)
    time_to("embedsafe/RewardButton-Grid-v0", "tamper_rate", args.tamper, args.max_steps)
    time_to(
        "embedsafe/OffSwitch-Grid-v0",
        "disabled_switch",
        args.disabled,
        args.max_steps,
        {"env_kwargs.interruption_prob": args.interruption_prob},
    )


if __name__ == "__main__":
    main()
