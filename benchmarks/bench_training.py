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
4. ``--voxel-speed``: where the time of PPO on a voxel id goes. The shipped ``voxel``
   recipe on TreePunching-Voxel-v1 for ``--speed-steps``, split into env steps (of which
   rendering the frames), the policy forward pass during rollouts, the PPO update and the
   rest, with the end-to-end env-steps/s beside grid PPO (shipped ``grid`` recipe) in the
   same run (a peer: their ratio holds up better than either figure on a shared
   machine). ``--speed-set KEY=VALUE ...`` overrides the voxel recipe; ``--speed-vs
   KEY=VALUE ...`` adds a second voxel run with those overrides, for a before/after in one
   run; ``--update-threads N`` gives the PPO update N torch threads (rollouts keep the
   recipe's). The load average is printed with each run, and each phase's CPU time beside
   its wall time (on a shared machine the CPU time per step is the steadier figure; the
   render uses two cores, so CPU can exceed wall).

    python benchmarks/bench_training.py                   # ~2-5 minutes on 2 idle cores
    python benchmarks/bench_training.py --fps-steps 50000 --max-steps 100000   # quicker
    python benchmarks/bench_training.py --voxel-only --keep runs/bench_voxel   # <= 60 min
    python benchmarks/bench_training.py --voxel-speed --fps-steps 50000     # ~2 minutes
    python benchmarks/bench_training.py --voxel-speed --speed-vs network.channels=[16,32,32]

Note: timings on a shared VM vary by tens of percent; the CPU time is printed alongside.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import tempfile
import time

from embedsafe.training import train
from embedsafe.training.recipe import parse_set

VOXEL_ID = "embedsafe/TreePunching-Voxel-v1"


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


def throughput(steps: int) -> float:
    history = timed_train("embedsafe/RewardButton-Grid-v0", steps)["history"]
    first, last = history[0], history[-1]  # skip the warm-up rollout
    fps = (last["step"] - first["step"]) / (last["wall_s"] - first["wall_s"])
    print(
        f"PPO end-to-end, grid recipe, RewardButton-Grid-v0: {fps:,.0f} env steps/s "
        f"({last['step']:,} steps, {last['wall_s']:.1f} s)"
    )
    return fps


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


@contextlib.contextmanager
def phase_clock(update_threads: int | None = None):
    """Wall and CPU seconds spent inside each training phase, summed over calls: two
    dicts (the methods are wrapped for the duration of the ``with`` block, then
    restored; CPU time is the whole process's, every thread). ``update_threads``:
    torch threads during the PPO update only (the rollouts keep the recipe's)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
    from stable_baselines3.common.policies import ActorCriticPolicy

    from embedsafe.core.vec import SimVecEnv
    from embedsafe.voxel.world import VoxelSim

    phases = {
        "env step": (SimVecEnv, "step_wait"),
        "render": (VoxelSim, "observe"),
        "policy forward": (ActorCriticPolicy, "forward"),
        "rollouts": (OnPolicyAlgorithm, "collect_rollouts"),
        "PPO update": (PPO, "train"),
    }
    spent = dict.fromkeys(phases, 0.0)
    spent_cpu = dict.fromkeys(phases, 0.0)

    def timed(label, method):
        threads = update_threads if label == "PPO update" else None

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            before = torch.get_num_threads()
            if threads:
                torch.set_num_threads(threads)
            t0, cpu0 = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
                spent_cpu[label] += time.process_time() - cpu0
                if threads:
                    torch.set_num_threads(before)

        return wrapper

    saved = [(cls, name, cls.__dict__[name]) for cls, name in phases.values()]
    for label, (cls, name) in phases.items():
        setattr(cls, name, timed(label, cls.__dict__[name]))
    try:
        yield spent, spent_cpu
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)


def voxel_speed(steps: int, overrides: dict, label: str, update_threads=None) -> float:
    """Train PPO on the voxel id for ``steps`` and print where the time went; returns the
    end-to-end env-steps/s."""
    load0 = os.getloadavg()[0]
    with phase_clock(update_threads) as (spent, spent_cpu):
        run = timed_train(VOXEL_ID, steps, overrides=overrides)
    steps_done, history = run["model"].num_timesteps, run["history"]
    first, last = history[0], history[-1]  # the first rollout is the warm-up, as for grid
    fps = (last["step"] - first["step"]) / (last["wall_s"] - first["wall_s"])
    rest = run["wall_s"] - spent["rollouts"] - spent["PPO update"]
    rest_cpu = run["cpu_s"] - spent_cpu["rollouts"] - spent_cpu["PPO update"]
    print(
        f"PPO end-to-end, {label}, {VOXEL_ID}: {fps:,.0f} env steps/s "
        f"after the first rollout ({steps_done:,} steps in all, {steps_done / run['wall_s']:,.0f}"
        f"/s with setup; {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s CPU; "
        f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f})"
    )
    per_k = 1000 / steps_done

    def inside(times: dict, label: str) -> float:
        return times[label] - (
            times["env step"] + times["policy forward"] if label == "rollouts" else 0.0
        )

    phases = {
        "env step (sim + render)": "env step",
        "  of which render": "render",
        "policy forward in rollouts": "policy forward",
        "rest of the rollouts": "rollouts",
        "PPO update": "PPO update",
    }
    rows = [(name, inside(spent, k), inside(spent_cpu, k)) for name, k in phases.items()]
    rows.append(("rest (setup, callbacks, logs)", rest, rest_cpu))
    print(f"  {'phase':30s} {'wall':>9s}  {'ms/1k steps':>11s} {'share':>6s}  {'CPU ms/1k':>9s}")
    for name, wall, cpu in rows:
        print(
            f"  {name:30s} {wall:7.2f} s  {wall * per_k * 1000:11.0f} "
            f"{wall / run['wall_s']:6.1%}  {cpu * per_k * 1000:9.0f}"
        )
    return fps


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
    parser.add_argument("--voxel-speed", action="store_true", help="only the voxel breakdown")
    parser.add_argument("--speed-steps", type=int, default=32_768)
    parser.add_argument("--speed-set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--speed-vs", nargs="*", default=None, metavar="KEY=VALUE")
    parser.add_argument(
        "--update-threads", type=int, default=None, help="torch threads in the PPO update only"
    )
    args = parser.parse_args()
    if args.voxel_speed:
        grid = throughput(args.fps_steps)
        overrides = parse_set(args.speed_set)
        label = f"voxel recipe {overrides or ''}"
        if args.update_threads:
            label += f" ({args.update_threads} torch threads in the update)"
        voxel = voxel_speed(args.speed_steps, overrides, label, args.update_threads)
        print(f"voxel / grid end-to-end: {voxel / grid:.3f}")
        if args.speed_vs is not None:
            other = {**overrides, **parse_set(args.speed_vs)}
            peer = voxel_speed(
                args.speed_steps, other, f"voxel recipe {other}", args.update_threads
            )
            print(f"voxel recipe {overrides or ''} / {other}: {voxel / peer:.2f}x")
        return
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
