"""Reference PPO agent for TreePunching-Voxel-v1: training curve, checkpoint sweep, export.

The run itself (about 20 minutes on 2 cores)::

    embedsafe train embedsafe/TreePunching-Voxel-v1 --out runs/ref_voxel_tp --seed 0 \
        --timesteps 400000 --no-progress

then::

    python experiments/tree_punching_voxel_reference.py sweep    # eval every checkpoint
    python experiments/tree_punching_voxel_reference.py export --step N
    python experiments/tree_punching_voxel_reference.py curve    # curve.png

``export`` copies checkpoint ``step_N`` into
``embedsafe/agents/reference/TreePunching-Voxel-v1/`` the way ``scripts/train_reference.py``
exports grid agents (float16 weights-only ``policy.pt``, ``agent.json``, ``recipe.yaml``) and
writes ``eval.json`` (50 episodes).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

from embedsafe.agents import REFERENCE_DIR
from embedsafe.training.agents import export_agent
from embedsafe.training.evaluate import evaluate, write_json

NAME = "TreePunching-Voxel-v1"
KEYS = (
    "logs_broken",
    "stumps_left",
    "trees_felled",
    "stood_on_stump",
    "observed_return",
    "hidden_return",
)


def read_progress(run: Path) -> list[dict]:
    with (run / "progress.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r.get("safety/logs_broken")]
    return [
        {
            "step": int(r["time/total_timesteps"]),
            **{k: float(r[f"safety/{k}"]) for k in KEYS if r.get(f"safety/{k}")},
        }
        for r in rows
    ]


def smooth(rows: list[dict], key: str, window: int) -> list[float]:
    vals = [r[key] for r in rows]
    return [
        sum(vals[max(0, i - window + 1) : i + 1]) / len(vals[max(0, i - window + 1) : i + 1])
        for i in range(len(vals))
    ]


def run_meta(run: Path) -> dict:
    """The run's agent.json; rebuilt from recipe.yaml when the run was stopped early."""
    if (run / "agent.json").is_file():
        return json.loads((run / "agent.json").read_text())
    import yaml

    from embedsafe.training.agents import env_spaces

    rec = yaml.safe_load((run / "recipe.yaml").read_text())
    obs, act = env_spaces(rec["env_id"], rec.get("env_kwargs", {}))
    h, w, c = obs.shape
    meta = {
        "format": "embedsafe-agent/1",
        "env_id": rec["env_id"],
        "env_kwargs": rec.get("env_kwargs", {}),
        "obs_shape": list(obs.shape),
        "obs_dtype": str(obs.dtype),
        "policy_obs_shape": [c, h, w],
        "n_actions": int(act.n),
        "network": rec["network"],
        "num_timesteps": 0,
        "seed": rec.get("seed", 0),
        "weights": "policy.pt",
    }
    (run / "agent.json").write_text(json.dumps(meta, indent=2))
    return meta


def stage(run: Path, step: int) -> Path:
    """A run-like folder holding checkpoint ``step`` as ``policy.pt`` (for export_agent)."""
    folder = run / f"export_step_{step}"
    folder.mkdir(exist_ok=True)
    meta = run_meta(run)
    meta["num_timesteps"] = step
    (folder / "agent.json").write_text(json.dumps(meta, indent=2))
    shutil.copy2(run / "recipe.yaml", folder / "recipe.yaml")
    shutil.copy2(run / "checkpoints" / f"step_{step}.pt", folder / "policy.pt")
    return folder


def sweep(run: Path, episodes: int, seed: int, only: list[int]) -> None:
    run_meta(run)  # load_agent needs agent.json next to the checkpoints
    steps = sorted(int(p.stem[5:]) for p in (run / "checkpoints").glob("step_*.pt"))
    if only:
        steps = [s for s in steps if s in only]
    out = run / "checkpoint_eval.csv"
    done = {}
    if out.exists():
        with out.open() as f:
            done = {int(r["step"]): r for r in csv.DictReader(f)}
    rows = []
    for step in steps:
        if step in done:
            rows.append(done[step])
            continue
        res = evaluate(run / "checkpoints" / f"step_{step}.pt", episodes=episodes, seed=seed)
        row = {"step": step, **{k: round(res["mean"][k], 3) for k in KEYS}}
        print(row, flush=True)
        rows.append(row)
        with out.open("w", newline="") as f:
            w = csv.DictWriter(f, ["step", *KEYS])
            w.writeheader()
            w.writerows(rows)


def export(run: Path, step: int, episodes: int, seed: int) -> None:
    dest = REFERENCE_DIR / NAME
    if dest.exists():
        shutil.rmtree(dest)
    export_agent(stage(run, step), dest)
    result = evaluate(dest, episodes=episodes, seed=seed)
    result["agent"] = f"reference:{NAME}"
    write_json(result, dest / "eval.json")
    print({k: round(v, 3) for k, v in result["mean"].items()})


def curve(run: Path, out: Path, window: int, chosen: int | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_progress(run)
    steps = [r["step"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for key, ax in (
        ("stumps_left", axes[0]),
        ("trees_felled", axes[0]),
        ("stood_on_stump", axes[0]),
        ("logs_broken", axes[1]),
    ):
        ax.plot(steps, [r[key] for r in rows], alpha=0.2)
        ax.plot(steps, smooth(rows, key, window), label=key, color=ax.lines[-1].get_color())
    sweep_csv = run / "checkpoint_eval.csv"
    if sweep_csv.exists():
        with sweep_csv.open() as f:
            pts = list(csv.DictReader(f))
        axes[0].plot(
            [int(p["step"]) for p in pts],
            [float(p["stumps_left"]) for p in pts],
            "k.",
            label="stumps_left (checkpoint eval)",
        )
    for ax in axes:
        if chosen:
            ax.axvline(chosen, color="grey", ls="--", lw=1)
        ax.set_xlabel("env steps")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("per episode (5 trees)")
    axes[1].set_ylabel("logs per episode (= observed return)")
    fig.suptitle(
        f"PPO on {NAME} (voxel recipe, seed 0); "
        f"line: {window}-rollout mean; dashed: exported checkpoint"
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["sweep", "export", "curve"])
    p.add_argument("--run", default="runs/ref_voxel_tp")
    p.add_argument("--step", type=int, default=None, help="checkpoint to export / mark")
    p.add_argument("--steps", type=int, nargs="*", default=None, help="sweep: these only")
    p.add_argument("--episodes", type=int, default=50)
    p.add_argument("--seed", type=int, default=10_000)
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--out", default="experiments/results/tree_punching_voxel/curve.png")
    args = p.parse_args()
    run = Path(args.run)
    if args.command == "sweep":
        sweep(run, args.episodes, args.seed, args.steps)
    elif args.command == "export":
        export(run, args.step, args.episodes, args.seed)
    else:
        curve(run, Path(args.out), args.window, args.step)


if __name__ == "__main__":
    main()
