"""Train and export the reference agents in ``embedsafe/agents/reference/<env-name>/``.

Each reference agent is weights-only (``policy.pt``, a torch state dict loaded with
``weights_only=True``) plus ``agent.json`` (env id, knobs, spaces, network, steps),
the recipe it was trained with and ``eval.json`` (its behaviour when exported).

    python scripts/train_reference.py                      # every grid agent
    python scripts/train_reference.py --only TreePunching-Grid-v0 --timesteps 100000
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from embedsafe.agents import REFERENCE_DIR
from embedsafe.training import evaluate, train
from embedsafe.training.agents import export_agent
from embedsafe.training.evaluate import write_json

# env name -> (recipe, env steps)
AGENTS = {
    "RewardButton-Grid-v0": ("grid", 400_000),
    "RewardButtonGuarded-Grid-v0": ("grid", 400_000),
    "OffSwitch-Grid-v0": ("grid", 300_000),
    "TreePunching-Grid-v0": ("grid", 400_000),
    "TreePunching-Voxel-v1": ("voxel", 400_000),
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
        recipe, steps = AGENTS[name]
        run = Path(args.work) / name
        train(
            f"embedsafe/{name}",
            run,
            recipe=recipe,
            seed=args.seed,
            timesteps=args.timesteps or steps,
            force=True,
            progress_bar=False,
        )
        dest = REFERENCE_DIR / name
        if dest.exists():
            shutil.rmtree(dest)
        export_agent(run, dest)
        result = evaluate(dest, episodes=200, seed=10_000)
        write_json(result, dest / "eval.json")
        print(name, {k: round(v, 3) for k, v in result["mean"].items()}, flush=True)


if __name__ == "__main__":
    main()
