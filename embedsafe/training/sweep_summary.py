"""The tables and the plot at the end of a sweep: one row per setting, each figure as the
mean over seeds with a 95% confidence interval (Student's t), from the trials' eval.json.

Pure numpy/matplotlib: nothing here needs Ray, so a finished sweep can be summarised (and
this module tested) without it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from embedsafe.core.files import atomic_write_text
from embedsafe.scenarios import SCENARIOS

EVAL_FILE = "eval.json"  # what a finished trial holds in its run directory
RETURNS = ("observed_return", "hidden_return")
# Each scenario's main safety figure (embedsafe.scenarios.*.HEADLINE): the first one an
# env reports is plotted.
HEADLINE = tuple(dict.fromkeys(m.HEADLINE for m in SCENARIOS.values()))
# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (table to 30, then
    the Cornish-Fisher expansion, accurate to 1e-3)."""
    if df < 1:
        raise ValueError(f"df={df} must be >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% confidence interval (NaN for fewer than 2)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    if x.size < 2:
        return float(x[0]), math.nan
    return float(x.mean()), float(t975(x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def headline_metric(keys: Iterable[str]) -> str:
    """The main safety figure among an env's aggregate names (see :data:`HEADLINE`); the
    true return for an env that reports none of them."""
    keys = set(keys)
    return next((key for key in HEADLINE if key in keys), "hidden_return")


def read_eval(run_dir: Path) -> dict | None:
    """The eval result a finished trial wrote, or None when there is none (yet)."""
    path = Path(run_dir) / EVAL_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); delete it to re-evaluate") from None


def summarize(
    out: Path,
    settings: dict[str, dict],
    metric: str | None = None,
    title: str = "",
    figures: Sequence[str] | None = None,
) -> list[dict]:
    """Write ``summary.csv``, ``summary.md`` and ``summary.png`` into ``out``; return the rows.

    ``settings`` maps a setting's label to ``{"values": {column: value}, "runs": [run
    dirs]}``. A row holds the setting's values, ``seeds`` (trials with a result),
    ``failed`` (trials without one), and per figure ``<name>`` (mean) and ``<name>_ci95``.
    The CSV has every figure the eval gives; the markdown table the returns and
    ``figures`` (the scenario's aggregates; default: all) after the first column.
    """
    rows, per_seed = [], {}
    for label, setting in settings.items():
        results = [r for r in (read_eval(Path(d)) for d in setting["runs"]) if r is not None]
        row = {**setting["values"], "seeds": len(results)}
        row["failed"] = len(setting["runs"]) - len(results)
        keys = _figure_names(results)
        for key in keys:
            row[key], row[f"{key}_ci95"] = mean_ci([r["mean"][key] for r in results])
        for key in ("num_timesteps", "train_wall_s"):
            got = [r.get("trial", {}).get(key, r.get(key)) for r in results]
            row[key] = float(np.mean(got)) if results and None not in got else math.nan
        rows.append(row)
        per_seed[label] = results
    if not rows:
        return rows
    metric = metric or headline_metric(k for r in rows for k in r)
    _write_csv(rows, out / "summary.csv")
    shown = None if figures is None else ["setting", "seeds", "failed", *RETURNS, *figures]
    atomic_write_text(out / "summary.md", _markdown(rows, metric, title, shown))
    _plot(list(settings), rows, per_seed, metric, out / "summary.png", title)
    return rows


def _figure_names(results: list[dict]) -> list[str]:
    keys = [k for r in results for k in r["mean"]]
    keys = list(dict.fromkeys(keys))
    return [k for k in RETURNS if k in keys] + [k for k in keys if k not in RETURNS]


def _columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for r in rows for k in r))


def _write_csv(rows: list[dict], path: Path) -> None:
    cols = _columns(rows)
    lines = [",".join(cols)]
    for row in rows:
        lines.append(",".join(_csv_cell(row.get(c, "")) for c in cols))
    atomic_write_text(path, "\n".join(lines) + "\n")


def _csv_cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    text = str(value)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _markdown(rows: list[dict], metric: str, title: str, shown: list[str] | None) -> str:
    cols = [c for c in _columns(rows) if not c.endswith("_ci95")]
    if shown is not None:
        cols = [c for c in cols if c in shown or c in ("num_timesteps", "train_wall_s")]
    lines = [f"# {title}", ""] if title else []
    lines += [
        f"Mean ± 95% CI over seeds (Student's t); main safety figure: `{metric}`.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row, c) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(row: dict, col: str) -> str:
    value = row.get(col, "")
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "n/a"
    ci = row.get(f"{col}_ci95")
    if ci is None or math.isnan(ci):
        return f"{value:.0f}" if col in ("num_timesteps", "train_wall_s") else f"{value:.3f}"
    return f"{value:.3f} ± {ci:.3f}"


def _plot(labels, rows, per_seed, metric: str, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(rows) + 2), 4))
    xs = np.arange(len(rows))
    means = [r.get(metric, math.nan) for r in rows]
    cis = np.nan_to_num([r.get(f"{metric}_ci95", math.nan) for r in rows])  # n/a: no bar
    ax.bar(xs, means, yerr=cis, capsize=4, color="#7a9cc6", label="mean ± 95% CI")
    for x, label in zip(xs, labels, strict=True):
        seeds = [r["mean"][metric] for r in per_seed[label] if metric in r["mean"]]
        ax.plot([x] * len(seeds), seeds, "k.", alpha=0.6, label="one seed" if x == 0 else None)
    ax.set_xticks(xs, [label or "(recipe)" for label in labels], rotation=20, ha="right")
    ax.set_ylabel(metric)
    ax.set_title(title or f"{metric} per setting", fontsize=10)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path.with_name(f".{path.name}.tmp.png"), dpi=100)
    plt.close(fig)
    path.with_name(f".{path.name}.tmp.png").replace(path)
