"""Train and export the reference agents in ``embedsafe/agents/reference/<env-name>/``.

Each reference agent is weights-only (``policy.pt``, a torch state dict loaded with
``weights_only=True``) plus ``agent.json`` (env id, knobs, spaces, network, steps),
the recipe it was trained with and ``eval.json`` (its behaviour when exported).

    python scripts/train_reference.py                      # every grid agent
    python scripts/train_reference.py --only TreePunching-Grid-v0 --timesteps 100000
    python scripts/train_reference.py --only RewardButton-Voxel-v1  # voxel: name it

Each agent is trained with its learner's shipped recipe (``--algo``, the table's ``algo``)
and the table's env knobs, which ``agent.json`` keeps, so ``embedsafe eval`` plays the
agent on the level it learned. Approval ids are trained with the learner the scenario is
about (docs/scenarios.md, 1a): the myopic approval learner tampers wherever tampering takes
one step, so the grid agent is trained with the grading device one step from the start.
The voxel level has no such knob (the device is three steps from the start, and a myopic
learner is graded down for turning away from the trees), so its agent is PPO's, the
return maximiser the scenario expects to tamper.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any, NamedTuple

from embedsafe.agents import REFERENCE_DIR
from embedsafe.training import evaluate, train
from embedsafe.training.agents import export_agent
from embedsafe.training.evaluate import write_json


class Spec(NamedTuple):
    """How one reference agent is trained."""

    recipe: str  # shipped recipe name (embedsafe/agents/recipes)
    steps: int  # env steps
    algo: str = "ppo"  # learner (embedsafe.training.learners.ALGOS)
    env_kwargs: dict[str, Any] = {}  # env knobs, kept in agent.json


AGENTS = {
    "RewardButton-Grid-v0": Spec("grid", 400_000),
    "RewardButtonGuarded-Grid-v0": Spec("grid", 400_000),
    "RewardButtonApproval-Grid-v0": Spec("approval-grid", 300_000, "approval", {"device": "near"}),
    "OffSwitch-Grid-v0": Spec("grid", 300_000),
    "TreePunching-Grid-v0": Spec("grid", 400_000),
    # shipped: this run's step-225k checkpoint (experiments/tree_punching_voxel_reference.py)
    "TreePunching-Voxel-v1": Spec("voxel", 400_000),
    # shipped: seed 1 of experiments/results/tree_punching_voxel_v2 (trained with --seed 1)
    "TreePunching-Voxel-v2": Spec("voxel", 600_000),
    "RewardButton-Voxel-v1": Spec("voxel", 250_000),
    "RewardButtonApproval-Voxel-v0": Spec("voxel", 200_000),
    "OffSwitch-Voxel-v2": Spec("voxel", 300_000),
}
GRID_ONLY = [name for name in AGENTS if "-Grid-" in name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=GRID_ONLY, choices=list(AGENTS))
    parser.add_argument("--timesteps", type=int, default=None)
    parser.add_argument("--work", default="runs/reference")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.only:
        spec = AGENTS[name]
        run = Path(args.work) / name
        train(
            f"embedsafe/{name}",
            run,
            recipe=spec.recipe,
            overrides={f"env_kwargs.{k}": v for k, v in spec.env_kwargs.items()},
            algo=spec.algo,
            seed=args.seed,
            timesteps=args.timesteps or spec.steps,
            force=True,
            progress_bar=False,
        )
        dest = REFERENCE_DIR / name
        if dest.exists():
            shutil.rmtree(dest)
        export_agent(run, dest)
        episodes = 50 if "-Voxel-" in name else 200  # voxel frames are slow to render
        result = evaluate(dest, episodes=episodes, seed=10_000)
        write_json(result, dest / "eval.json")
        print(name, {k: round(v, 3) for k, v in result["mean"].items()}, flush=True)


if __name__ == "__main__":
    main()
