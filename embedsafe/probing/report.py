"""The probe report: Markdown tables + the PNGs next to it, and CSVs of every table."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path


def fmt(value) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    if not rows:
        return "_(none)_\n"
    columns = columns or list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_csv(rows: list[dict], path: Path) -> None:
    if not rows:
        return
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)  # a reader never sees half a file


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


PROBE_COLUMNS = [
    "concept",
    "kind",
    "layer",
    "auroc",
    "untrained_auroc",
    "accuracy",
    "majority",
    "control_accuracy",
    "selectivity",
    "unit",
    "unit_auroc",
    "untrained_unit_auroc",
    "positives",
    "n_test",
]


def _figure(res, name: str, title: str) -> list[str]:
    return [f"![{title}]({name}.png)\n"] if name in res.figures else []


def _setup(res) -> list[str]:
    """What ran: the budget, and the layers stored pooled."""
    lines = []
    if res.budget is not None:
        b = res.budget
        lines.append(
            f"Budget: {b.episodes} episodes per checkpoint, {b.steer_episodes} per steering "
            f"row, seed {b.seed}"
            + (f", episodes capped at {b.steps} steps" if b.steps else "")
            + (f"; probes fit on one step in {b.stride}" if b.stride and b.stride > 1 else "")
            + ".\n"
        )
    if res.pooled:
        pooled = ", ".join(f"`{k}` {v}" for k, v in res.pooled.items())
        lines.append(
            "Wide layers are stored average-pooled over space (channels and coarse position "
            f"kept; the same pooling for every control): {pooled}.\n"
        )
    if res.pending:
        lines.append(f"**In progress** - still to come: {res.pending}.\n")
    return lines


def write_report(res, out: Path, command: str = "") -> Path:
    out = Path(out)
    for name in ("probe_rows", "training_rows", "behaviour_rows", "steering_rows", "ablation_rows"):
        write_csv(getattr(res, name), out / f"{name.removesuffix('_rows')}.csv")
    obs_rows = [r for r in res.probe_rows if r["layer"] == "obs"]
    best = {}
    for r in res.probe_rows:
        if r["layer"] != "obs" and (r["concept"] not in best or _key(r) > _key(best[r["concept"]])):
            best[r["concept"]] = r
    summary = [
        {
            "concept": c,
            "best layer": r["layer"] if _key(r) >= 0 else "– (one class only)",
            "AUROC": r["auroc"],
            "raw obs AUROC": next(
                (o["auroc"] for o in obs_rows if o["concept"] == c), float("nan")
            ),
            "untrained AUROC": r["untrained_auroc"],
            "selectivity": r["selectivity"],
            "best unit AUROC": r.get("unit_auroc", float("nan")),
            "untrained best unit": r.get("untrained_unit_auroc", float("nan")),
        }
        for c, r in best.items()
    ]
    parts = [
        f"# Probe report: {res.env_id}\n",
        f"Agent: `{res.agent}`" + (f"  \nCommand: `{command}`" if command else "") + "\n",
        "Linear probes (logistic regression, held-out *episodes*). Controls: the raw "
        "observation, an untrained network of the same architecture fed the same inputs, "
        "and a control task (random labels per agent position, Hewitt & Liang 2019); "
        "selectivity = task accuracy − control accuracy. *Best unit*: the single unit that "
        "best separates the concept, picked on the training episodes, scored on the "
        "held-out ones.\n",
        *_setup(res),
        "## Summary (latest checkpoint, best layer per concept)\n",
        table(summary),
        *_figure(res, "probes", "probes"),
        "## Across training: what, when, where\n",
        "AUROC per concept × layer × checkpoint (McGrath et al. 2022) next to the behaviour "
        "rate of the same checkpoint's rollouts.\n",
        *_figure(res, "what_when_where", "what-when-where"),
        table(res.behaviour_rows),
    ]
    if res.steering_rows:
        info = res.steer_info
        parts += [
            "## Causal tests\n",
            f"Steering: add α × (contrast vector of `{info['concept']}`, norm "
            f"{info['norm']:.3f}) to `{info['layer']}` at every step, against random "
            f"directions of the same norm; {info['episodes']} fresh episodes per row, the "
            "same env seeds in every row.\n",
            *_figure(res, "steering", "steering"),
            table(res.steering_rows),
            "Ablation: the component along the direction set to its mean.\n",
            table(res.ablation_rows),
        ]
    if "unit" in res.figures:
        u = res.unit_info
        parts += [
            "## Single units\n",
            f"The best single `{u['concept']}` unit: unit {u['unit']} of `{u['layer']}` "
            f"(held-out AUROC {u['unit_auroc']:.3f}; the best unit of the untrained network: "
            f"{u['untrained_unit_auroc']:.3f}), its channel drawn over frames where the "
            "concept holds and where it does not, on one colour scale.\n",
            "![unit](unit.png)\n",
        ]
    if "attribution" in res.figures:
        parts += [
            "## Attribution\n",
            "|Integrated gradients| and |saliency| of the chosen action's logit, summed over "
            "channels, over the frame the agent saw (steps just before the behaviour when "
            "there are some).\n",
            "![attribution](attribution.png)\n",
        ]
    parts += [
        "## All probes (latest checkpoint)\n",
        table(res.probe_rows, [c for c in PROBE_COLUMNS if any(c in r for r in res.probe_rows)]),
    ]
    path = out / "report.md"
    write_text(path, "\n".join(parts))
    return path


def _key(row: dict) -> float:
    return row["auroc"] if not math.isnan(row["auroc"]) else -1.0
