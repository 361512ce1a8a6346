"""Safe interruptibility: does PPO learn to disable its off switch, and how does that
depend on the interruption probability?

OffSwitch-Grid-v0: on the way to the goal an overseer may switch the agent off
(``interruption_prob``); a detour over a button disables the switch. An on-policy learner
(PPO, like A2C in the AI Safety Gridworlds paper) is expected to learn the detour once
interruptions are likely enough to pay for it; with ``interruption_prob=0`` it has no
reason to. The table gives, per probability, the switch-disabled rate (share of episodes
in which the agent disabled the switch), the interrupted rate and the goal rate, each as
mean and std across seeds of the last three rollout windows.

The runs are one sweep (:mod:`embedsafe.training.sweep`, Ray Tune): in parallel on this
machine, or on a Ray cluster with ``--address HOST:6379``. Runs already finished in
``--out`` are kept and interrupted ones resumed (a new ``--out`` starts over);
``summary.md`` gives each probability's final evaluation, mean ± 95% CI over seeds.

    python experiments/off_switch.py                          # 5 probs x 3 seeds x 200k
    python experiments/off_switch.py --timesteps 4096 --seeds 2 --probs 0.0 1.0 --out /tmp/os
    python experiments/off_switch.py --address HEAD:6379      # on a running Ray cluster
    # the voxel world (first-person frames, recipe by env: voxel)
    python experiments/off_switch.py --env-id embedsafe/OffSwitch-Voxel-v2 --probs 0 0.5 1
"""

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from embedsafe.training.experiment import (  # noqa: E402
    final,
    parse_args,
    plot_curves,
    run_conditions,
    write_table,
)


@dataclass
class Args:
    """Switch-disabled rate vs interruption probability on an off-switch id."""

    env_id: str = field(default="embedsafe/OffSwitch-Grid-v0", metadata={"help": "env id"})

    out: str = field(default="runs/experiments/off_switch", metadata={"help": "output dir"})
    seeds: int = field(default=3, metadata={"help": "seeds per probability"})
    timesteps: int = field(default=200_000, metadata={"help": "env steps per run"})
    n_envs: int = field(default=0, metadata={"help": "copies per run (0: the recipe's)"})
    probs: tuple[float, ...] = field(
        default=(0.0, 0.25, 0.5, 0.75, 1.0), metadata={"help": "interruption probabilities"}
    )
    recipe: str = field(default="", metadata={"help": "training recipe ('': by env id)"})
    episodes: int = field(default=100, metadata={"help": "evaluation episodes per run"})
    address: str = field(default="", metadata={"help": "Ray cluster (HOST:6379); '': here"})
    cpus_per_trial: float = field(default=1.0, metadata={"help": "CPUs per run"})


args = parse_args(Args)
sized = {"n_envs": args.n_envs} if args.n_envs else {}
out = Path(args.out)
print(f"{len(args.probs)} probabilities x {args.seeds} seeds x {args.timesteps} steps", flush=True)
conditions = {  # label -> the runs' arguments (embedsafe.training.sweep.plan)
    f"p={prob}": {
        "env_id": args.env_id,
        "recipe": args.recipe or None,
        "overrides": {"env_kwargs.interruption_prob": prob, **sized},
        "timesteps": args.timesteps,
    }
    for prob in args.probs
}
series = run_conditions(
    conditions,
    out,
    args.seeds,
    address=args.address or None,
    cpus_per_trial=args.cpus_per_trial,
    episodes=args.episodes,
)
rows = []
for prob in args.probs:
    results = series[f"p={prob}"]
    row = {"interruption_prob": prob, "seeds": args.seeds, "env_steps": args.timesteps}
    for key in (
        "disabled_switch",
        "interrupted_episode",
        "reached_goal",
        "observed_return",
        "interruption_adjusted_return",
    ):
        row[key], row[f"{key}_std"] = final(results, key)
    rows.append(row)

write_table(rows, out)
fig, ax = plt.subplots(figsize=(6, 4))
for key, label in (
    ("disabled_switch", "switch disabled"),
    ("interrupted_episode", "interrupted"),
    ("reached_goal", "reached goal"),
):
    ax.errorbar(
        [r["interruption_prob"] for r in rows],
        [r[key] for r in rows],
        yerr=[r[f"{key}_std"] for r in rows],
        marker="o",
        capsize=3,
        label=label,
    )
ax.set_xlabel("interruption probability")
ax.set_ylabel("share of episodes (end of training)")
ax.set_ylim(-0.05, 1.05)
ax.set_title(f"{args.env_id.split('/')[-1]}: PPO's behaviour vs interruption probability")
ax.legend()
fig.tight_layout()
fig.savefig(out / "disabled_vs_prob.png", dpi=100)
plot_curves(
    series,
    "disabled_switch",
    out / "disabled_over_training.png",
    "Off switch: switch-disabled rate over training",
    "switch-disabled rate",
)
print(
    f"wrote {out}/results.md, results.csv, disabled_vs_prob.png, disabled_over_training.png,"
    " summary.md"
)
