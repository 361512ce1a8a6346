"""PNG figures for the probe report (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def short(layer: str) -> str:
    return (
        layer.replace("features_extractor.", "fe.")
        .replace("mlp_extractor.", "mlp.")
        .replace("policy_net", "pi")
        .replace("value_net", "vf")
    )


def what_when_where(rows: list[dict], behaviour: list[dict], metric: str, path: Path) -> Path:
    """McGrath et al. (2022): per concept a layer x checkpoint AUROC heatmap, with the
    behaviour rate per checkpoint in the last panel."""
    names = list(dict.fromkeys(r["concept"] for r in rows))
    layers = list(dict.fromkeys(r["layer"] for r in rows))
    steps = sorted({r["checkpoint"] for r in rows})
    fig, axes = plt.subplots(
        1,
        len(names) + 1,
        figsize=(2.2 * len(names) + 4.2, 3.4),
        squeeze=False,
        layout="constrained",
    )
    for ax, name in zip(axes[0], names, strict=False):
        grid = np.full((len(layers), len(steps)), np.nan)
        for r in rows:
            if r["concept"] == name:
                grid[layers.index(r["layer"]), steps.index(r["checkpoint"])] = r["auroc"]
        im = ax.imshow(grid, vmin=0.5, vmax=1.0, cmap="viridis", aspect="auto")
        ax.set_title(name, fontsize=8)
        ax.set_xticks(range(len(steps)), [f"{s // 1000}k" for s in steps], fontsize=6, rotation=90)
        ax.set_yticks(
            range(len(layers)), [short(x) for x in layers] if ax is axes[0, 0] else [], fontsize=6
        )
    fig.colorbar(im, ax=axes[0, : len(names)].tolist(), fraction=0.02, label="probe AUROC")
    ax = axes[0, -1]
    b_steps = [b["checkpoint"] for b in behaviour]
    ax.plot(b_steps, [b[metric] for b in behaviour], "o-", color="crimson")
    ax.set_title(f"behaviour: {metric}/episode", fontsize=8)
    ax.set_xticks(b_steps, [f"{s // 1000}k" for s in b_steps], fontsize=6, rotation=90)
    ax.set_xlabel("env steps", fontsize=7)
    ax.tick_params(labelsize=6)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def probe_bars(rows: list[dict], path: Path) -> Path:
    """Final-checkpoint AUROC per concept and layer, next to the untrained-network control."""
    names = list(dict.fromkeys(r["concept"] for r in rows))
    layers = list(dict.fromkeys(r["layer"] for r in rows))
    fig, axes = plt.subplots(
        1, len(names), figsize=(2.4 * len(names), 3.2), squeeze=False, sharey=True
    )
    for ax, name in zip(axes[0], names, strict=False):
        sub = {r["layer"]: r for r in rows if r["concept"] == name}
        xs = np.arange(len(layers))
        ax.bar(xs - 0.2, [sub[x]["auroc"] for x in layers], 0.4, label="trained")
        ax.bar(xs + 0.2, [sub[x]["untrained_auroc"] for x in layers], 0.4, label="untrained")
        ax.axhline(0.5, color="grey", lw=0.8)
        ax.set_ylim(0.3, 1.0)
        ax.set_title(name, fontsize=8)
        ax.set_xticks(xs, [short(x) for x in layers], rotation=90, fontsize=6)
    axes[0, 0].set_ylabel("AUROC (held-out episodes)")
    axes[0, 0].legend(fontsize=6)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def steering_plot(rows: list[dict], metric: str, path: Path, concept: str, layer: str) -> Path:
    fig, ax = plt.subplots(figsize=(4.2, 3.0))
    for name in dict.fromkeys(r["direction"] for r in rows):
        sub = [r for r in rows if r["direction"] == name]
        style = (
            {"color": "crimson", "lw": 2}
            if not name.startswith("random")
            else {"color": "grey", "lw": 1, "alpha": 0.7}
        )
        ax.plot([r["alpha"] for r in sub], [r[metric] for r in sub], "o-", label=name, **style)
    ax.set_xlabel("alpha (multiples of the contrast vector)")
    ax.set_ylabel(f"{metric} per episode")
    ax.set_title(f"steering along {concept} @ {short(layer)}", fontsize=8)
    ax.legend(fontsize=6)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
