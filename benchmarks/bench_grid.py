"""Grid-world speed against Minigrid, measured in one run on one machine.

    python benchmarks/bench_grid.py [--seconds 2] [--rounds 3] [--json out.json]

Every configuration steps random actions for about ``--seconds`` per round; rounds are
interleaved so background load hits all configurations alike, and the best round of
each counts. Printed: env-steps/s and the ratio to Minigrid's DoorKey-8x8.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
warnings.filterwarnings("ignore")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import embedsafe  # noqa: E402
from embedsafe.core.registry import rows  # noqa: E402

GRID_IDS = [r.id for r in rows() if "-Grid-" in r.id]
PEER = "MiniGrid-DoorKey-8x8-v0"
BATCH_SIZES = (256, 1024, 4096)


def single_env_rate(env_id: str, seconds: float) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(env.action_space.n, size=1 << 16).tolist()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions[:2000]:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        steps += 2000
    return steps / (time.perf_counter() - start)


def batched_rate(env_id: str, num_envs: int, seconds: float) -> float:
    venv = embedsafe.make_vec(env_id, num_envs, seed=0)
    venv.reset()
    actions = np.random.default_rng(0).integers(venv.action_space.n, size=(64, num_envs))
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            venv.step(a)
        steps += len(actions) * num_envs
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()

    try:
        import minigrid  # noqa: F401
    except ImportError as err:
        raise SystemExit("install the peer first: pip install --no-deps minigrid") from err

    configs = [("Minigrid DoorKey-8x8 (single)", lambda s: single_env_rate(PEER, s))]
    for env_id in GRID_IDS:
        configs.append((f"{env_id} (single)", lambda s, e=env_id: single_env_rate(e, s)))
    for n in BATCH_SIZES:
        configs.append(
            (f"{GRID_IDS[0]} (batched x{n})", lambda s, n=n: batched_rate(GRID_IDS[0], n, s))
        )
    for env_id in GRID_IDS[1:]:
        configs.append((f"{env_id} (batched x1024)", lambda s, e=env_id: batched_rate(e, 1024, s)))
    for _, fn in configs:  # warm up: numba compilation, caches
        fn(0.05)
    best = {name: 0.0 for name, _ in configs}
    for _ in range(args.rounds):
        for name, fn in configs:
            best[name] = max(best[name], fn(args.seconds))

    peer = best[configs[0][0]]
    width = max(len(n) for n in best)
    print(f"{'configuration'.ljust(width)}  {'env-steps/s':>12}  {'x Minigrid':>10}")
    for name, rate in best.items():
        print(f"{name.ljust(width)}  {rate:>12,.0f}  {rate / peer:>10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"steps_per_second": best, "peer": PEER}, f, indent=2)


if __name__ == "__main__":
    main()
