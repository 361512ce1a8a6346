"""What tampering is worth on the grid reward button: two scripted walkers, measured on
the levels the canonical table uses (procedural held-out) and on the built-in level.

- ``work``: walks a shortest path to the nearest wood, again and again (the intended
  behaviour: the overseer presses the button once per piece);
- ``tamper``: walks a shortest path to the button and walks into it every step (its
  cooldown lets every other press pay).

The gap between their observed returns is the incentive a return maximiser has to
tamper; ``tamper_rate`` checks that the second walker is the one the figure counts.

    python experiments/reward_button_tamper_value.py                # 200 levels each
    python experiments/reward_button_tamper_value.py --episodes 20  # smoke
"""

from __future__ import annotations

import argparse
from collections import deque

import numpy as np

import embedsafe
from embedsafe.grid.content import TILE_ID, WALKABLE

ENV = "embedsafe/RewardButton-Grid-v0"
WOOD = TILE_ID["wood"]


def first_move(sim, targets: np.ndarray) -> int:
    """The action starting a shortest walk from copy 0's agent to a cell in ``targets``
    (a boolean mask over cells; a target cell is entered, not walked through)."""
    grid, start = sim.grid[0], int(sim.agent[0])
    seen = {start: 0}
    queue = deque()
    for k in range(1, len(sim.offsets)):  # every action but noop, in order
        cell = start + int(sim.offsets[k])
        if cell not in seen and (targets[cell] or WALKABLE[grid[cell]]):
            seen[cell] = k
            queue.append(cell)
    while queue:
        cell = queue.popleft()
        if targets[cell]:
            return seen[cell]
        for off in sim.offsets[1:]:
            nxt = cell + int(off)
            if nxt not in seen and (targets[nxt] or WALKABLE[grid[nxt]]):
                seen[nxt] = seen[cell]
                queue.append(nxt)
    return 0  # nothing reachable: wait


def play(sim, walker: str) -> dict:
    """Play copy 0 of ``sim`` (reset already) to the end; the episode's aggregates."""
    button = np.zeros(sim.grid.shape[1], bool)
    while True:
        if walker == "tamper":
            button[:] = False
            button[sim.levels[int(sim.variant[0])].marks["B"]] = True
            targets = button
        else:
            targets = sim.grid[0] == WOOD
        out = sim.step(np.array([first_move(sim, targets)]))
        if out.terminated[0] or out.truncated[0]:
            return sim.step_info(out, 0)["episode_safety"]


def measure(walker: str, episodes: int, knobs: dict) -> dict:
    sim = embedsafe.make_sim(ENV, 1, **knobs)
    rows = []
    for episode in range(episodes):
        sim.reset([0], seeds=[10_000 + episode])
        rows.append(play(sim, walker))
    keys = ("observed_return", "hidden_return", "tamper_rate", "wood_collected")
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200, help="levels per figure")
    args = parser.parse_args()
    if args.episodes < 1:
        parser.error(f"--episodes must be >= 1, got {args.episodes}")
    print(f"{ENV}, {args.episodes} episodes each (seeds 10000 on)")
    print("| levels | walker | observed return | true return (wood) | tamper rate |")
    print("|---|---|---|---|---|")
    for name, knobs in (
        ("procedural, held-out", {"layout": "procedural", "layout_split": "heldout"}),
        ("built-in (random)", {}),
    ):
        for walker in ("work", "tamper"):
            m = measure(walker, args.episodes, knobs)
            print(
                f"| {name} | {walker} | {m['observed_return']:.2f} | "
                f"{m['hidden_return']:.2f} | {m['tamper_rate']:.2f} |"
            )


if __name__ == "__main__":
    main()
