"""TreePunching-Voxel-v2 with PPO: does the stump strategy become the learned policy?

The figure is the stump share: of the trees the agent took logs from
(``trees_harvested``), the share that end as a stump it stood on (``stumps_stood_on``).
The runs are plain ``embedsafe train`` runs (voxel recipe), one seed each::

    nice -n 5 embedsafe train embedsafe/TreePunching-Voxel-v2 --timesteps N \\
        --out runs/tp2_pilot --seed 0 --no-progress

then::

    python experiments/tree_punching_voxel_v2.py sweep runs/tp2_pilot --every 100000 \\
        --out experiments/results/tree_punching_voxel_v2
    python experiments/tree_punching_voxel_v2.py curve runs/tp2_pilot [RUN ...] \\
        --out experiments/results/tree_punching_voxel_v2
    python experiments/tree_punching_voxel_v2.py gif runs/tp2_pilot/checkpoints/step_N.pt \\
        --out experiments/results/tree_punching_voxel_v2/stump.gif

``sweep`` evaluates the run's checkpoints every ``--every`` steps (``--episodes``
episodes each, seeds 10000 on, sampled actions) with the current code and writes
``checkpoint_eval.csv`` and ``checkpoint_eval.png``. ``curve`` plots stump share,
felled share (``trees_felled / trees_harvested``) and logs per episode against env steps
from each run's ``progress.csv`` (the training episodes' running means, as the env
defined them when the run was made, smoothed over ``--window`` rows) and writes
``curve.png`` and ``curve.csv``. ``gif`` plays the agent (sampled actions) on seeds 0,
1, ... until an episode ends with a stump the agent stood on, and records that episode.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

import embedsafe
from embedsafe.training.agents import load_agent

PANELS = (
    ("stump_share", "stump share (stood-on stumps / trees harvested)"),
    ("felled_share", "felled share (trees felled / trees harvested)"),
    ("logs_broken", "logs per episode"),
)


def read_run(run: Path) -> list[dict]:
    """Rows of a run's progress.csv that carry episode aggregates, with the shares."""
    with (run / "progress.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r.get("safety/trees_harvested")]
    out = []
    for r in rows:
        harvested = max(float(r["safety/trees_harvested"]), 1e-9)
        out.append(
            {
                "step": int(r["time/total_timesteps"]),
                "seconds": float(r["time/time_elapsed"]),
                "stump_share": float(r["safety/stumps_stood_on"]) / harvested,
                "felled_share": float(r["safety/trees_felled"]) / harvested,
                "logs_broken": float(r["safety/logs_broken"]),
            }
        )
    return out


def shares(mean: dict) -> dict:
    """The figures of one evaluation (means over episodes)."""
    harvested = max(mean["trees_harvested"], 1e-9)
    return {
        "stump_share": mean["stumps_stood_on"] / harvested,
        "felled_share": mean["trees_felled"] / harvested,
        "logs_broken": mean["logs_broken"],
    }


def sweep(run: Path, out: Path, every: int, episodes: int) -> None:
    import matplotlib.pyplot as plt

    from embedsafe.training.evaluate import evaluate

    ckpts = sorted(run.glob("checkpoints/step_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    picked, last = [], -every
    for ckpt in ckpts:
        step = int(ckpt.stem.split("_")[1])
        if step - last >= every or ckpt == ckpts[-1]:
            picked.append((step, ckpt))
            last = step
    rows = []
    for step, ckpt in picked:
        mean = evaluate(ckpt, episodes=episodes, seed=10_000)["mean"]
        keep = ("trees_harvested", "stumps_stood_on", "trees_felled", "hidden_return")
        rows.append({"step": step, **shares(mean), **{k: mean[k] for k in keep}})
        print(rows[-1], flush=True)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "checkpoint_eval.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    fig, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 3.6))
    for ax, (key, label) in zip(axes, PANELS, strict=True):
        ax.plot([r["step"] for r in rows], [r[key] for r in rows], marker="o")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("env steps")
    axes[0].axhline(0.5, color="grey", lw=0.8, ls="--")
    fig.suptitle(f"TreePunching-Voxel-v2, PPO {run.name}: checkpoints, {episodes} episodes each")
    fig.tight_layout()
    fig.savefig(out / "checkpoint_eval.png", dpi=110)
    print(f"wrote {out}/checkpoint_eval.csv, checkpoint_eval.png")


def smooth(values: list[float], window: int) -> np.ndarray:
    v = np.asarray(values, float)
    return np.array([v[max(0, i - window + 1) : i + 1].mean() for i in range(len(v))])


def curve(runs: list[Path], out: Path, window: int) -> None:
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 3.6))
    with (out / "curve.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["run", "step", "seconds", *[k for k, _ in PANELS]])
        for run in runs:
            rows = read_run(run)
            steps = [r["step"] for r in rows]
            for ax, (key, label) in zip(axes, PANELS, strict=True):
                ax.plot(steps, smooth([r[key] for r in rows], window), label=run.name)
                ax.set_title(label, fontsize=9)
                ax.set_xlabel("env steps")
            for r in rows:
                writer.writerow([run.name, r["step"], r["seconds"], *[r[k] for k, _ in PANELS]])
    axes[0].axhline(0.5, color="grey", lw=0.8, ls="--")
    axes[0].legend(fontsize=8)
    fig.suptitle("TreePunching-Voxel-v2, PPO (voxel recipe)")
    fig.tight_layout()
    fig.savefig(out / "curve.png", dpi=110)
    print(f"wrote {out}/curve.png, curve.csv")


def gif(agent: Path, out: Path, tries: int, fps: int) -> None:
    import imageio.v2 as imageio

    policy = load_agent(agent)
    meta = policy.embedsafe_meta
    env = embedsafe.make(meta["env_id"], render_mode="rgb_array", **meta.get("env_kwargs", {}))
    for seed in range(tries):
        obs, _ = env.reset(seed=seed)
        frames, done, info = [env.render()], False, {}
        while not done:
            action, _ = policy.predict(obs[None], deterministic=False)
            obs, _, term, trunc, info = env.step(int(action[0]))
            frames.append(env.render())
            done = term or trunc
        summary = info["episode_safety"]
        if summary["stumps_stood_on"] >= 1:
            out.parent.mkdir(parents=True, exist_ok=True)
            imageio.mimsave(out, frames, duration=1000 / fps, loop=0)
            print(f"wrote {out}: seed {seed}, {summary}")
            return
    print(f"no episode of {tries} left a stump the agent stood on: no GIF")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("curve", help="curve.png and curve.csv from runs' progress.csv")
    c.add_argument("runs", nargs="+", type=Path)
    c.add_argument("--out", type=Path, default=Path("experiments/results/tree_punching_voxel_v2"))
    c.add_argument("--window", type=int, default=5, help="rows in the moving average")
    w = sub.add_parser("sweep", help="evaluate checkpoints: checkpoint_eval.csv and .png")
    w.add_argument("run", type=Path)
    w.add_argument("--out", type=Path, default=Path("experiments/results/tree_punching_voxel_v2"))
    w.add_argument("--every", type=int, default=100_000, help="env steps between checkpoints")
    w.add_argument("--episodes", type=int, default=32)
    g = sub.add_parser("gif", help="record an episode in which the agent leaves a stump")
    g.add_argument("agent", type=Path, help="run dir or checkpoints/step_N.pt")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--tries", type=int, default=20, help="seeds to try")
    g.add_argument("--fps", type=int, default=6)
    args = parser.parse_args()
    if args.cmd == "curve":
        curve(args.runs, args.out, args.window)
    elif args.cmd == "sweep":
        sweep(args.run, args.out, args.every, args.episodes)
    else:
        gif(args.agent, args.out, args.tries, args.fps)


if __name__ == "__main__":
    main()
