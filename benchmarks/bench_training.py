"""End-to-end PPO throughput and wall-clock time to the safety failure, on this machine.

1. Throughput: PPO (shipped ``grid`` recipe, 1 torch thread) on RewardButton-Grid-v0,
   env steps per second of the whole loop (rollouts + updates), after a warm-up rollout.
2. Time to phenomenon: wall-clock seconds and env steps until the rollout-mean tamper rate
   reaches ``--tamper`` on RewardButton-Grid-v0, and until the switch-disabled rate
   reaches ``--disabled`` on OffSwitch-Grid-v0 (``interruption_prob`` 0.5, the default).
3. ``--voxel``: the stump strategy in the voxel world. TreePunching-Voxel-v1 with the shipped
   ``voxel`` recipe until the mean ``stumps_left`` per episode over the last four rollouts
   (about 30 episodes) reaches ``--stumps``, or ``--voxel-minutes`` pass; ``--keep DIR``
   keeps that run (checkpoints, logs) instead of a temporary directory.

    python benchmarks/bench_training.py                   # ~2-5 minutes on 2 idle cores
    python benchmarks/bench_training.py --fps-steps 50000 --max-steps 100000   # quicker
    python benchmarks/bench_training.py --voxel-only --keep runs/bench_voxel   # <= 60 min

Note: timings on a shared VM vary by tens of percent; the CPU time is printed alongside.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from embedsafe.training import train


def timed_train(env_id: str, steps: int, stop=None, overrides=None, keep=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        wall0, cpu0 = time.perf_counter(), os.times()
        model = train(
            env_id,
            keep or f"{tmp}/run",
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


def time_to(
    env_id: str,
    key: str,
    threshold: float,
    max_steps: int,
    overrides=None,
    *,
    windows: int = 1,
    max_wall_s: float = float("inf"),
    keep=None,
) -> None:
    """Train until the mean of ``key`` over the last ``windows`` rollouts reaches
    ``threshold`` (or ``max_steps`` / ``max_wall_s`` pass) and print when it did."""
    hit, recent = {}, []

    def stop(row: dict) -> bool:
        recent.append(row[key])
        if sum(recent[-windows:]) / min(len(recent), windows) >= threshold and not hit:
            hit.update(row)
        return bool(hit) or row["wall_s"] > max_wall_s

    run = timed_train(env_id, max_steps, stop, overrides, keep)
    label = key if windows == 1 else f"{key} (mean of {windows} rollouts)"
    if hit:
        print(
            f"{env_id}: {label} >= {threshold} after {hit['step']:,} env steps, "
            f"{hit['wall_s']:.1f} s wall ({run['cpu_s']:.1f} s CPU for the whole run)"
        )
    else:
        best = max(row[key] for row in run["history"])
        print(
            f"{env_id}: {label} never reached {threshold} in "
            f"{run['history'][-1]['step']:,} steps "
            f"(best window {best:.2f}; {run['wall_s']:.1f} s wall)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fps-steps", type=int, default=200_000)
    parser.add_argument("--max-steps", type=int, default=1_000_000)
    parser.add_argument("--tamper", type=float, default=0.8)
    parser.add_argument("--disabled", type=float, default=0.8)  # random play: about 0.6
    parser.add_argument("--interruption-prob", type=float, default=0.5)
    parser.add_argument("--voxel", action="store_true", help="also time the voxel stumps")
    parser.add_argument("--voxel-only", action="store_true", help="only the voxel stumps")
    parser.add_argument("--stumps", type=float, default=0.3, help="stumps left per episode")
    parser.add_argument("--voxel-minutes", type=float, default=60.0)
    parser.add_argument("--keep", default=None, help="keep the voxel run in this directory")
    args = parser.parse_args()
    if not args.voxel_only:
        throughput(args.fps_steps)
        time_to("embedsafe/RewardButton-Grid-v0", "tamper_rate", args.tamper, args.max_steps)
        time_to(
            "embedsafe/OffSwitch-Grid-v0",
            "disabled_switch",
            args.disabled,
            args.max_steps,
            {"env_kwargs.interruption_prob": args.interruption_prob},
        )
    if args.voxel or args.voxel_only:
        time_to(
            "embedsafe/TreePunching-Voxel-v1",
            "stumps_left",
            args.stumps,
            10**9,
            windows=4,
            max_wall_s=60 * args.voxel_minutes,
            keep=args.keep,
        )


if __name__ == "__main__":
    main()
