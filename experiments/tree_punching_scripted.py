"""Design check of voxel tree punching: what do scripted strategies earn, per log and in
true reward? The numbers behind ``TreePunching-Voxel-v2``'s docstring.

Three players walk the seeded forest on the shortest path (axis-aligned moves, 2 steps
per cell) to the nearest tree, face its trunk and then:

- ``eye``: take the logs in reach from the ground above the root (what PPO learns on v1),
- ``stump``: also jump onto the bottom log and take the log(s) it brings into reach, then
  walk on, leaving the stump,
- ``fell``: as ``stump``, then step back off the stump and break the root (whole trees).

    python experiments/tree_punching_scripted.py --episodes 50  # v1 and v2 (the docstrings)
    python experiments/tree_punching_scripted.py --episodes 5  # smoke

It prints, per id and strategy, mean logs per episode (the observed return), true return
(trees felled), trees harvested, the stump share ``stumps_stood_on / trees_harvested``
(of the means) and the episode length. ``--knobs '{"branches": 4}'`` tries a design.
"""

from __future__ import annotations

import argparse
import json
from collections import deque

import numpy as np

import embedsafe
from embedsafe.voxel.content import BODY
from embedsafe.voxel.tree_punching import BRANCH_DIRS, LOG, ROOT_Z

STRATEGIES = ("eye", "stump", "fell")
STEP_HEADING = {(1, 0): 0, (0, 1): 3, (-1, 0): 6, (0, -1): 9}  # heading index per move
PITCH = {p: i for i, p in enumerate(BODY.pitch_levels)}


class Player:
    """One scripted player on copy 0 of a voxel TreePunchingSim; ``act()`` yields action
    names, reading the sim's state between steps."""

    def __init__(self, sim, strategy: str):
        self.sim, self.strategy = sim, strategy

    # ---------------------------------------------------------------- senses
    def cell(self) -> tuple[int, int]:
        x, y = np.floor(self.sim.pos[0, :2]).astype(int)
        return int(x), int(y)

    def log_at(self, trunk, z: int) -> bool:
        return bool(self.sim.world[0, trunk[0], trunk[1], z] == LOG)

    def blocked(self) -> np.ndarray:
        """Cells a walker at ground level can't enter: any solid block at z = 1 or 2."""
        solid = self.sim.world[0, :, :, 1:3] != 0
        return solid.any(-1)

    def path_to(self, trunk) -> list[tuple[int, int]] | None:
        """Shortest 4-connected path of cells from the agent to a cell beside ``trunk``."""
        blocked, start = self.blocked(), self.cell()
        goals = {(trunk[0] + dx, trunk[1] + dy) for dx, dy in STEP_HEADING}
        prev, todo = {start: None}, deque([start])
        while todo:
            c = todo.popleft()
            if c in goals:
                path = []
                while c != start:
                    path.append(c)
                    c = prev[c]
                return path[::-1]
            for dx, dy in STEP_HEADING:
                n = (c[0] + dx, c[1] + dy)
                inside = 0 <= n[0] < blocked.shape[0] and 0 <= n[1] < blocked.shape[1]
                if inside and n not in prev and not blocked[n]:
                    prev[n] = c
                    todo.append(n)
        return None

    # --------------------------------------------------------------- actions
    def turn_to(self, heading: int):
        while True:
            diff = (heading - int(self.sim.heading[0])) % BODY.turn_steps
            if diff == 0:
                return
            yield "turn_right" if diff <= BODY.turn_steps // 2 else "turn_left"

    def pitch_to(self, degrees: int):
        while int(self.sim.pitch_i[0]) != PITCH[degrees]:
            yield "look_up" if self.sim.pitch_i[0] < PITCH[degrees] else "look_down"

    def walk(self, path):
        for c in path:
            here = self.cell()
            yield from self.turn_to(STEP_HEADING[(c[0] - here[0], c[1] - here[1])])
            while self.cell() != c or not self.centred():
                yield "forward"

    def centred(self) -> bool:
        frac = self.sim.pos[0, :2] % 1.0
        return bool(np.all(np.abs(frac - 0.5) < 1e-6))

    def punch_out(self, trunk, z: int, degrees: int):
        """Aim at pitch ``degrees`` and punch until the log at ``trunk``, height ``z``, is
        gone (20 punches at most: out of reach it stays)."""
        yield from self.pitch_to(degrees)
        for _ in range(20):
            if not self.log_at(trunk, z):
                return
            yield "punch"

    def climb(self, trunk):
        """Jump onto the stump: up, forward until the body is over the trunk's middle,
        then wait for the landing."""
        yield "jump"
        for _ in range(12):
            if self.cell() == tuple(trunk) and self.centred():
                break
            yield "forward"
        while not self.sim.grounded[0]:
            yield "noop"

    def harvest(self, k: int, height: int):
        """Take what the strategy takes from tree ``k``, facing its trunk from beside it."""
        trunk, facing = self.sim.trunks[0, k], int(self.sim.heading[0])
        for z, degrees in ((2, 0), (3, 30)):
            if z <= height:
                yield from self.punch_out(trunk, z, degrees)
        if self.strategy == "eye" or height < 4:
            return
        yield from self.pitch_to(30)
        yield from self.climb(trunk)
        for z in range(4, height + 1):
            if not self.sim.on_stump()[0]:
                return
            yield from self.punch_out(trunk, z, 60)
        for b in np.flatnonzero(self.sim.owns[0, k]):  # branch logs, if the tree has any
            yield from self.turn_to(STEP_HEADING[tuple(BRANCH_DIRS[b])])
            yield from self.punch_out(trunk + BRANCH_DIRS[b], height, 30)
        if self.strategy == "fell":
            yield from self.turn_to(facing)  # back to where it came from, then the root
            yield "back"
            yield "back"
            yield from self.punch_out(trunk, ROOT_Z, -30)

    def act(self):
        done = set()
        while True:
            trunks, heights = self.sim.trunks[0], self.sim.tree_h[0]
            best = None
            for k, trunk in enumerate(trunks):
                if k in done:
                    continue
                path = self.path_to(trunk)
                if path is not None and (best is None or len(path) < len(best[1])):
                    best = (k, path)
            if best is None:
                while True:
                    yield "noop"
            k, path = best
            done.add(k)
            trunk = trunks[k]
            yield from self.walk(path)
            here = self.cell()
            yield from self.turn_to(STEP_HEADING[(trunk[0] - here[0], trunk[1] - here[1])])
            yield from self.harvest(k, int(heights[k]))


def play(env_id: str, strategy: str, seed: int, **knobs) -> dict:
    sim = embedsafe.make_sim(env_id, 1, obs="state", **knobs)
    sim.reset([0], seeds=[seed])
    actions = Player(sim, strategy).act()
    while True:
        out = sim.step(np.array([sim.action_names.index(next(actions))]))
        if out.terminated[0] or out.truncated[0]:
            return sim.episode_safety(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ids = ["TreePunching-Voxel-v1", "TreePunching-Voxel-v2"]
    parser.add_argument("--ids", nargs="+", default=ids)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--knobs", default="{}", help="JSON knobs for every id (design trials)")
    args = parser.parse_args()
    knobs = json.loads(args.knobs)
    print("| id | strategy | logs | true return | harvested | stump share | length |")
    print("|---|---|---|---|---|---|---|")
    for env_id in args.ids:
        for strategy in STRATEGIES:
            rows = [play(f"embedsafe/{env_id}", strategy, s, **knobs) for s in range(args.episodes)]
            mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
            share = mean["stumps_stood_on"] / max(mean["trees_harvested"], 1e-9)
            print(
                f"| {env_id} | {strategy} | {mean['observed_return']:.2f} | "
                f"{mean['hidden_return']:.2f} | {mean['trees_harvested']:.2f} | {share:.2f} | "
                f"{mean['length']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
