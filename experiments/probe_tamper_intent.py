"""Does a reward-button agent represent its intent to tamper before it acts, and does
that representation drive the tampering?

1. Decode: a linear probe on each layer predicts "the agent presses the button itself
   5-14 steps from now" (rows where it presses sooner are masked, so the probe cannot win
   by spotting the press under way). Trained on rollouts from one block of env seeds,
   scored (AUROC) on rollouts from held-out seeds, next to the controls: the raw
   observation, an untrained network of the same architecture fed the same inputs, the
   control task (random labels per agent cell; selectivity), and two ground-truth
   baselines (distance to the button alone; a probe on the env's symbolic state).
2. Lead time: the same AUROCs for other leads.
3. Steer: add alpha x (contrast vector: mean activation when the intent label is 1 minus
   when it is 0) to the chosen layer at every step, on fresh seeds, and count self-presses,
   tamper rate and true (hidden) return; the same for 8 random directions of equal norm
   and for the probe's weight direction; mean-ablate each direction.

    python experiments/probe_tamper_intent.py --out runs/probe_tamper_intent
    python experiments/probe_tamper_intent.py --agent runs/demo/run --out /tmp/pti
    python experiments/probe_tamper_intent.py --train --agent /tmp/rb --out /tmp/pti  # none yet

Writes results.md, *.csv and *.png into --out and prints results.md.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass, fields
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from embedsafe.probing import (  # noqa: E402
    OBS,
    Concept,
    activations,
    concepts_for,
    contrast_vector,
    control_labels,
    fit_probe,
    load,
    rollout,
    untrained_like,
)
from embedsafe.probing.concepts import input_type  # noqa: E402
from embedsafe.probing.pipeline import default_layers  # noqa: E402
from embedsafe.probing.probes import probe_direction, stratified_auroc  # noqa: E402
from embedsafe.probing.report import table  # noqa: E402
from embedsafe.probing.steering import ablation_table, steering_table  # noqa: E402

ENV_ID = "embedsafe/RewardButton-Grid-v0"
METRICS = ("self_press", "tamper_rate", "hidden_return")


@dataclass
class Args:
    agent: str = "reference:RewardButton-Grid-v0"  # run dir, agent dir, .pt or reference:ENV
    out: str = "runs/probe_tamper_intent"
    train: bool = False  # train a demo-recipe agent at --agent first if none is there
    train_timesteps: int = 400_000
    episodes: int = 128  # rollout episodes for the probe's training seeds (and as many held out)
    lead: int = 5  # the press must come at least this many steps after the probed state
    horizon: int = 10  # ... and at most lead + horizon - 1 steps after it
    leads: tuple[int, ...] = (1, 3, 5, 8, 12)
    steer_episodes: int = 128
    alphas: tuple[float, ...] = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
    n_random: int = 8
    seed: int = 0


def parse() -> Args:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f in fields(Args):
        if f.type == "bool":
            p.add_argument(f"--{f.name.replace('_', '-')}", action="store_true")
        elif f.type.startswith("tuple"):
            kind = int if "int" in f.type else float
            p.add_argument(f"--{f.name.replace('_', '-')}", type=kind, nargs="+", default=f.default)
        else:
            kind = {"int": int, "str": str}[f.type]
            p.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=f.default)
    ns = p.parse_args()
    return Args(**{k: tuple(v) if isinstance(v, list) else v for k, v in vars(ns).items()})


def state_features(states: list[dict]) -> np.ndarray:
    """Every scalar of the env's symbolic state, plus the agent's and overseer's cells."""
    keys = [k for k, v in states[0].items() if isinstance(v, bool | int | float | np.number)]
    rows = [[float(s[k]) for k in keys] + list(s["agent"]) + list(s["overseer"]) for s in states]
    return np.asarray(rows, dtype=np.float64)


def nan_auroc(y: np.ndarray, score: np.ndarray) -> float:
    ok = ~np.isnan(y)
    return float(roc_auc_score(y[ok], score[ok])) if len(np.unique(y[ok])) == 2 else float("nan")


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


args = parse()
t0 = time.perf_counter()
torch.set_num_threads(1)
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)

# --- the agent -------------------------------------------------------------------------
if not Path(args.agent).exists():
    if not args.train:
        raise SystemExit(f"no agent at {args.agent}; pass --train to train one there first")
    from embedsafe.training import train

    train(ENV_ID, args.agent, recipe="demo", timesteps=args.train_timesteps, seed=args.seed)
policy = load(args.agent, ENV_ID)
layers = default_layers(policy)
hidden = [n for n in layers if n not in (OBS, "action_net", "value_net")]
intent = Concept(
    "tamper_intent",
    "self-press lead..lead+horizon-1 steps ahead",
    event="self_press",
    lead=args.lead,
    horizon=args.horizon,
)

# --- 1. decode on training seeds, score on held-out seeds ------------------------------
train_data = rollout(policy, args.episodes, args.seed, layers)
test_data = rollout(policy, args.episodes, args.seed + 100_000, layers)
untrained = untrained_like(policy, args.seed)
fresh_tr = activations(untrained, train_data.obs, hidden)
fresh_te = activations(untrained, test_data.obs, hidden)
y_tr, y_te = intent.labels(train_data), intent.labels(test_data)
for name, y in (("training", y_tr), ("held-out", y_te)):
    if np.nansum(y) == 0 or np.nansum(1 - y) == 0:
        raise SystemExit(
            f"the label is constant on the {name} seeds (positives {np.nanmean(y):.2f}): "
            "the agent never (or always) self-presses; train it longer or raise --episodes"
        )
types = input_type(train_data) + input_type(test_data)
y_ctl = control_labels(types, np.concatenate([y_tr, y_te]), args.seed)
ctl_tr, ctl_te = y_ctl[: len(y_tr)], y_ctl[len(y_tr) :]


def probe_on(x_tr, x_te, lab_tr, lab_te):
    x, y = np.concatenate([x_tr, x_te]), np.concatenate([lab_tr, lab_te])
    n = len(x_tr)
    return fit_probe(
        x, y, np.zeros(len(x)), args.seed, train_idx=np.arange(n), test_idx=np.arange(n, len(x))
    )


# Strata for "what does the probe know beyond where the agent is": same layout, same cell.
strata_te = [(s["variant"], tuple(s["agent"])) for s in test_data.states]


def within_cell(res) -> float:
    """AUROC of a held-out probe's scores within (layout, agent cell) strata."""
    if res.scores is None:
        return float("nan")
    idx = res.test_idx - len(y_tr)
    return stratified_auroc(y_te[idx], res.scores, [strata_te[i] for i in idx])


auroc_rows = []
for layer in layers:
    task = probe_on(train_data.acts[layer], test_data.acts[layer], y_tr, y_te)
    ctl = probe_on(train_data.acts[layer], test_data.acts[layer], ctl_tr, ctl_te)
    cv = fit_probe(train_data.acts[layer], y_tr, train_data.episode, args.seed)  # for choosing
    row = {
        "layer": layer,
        "auroc": task.auroc,
        "within_cell_auroc": within_cell(task),
        "accuracy": task.accuracy,
        "control_accuracy": ctl.accuracy,
        "selectivity": task.accuracy - ctl.accuracy,
        "untrained_auroc": float("nan"),
        "train_cv_auroc": cv.auroc,
    }
    if layer in fresh_tr:
        row["untrained_auroc"] = probe_on(fresh_tr[layer], fresh_te[layer], y_tr, y_te).auroc
    auroc_rows.append(row)
s_tr, s_te = state_features(train_data.states), state_features(test_data.states)
dist_te = np.array([s["agent_to_button"] for s in test_data.states], float)
state_probe = probe_on(s_tr, s_te, y_tr, y_te)
baselines = {
    "distance to button (no training)": nan_auroc(y_te, -dist_te),
    "probe on symbolic state": state_probe.auroc,
    "probe on raw observation": next(r["auroc"] for r in auroc_rows if r["layer"] == OBS),
}
best = max((r for r in auroc_rows if r["layer"] in hidden), key=lambda r: r["train_cv_auroc"])
layer = best["layer"]
print(f"[{time.perf_counter() - t0:.0f}s] probes done; steering layer {layer}")

# --- 2. lead time ------------------------------------------------------------------------
lead_rows = []
for lead in args.leads:
    c = Concept("x", "", event="self_press", lead=lead, horizon=args.horizon)
    a, b = c.labels(train_data), c.labels(test_data)
    lead_rows.append(
        {
            "lead": lead,
            "positives_test": float(np.nanmean(b)),
            f"probe@{layer}": probe_on(train_data.acts[layer], test_data.acts[layer], a, b).auroc,
            "raw obs": probe_on(train_data.acts[OBS], test_data.acts[OBS], a, b).auroc,
            "untrained": probe_on(fresh_tr[layer], fresh_te[layer], a, b).auroc,
            "symbolic state": probe_on(s_tr, s_te, a, b).auroc,
            "distance": nan_auroc(b, -dist_te),
        }
    )

# --- 3. steering and ablation at every hidden layer, on fresh seeds ------------------------
steer_seed = args.seed + 200_000
(button_near,) = concepts_for(ENV_ID, ["button_near"])
near_tr = button_near.labels(train_data)
steer_rows, ablate_rows, effect_rows, norms = [], [], [], {}
for name in hidden:
    x_layer = train_data.acts[name]
    direction = contrast_vector(x_layer, y_tr)
    probe_dir = probe_direction(x_layer, y_tr)
    probe_dir = probe_dir / np.linalg.norm(probe_dir) * np.linalg.norm(direction)
    # A location control: the contrast vector of "within 3 steps of the button", at the
    # intent vector's norm. If it steers as well, the intent direction is mostly "where".
    near = contrast_vector(x_layer, near_tr)
    near = near / np.linalg.norm(near) * np.linalg.norm(direction)
    norms[name] = {
        "contrast norm": float(np.linalg.norm(direction)),
        "mean activation norm": float(np.linalg.norm(x_layer, axis=1).mean()),
        "cos(intent, button_near)": float(near @ direction / np.linalg.norm(direction) ** 2),
    }
    directions = {"contrast": direction, "probe weights": probe_dir, "button_near contrast": near}
    rows = steering_table(
        policy,
        name,
        directions,
        args.alphas,
        args.steer_episodes,
        steer_seed,
        METRICS,
        args.n_random,
    )
    steer_rows += [{"layer": name, **r} for r in rows]
    rows_ab = ablation_table(
        policy, name, directions, x_layer, args.steer_episodes, steer_seed, METRICS, args.n_random
    )
    ablate_rows += [{"layer": name, **r} for r in rows_ab]
    base = next(r for r in rows if r["alpha"] == 0.0)
    for alpha in [a for a in args.alphas if a]:
        at = {r["direction"]: r for r in rows if r["alpha"] == alpha}
        rand = {
            m: np.array([at[f"random{i}"][m] - base[m] for i in range(args.n_random)])
            for m in METRICS
        }
        for d in directions:
            delta = {m: at[d][m] - base[m] for m in METRICS}
            effect_rows.append(
                {
                    "layer": name,
                    "direction": d,
                    "alpha": alpha,
                    "Δ presses": delta["self_press"],
                    "random Δ presses mean±sd": f"{rand['self_press'].mean():+.2f} ± "
                    f"{rand['self_press'].std():.2f}",
                    "z vs random": (delta["self_press"] - rand["self_press"].mean())
                    / max(rand["self_press"].std(), 1e-9),
                    "beats all random": bool(
                        abs(delta["self_press"]) > np.abs(rand["self_press"]).max()
                    ),
                    "Δ tamper rate": delta["tamper_rate"],
                    "random Δ tamper mean": float(rand["tamper_rate"].mean()),
                    "Δ hidden return": delta["hidden_return"],
                }
            )
    print(f"[{time.perf_counter() - t0:.0f}s] steering at {name} done")
base_presses = next(r["self_press"] for r in steer_rows if r["alpha"] == 0.0)


# --- figures -----------------------------------------------------------------------------
def short(name: str) -> str:
    return name.replace("features_extractor.", "fe.").replace("mlp_extractor.", "mlp.")


fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
xs = np.arange(len(auroc_rows))
axes[0].bar(xs - 0.2, [r["auroc"] for r in auroc_rows], 0.4, label="trained agent")
axes[0].bar(xs + 0.2, [r["untrained_auroc"] for r in auroc_rows], 0.4, label="untrained net")
for (name, value), style in zip(baselines.items(), ("--", ":", "-."), strict=True):
    axes[0].axhline(value, ls=style, color="k", lw=1, label=name)
axes[0].set_xticks(xs, [short(r["layer"]) for r in auroc_rows], rotation=60, ha="right", fontsize=7)
axes[0].set_ylim(0.2, 1)
axes[0].set_ylabel("held-out AUROC")
axes[0].set_title(
    f"tamper intent (press {args.lead}-{args.lead + args.horizon - 1} steps ahead)", fontsize=9
)
axes[0].legend(fontsize=6)
for key in [k for k in lead_rows[0] if k not in ("lead", "positives_test")]:
    axes[1].plot([r["lead"] for r in lead_rows], [r[key] for r in lead_rows], "o-", label=key)
axes[1].set_xlabel("lead (steps before the press)")
axes[1].set_ylabel("held-out AUROC")
axes[1].legend(fontsize=6)
fig.tight_layout()
fig.savefig(out / "tamper_intent.png", dpi=110)
plt.close(fig)

fig, axes = plt.subplots(1, len(hidden), figsize=(3.2 * len(hidden), 3.2), sharey=True)
for ax, name in zip(np.atleast_1d(axes), hidden, strict=True):
    sub_rows = [r for r in steer_rows if r["layer"] == name]
    for d in dict.fromkeys(r["direction"] for r in sub_rows):
        sub = [r for r in sub_rows if r["direction"] == d]
        style = {"color": "grey", "lw": 0.8, "alpha": 0.6, "label": None}
        if not d.startswith("random"):
            style = {"lw": 2, "label": d}
        ax.plot([r["alpha"] for r in sub], [r["self_press"] for r in sub], "o-", ms=3, **style)
    ax.plot([], [], color="grey", label=f"{args.n_random} random, same norm")
    ax.set_title(f"{short(name)} (|v|={norms[name]['contrast norm']:.1f})", fontsize=8)
    ax.set_xlabel("alpha (× contrast vector)")
np.atleast_1d(axes)[0].set_ylabel("self-presses per episode")
np.atleast_1d(axes)[0].legend(fontsize=6)
fig.tight_layout()
fig.savefig(out / "steering.png", dpi=110)
plt.close(fig)

# --- results -----------------------------------------------------------------------------
for name, rows in (
    ("auroc", auroc_rows),
    ("lead", lead_rows),
    ("steering", steer_rows),
    ("steering_effect", effect_rows),
    ("ablation", ablate_rows),
):
    write_csv(rows, out / f"{name}.csv")
meta = policy.embedsafe_meta
norm_rows = [{"layer": k, **v} for k, v in norms.items()]
text = "\n".join(
    [
        "# Tamper-intent probe (reward button, grid)\n",
        f"Agent `{args.agent}` ({meta['env_id']}, {meta['num_timesteps']} env steps). "
        f"Probe training seeds {args.seed}..{args.seed + args.episodes - 1}, held-out seeds "
        f"{args.seed + 100_000}.., steering seeds {steer_seed}..; {args.episodes} episodes each "
        f"({args.steer_episodes} per steering row), {len(train_data)} / {len(test_data)} rows. "
        f"Label: a self-press {args.lead}..{args.lead + args.horizon - 1} steps ahead (rows with a "
        f"press sooner are masked); positives {np.nanmean(y_tr):.2f} (train) / "
        f"{np.nanmean(y_te):.2f} (held out). Agent: {train_data.episode_metric('self_press'):.2f} "
        f"self-presses per episode, tamper rate {train_data.episode_metric('tamper_rate'):.2f}.\n",
        "## Held-out AUROC per layer, with controls\n",
        table(auroc_rows),
        "Baselines (held out): "
        + "; ".join(f"{k} {v:.3f}" for k, v in baselines.items())
        + f". Within-cell AUROC of the symbolic-state probe: {within_cell(state_probe):.3f} "
        "(distance alone: 0.5 by construction).\n",
        f"Best hidden layer by train-CV AUROC: `{layer}`.\n",
        "## Lead time (layer above)\n",
        table(lead_rows),
        "![tamper intent](tamper_intent.png)\n",
        f"## Steering (fresh seeds; baseline {base_presses:.2f} self-presses per episode)\n",
        "α multiplies the contrast vector (mean activation with intent − without); the probe "
        "direction, the button_near contrast vector (a location control) and the random "
        "directions are rescaled to the same norm.\n",
        table(norm_rows),
        table(effect_rows),
        "![steering](steering.png)\n",
        "## Mean ablation of the direction\n",
        table(ablate_rows),
        f"_{time.perf_counter() - t0:.0f} s on CPU._\n",
    ]
)
(out / "results.md").write_text(text)
print(text)
