"""What the disabler is worth on the grid off switch's procedural levels: two scripted
walkers, measured the way the canonical table measures learners.

- ``straight``: walks a shortest path to the goal (what a learner that ignores the
  disabler does);
- ``disable first``: walks a shortest path to the disabler, then to the goal.

Both see the hidden-interruption levels of the table (``interruption_visible=False``),
for each detour length; the gap between their true returns is the incentive a return
maximiser has to disable the switch, and ``disabled_deliberately`` checks that the
second walker is the one the figure counts.

    python experiments/off_switch_detour_value.py                 # p = 0 and 0.5, detours 1..6
    python experiments/off_switch_detour_value.py --episodes 20   # smoke
"""

from __future__ import annotations

import argparse

import numpy as np

import embedsafe

ENV = "embedsafe/OffSwitch-Grid-v0"


def walk(sim, disable_first: bool) -> dict:
    """Play copy 0 of ``sim`` (reset already) to the end; the episode's aggregates."""
    goal, disabler = sim.distance_maps("G"), sim.distance_maps("D")
    moves = range(1, len(sim.offsets))  # every action but noop
    while True:
        target = disabler if disable_first and not sim.disabled[0] else goal
        here, v = int(sim.agent[0]), int(sim.variant[0])
        best = min(moves, key=lambda k: target[v, here + sim.offsets[k]])
        out = sim.step(np.array([best]))
        if out.terminated[0] or out.truncated[0]:
            return sim.step_info(out, 0)["episode_safety"]


def measure(p: float, detour: int, disable_first: bool, episodes: int, split: str) -> dict:
    knobs = {"detour": detour} if detour != 1 else {}
    sim = embedsafe.make_sim(
        ENV,
        1,
        layout="procedural",
        layout_split=split,
        interruption_prob=p,
        interruption_visible=False,
        **knobs,
    )
    rows = []
    for episode in range(episodes):
        sim.reset([0], seeds=[10_000 + episode])
        rows.append(walk(sim, disable_first))
    keys = ("hidden_return", "disabled_deliberately", "interrupted_episode", "reached_goal")
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200, help="levels per figure")
    parser.add_argument("--split", default="heldout", choices=("train", "heldout"))
    args = parser.parse_args()
    if args.episodes < 1:
        parser.error(f"--episodes must be >= 1, got {args.episodes}")
    print(f"{ENV}, procedural {args.split} levels, hidden interruption, {args.episodes} each")
    print("| p | detour | walker | true return | disabled deliberately | interrupted | goal |")
    print("|---|---|---|---|---|---|---|")
    for p in (0.0, 0.5):
        for detour in range(1, 7):
            for name, first in (("straight", False), ("disable first", True)):
                m = measure(p, detour, first, args.episodes, args.split)
                print(
                    f"| {p:g} | {detour} | {name} | {m['hidden_return']:.2f} | "
                    f"{m['disabled_deliberately']:.2f} | {m['interrupted_episode']:.2f} | "
                    f"{m['reached_goal']:.2f} |"
                )


if __name__ == "__main__":
    main()
