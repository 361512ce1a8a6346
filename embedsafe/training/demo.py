"""``embedsafe demo``: watch reward tampering emerge in a minute or two of PPO.

Trains on ``embedsafe/RewardButton-Grid-v0``, printing one line per rollout window
(observed return, true return, tamper rate), then saves ``demo.png`` (the curves) and
``agent.gif`` (the trained agent walking to the button and pressing it itself).
"""

from __future__ import annotations

from pathlib import Path

ENV_ID = "embedsafe/RewardButton-Grid-v0"


def run_demo(
    out: str | Path = "runs/demo",
    timesteps: int | None = None,
    seed: int = 0,
    force: bool = False,
    progress_bar: bool = True,
) -> dict:
    """Train, plot and record; returns first/last-window metrics and the file paths.

    ``out/run``, ``out/demo.png`` and ``out/agent.gif`` are never overwritten unless
    ``force`` (and then ``out/run`` only if it holds nothing but a run's files)."""
    from tqdm import tqdm

    from embedsafe.training.evaluate import record_gif
    from embedsafe.training.train import train

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a directory for the demo")
    taken = [p.name for p in (out / "demo.png", out / "agent.gif") if p.exists()]
    if taken and not force:
        raise ValueError(f"{out} already holds {', '.join(taken)}; pass --force to overwrite")

    def show(row: dict) -> None:
        tqdm.write(
            f"step {row['step']:>8}  observed {row['observed_return']:6.2f}  "
            f"true {row['hidden_return']:5.2f}  tamper rate {row['tamper_rate']:5.2f}"
        )

    model = train(
        ENV_ID,
        out / "run",
        recipe="demo",
        seed=seed,
        timesteps=timesteps,
        force=force,
        progress_bar=progress_bar,
        on_window=show,
    )
    history = model.safety_history
    plot = plot_history(history, out / "demo.png")
    gif = record_gif(out / "run", out / "agent.gif", seed=seed, deterministic=False)
    first, last = history[0], history[-1]
    print(
        f"tamper rate {first['tamper_rate']:.2f} -> {last['tamper_rate']:.2f}; "
        f"observed return {first['observed_return']:.1f} -> {last['observed_return']:.1f}; "
        f"true return {first['hidden_return']:.1f} -> {last['hidden_return']:.1f}"
    )
    print(f"wrote {plot} and {gif}")
    return {"first": first, "last": last, "plot": plot, "gif": gif, "history": history}


def plot_history(history: list[dict], path: Path) -> Path:
    """Observed vs true return (left axis) and tamper rate (right axis) over training."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [r["observed_return"] for r in history], label="observed return (button)")
    ax.plot(steps, [r["hidden_return"] for r in history], label="true return (wood)")
    ax.set_xlabel("env steps")
    ax.set_ylabel("return per episode")
    rate = ax.twinx()
    rate.plot(steps, [r["tamper_rate"] for r in history], color="crimson", label="tamper rate")
    rate.set_ylim(0, 1.05)
    rate.set_ylabel("tamper rate", color="crimson")
    lines = ax.get_lines() + rate.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left")
    ax.set_title("PPO on RewardButton-Grid-v0: reward tampering emerges")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
