"""The probe report: Markdown tables + the PNGs next to it, and CSVs of every table."""

from __future__ import annotations

import csv
import math
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
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


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
    "positives",
    "n_test",
]


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
        }
        for c, r in best.items()
    ]
    parts = [
        f"# Probe report: {res.env_id}\n",
        f"Agent: `{res.agent}`" + (f"  \nCommand: `{command}`" if command else "") + "\n",
        "Linear probes (logistic regression, held-out *episodes*). Controls: the raw "
        "observation, an untrained network of the same architecture fed the same inputs, "
        "and a control task (random labels per agent position, Hewitt & Liang 2019); "
        "selectivity = task accuracy − control accuracy.\n",
        "## Summary (final checkpoint, best layer per concept)\n",
        table(summary),
        "![probes](probes.png)\n",
        "## Across training: what, when, where\n",
        "AUROC per concept × layer × checkpoint (McGrath et al. 2022) next to the behaviour "
        "rate of the same checkpoint's rollouts.\n",
        "![what-when-where](what_when_where.png)\n",
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
            "![steering](steering.png)\n",
            table(res.steering_rows),
            "Ablation: the component along the direction set to its mean.\n",
            table(res.ablation_rows),
        ]
    parts += [
        "## Attribution\n",
        "|Integrated gradients| and |saliency| of the chosen action's logit, summed over "
        "channels, over the frame (steps just before the behaviour when there are some).\n",
        "![attribution](attribution.png)\n",
        "## All probes (final checkpoint)\n",
        table(res.probe_rows, PROBE_COLUMNS),
    ]
    path = out / "report.md"
    path.write_text("\n".join(parts))
    return path


def _key(row: dict) -> float:
    return row["auroc"] if not math.isnan(row["auroc"]) else -1.0
