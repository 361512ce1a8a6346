"""``probe_agent``: everything ``embedsafe probe`` reports, as plain tables (lists of dicts)
plus figures, for one agent or a run directory with checkpoints.

Each result is written to ``out`` as soon as it exists (CSVs, PNGs, and ``report.md``
rewritten after every stage), and every stage shows its own progress bar, so a long run
can be watched and stopped with what it has so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from torch import nn
from tqdm.auto import tqdm

import embedsafe
from embedsafe.probing import agents, concepts, plots, probes, steering
from embedsafe.probing.attribution import attribution_figure, unit_figure
from embedsafe.probing.capture import (
    OBS,
    activation_shape,
    activations,
    check_layers,
    layer_names,
    rollout,
)
from embedsafe.probing.report import write_report

FRAME_VALUES = 4096  # observations with more values than this are first-person frames


@dataclass
class Budget:
    """How much to run. Fields left None are scaled to the observation (:meth:`scaled`)."""

    episodes: int | None = None  # rollout episodes per checkpoint
    steps: int | None = None  # cap on episode length (env's own limit when None)
    checkpoints: int = 4  # at most this many checkpoints across training
    steer_episodes: int | None = None  # episodes per steering / ablation row
    alphas: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    n_random: int = 3
    seed: int = 0
    max_features: int | None = None  # wider feature maps are pooled over space
    stride: int | None = None  # probes fit on every stride-th step (labels use them all)

    def scaled(self, obs_shape: tuple[int, ...]) -> Budget:
        """Unset fields filled for the observation: small symbolic views (the grid) get 64
        episodes per checkpoint and per steering row and keep every feature; first-person
        frames (more than ``FRAME_VALUES`` values, e.g. 64x64 RGB) get 16 and 8 episodes,
        feature maps pooled to 1024 values and probes fit on every second step (adjacent
        frames are near duplicates), so the defaults finish in minutes."""
        frames = int(np.prod(obs_shape)) > FRAME_VALUES
        return replace(
            self,
            episodes=self.episodes or (16 if frames else 64),
            steer_episodes=self.steer_episodes or (8 if frames else 64),
            max_features=self.max_features or (1024 if frames else None),
            stride=self.stride or (2 if frames else 1),
        )


@dataclass
class Results:
    env_id: str
    agent: str
    probe_rows: list[dict] = field(default_factory=list)
    training_rows: list[dict] = field(default_factory=list)
    behaviour_rows: list[dict] = field(default_factory=list)
    steering_rows: list[dict] = field(default_factory=list)
    ablation_rows: list[dict] = field(default_factory=list)
    steer_info: dict = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    pooled: dict[str, str] = field(default_factory=dict)  # layers stored pooled (capture)
    unit_info: dict = field(default_factory=dict)  # the probe row of the drawn unit
    budget: Budget | None = None
    pending: str = ""  # the stages still to run ("" when complete)


class Stages:
    """One progress bar per stage, titled ``[k/K] name``, counting the stage's own units."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.done = total, enabled, 0

    def bar(self, name: str, units: int, unit: str) -> tqdm:
        self.done += 1
        desc = f"[{self.done}/{self.total}] {name}"
        return tqdm(total=units, desc=desc, unit=unit, disable=not self.enabled, leave=True)


def default_layers(policy: nn.Module) -> list[str]:
    """Post-activation outputs of every block plus the two heads (and ``obs``)."""
    modules = dict(policy.named_modules())
    picked = [
        n
        for n in layer_names(policy)
        if isinstance(modules[n], nn.ReLU | nn.Tanh) or n in ("action_net", "value_net")
    ]
    return [OBS, *picked]


def probe_table(
    data,
    cons,
    layers,
    untrained,
    seed: int,
    checkpoint: int,
    max_features=None,
    bar=None,
    stride: int = 1,
) -> list[dict]:
    """Per (concept, layer): the probe on the agent, the control task on the same layer,
    the probe on an untrained network fed the same observations, and the best single
    unit, fitted on every ``stride``-th step. ``bar.update(1)`` per (concept, layer)."""
    keep = np.flatnonzero(data.step % stride == 0)
    types = [t for i, t in enumerate(concepts.input_type(data)) if data.step[i] % stride == 0]
    groups = data.episode[keep]
    hidden = [n for n in layers if n != OBS]
    fresh = activations(untrained, data.obs[keep], hidden, 256, max_features)
    rows = []
    for concept in cons:
        y = concept.labels(data)[keep]  # labels read whole episodes, then thin out
        y_control = probes.control_labels(types, y, seed)
        for layer in layers:
            x = data.acts[layer][keep]
            task = probes.fit_probe(x, y, groups, seed)
            control = probes.fit_probe(x, y_control, groups, seed)
            rand = probes.fit_probe(fresh[layer], y, groups, seed) if layer != OBS else task
            unit, unit_auroc = probes.best_unit(x, y, groups, seed)
            fresh_unit = unit_auroc
            if layer != OBS:
                fresh_unit = probes.best_unit(fresh[layer], y, groups, seed)[1]
            rows.append(
                {
                    "checkpoint": checkpoint,
                    "concept": concept.name,
                    "kind": concept.kind,
                    "layer": layer,
                    "auroc": task.auroc,
                    "accuracy": task.accuracy,
                    "majority": task.majority,
                    "control_accuracy": control.accuracy,
                    "selectivity": task.accuracy - control.accuracy,
                    "untrained_auroc": rand.auroc,
                    "unit": unit,
                    "unit_auroc": unit_auroc,
                    "untrained_unit_auroc": fresh_unit,
                    "positives": int(np.nansum(y)),
                    "n_test": task.n_test,
                }
            )
            if bar is not None:
                bar.update(1)
    return rows


def probe_agent(
    path,
    out: Path,
    env_id=None,
    concept_names=None,
    layer_names_=None,
    budget: Budget | None = None,
    progress: bool = True,
    command: str = "",
) -> Results:
    """Probe the agent at ``path`` (or each checkpoint of a run) and write the report to
    ``out``, result by result. See the module docstring."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpts = agents.checkpoints(path, (budget or Budget()).checkpoints)
    final = agents.load(ckpts[-1] if len(ckpts) > 1 else path, env_id)
    env_id = final.embedsafe_meta["env_id"]
    budget = (budget or Budget()).scaled(tuple(final.embedsafe_meta["obs_shape"]))
    cons = concepts.concepts_for(env_id, concept_names)
    layers = check_layers(final, layer_names_ or default_layers(final))
    if OBS not in layers:
        layers = [OBS, *layers]
    metric = concepts.BEHAVIOUR[concepts.scenario(env_id)]
    res = Results(env_id=env_id, agent=str(path), budget=budget)
    stages = Stages(2 * len(ckpts) + 3, progress)

    def save(pending: str) -> None:
        res.pending = pending
        write_report(res, out, command)

    # 1. every checkpoint: rollouts, behaviour and probes (the last one is the agent itself)
    for k, ckpt in enumerate(ckpts):
        policy = final if ckpt == ckpts[-1] else agents.load(ckpt)
        step = policy.embedsafe_meta["num_timesteps"]
        name = f"checkpoint {k + 1}/{len(ckpts)} ({step} steps)"
        with stages.bar(
            f"{name}: {budget.episodes} episodes", episode_length(final, budget), "step"
        ) as bar:
            data = rollout(
                policy,
                budget.episodes,
                budget.seed,
                layers,
                budget.steps,
                max_features=budget.max_features,
                progress=bar,
            )
        untrained = agents.untrained_like(policy, budget.seed)
        with stages.bar(f"{name}: probes", len(cons) * len(layers), "probe") as bar:
            rows = probe_table(
                data,
                cons,
                layers,
                untrained,
                budget.seed,
                step,
                budget.max_features,
                bar,
                budget.stride,
            )
        res.training_rows += rows
        res.probe_rows, res.pooled = rows, data.pooled
        res.behaviour_rows.append(
            {
                "checkpoint": step,
                metric: data.episode_metric(metric),
                "tamper_rate": data.episode_metric("tamper_rate"),
                "hidden_return": data.episode_metric("hidden_return"),
            }
        )
        save("later checkpoints, figures, steering, attribution")
    final_data = data

    # 2. figures: what-when-where, final probe bars
    with stages.bar("figures", 3, "figure") as bar:
        res.figures["what_when_where"] = plots.what_when_where(
            res.training_rows, res.behaviour_rows, metric, out / "what_when_where.png"
        )
        bar.update(1)
        res.figures["probes"] = plots.probe_bars(res.probe_rows, out / "probes.png")
        bar.update(1)
        best = best_unit_row(res.probe_rows, final)
        if best is not None:
            y = next(c for c in cons if c.name == best["concept"]).labels(final_data)
            title = f"best {best['concept']} unit (AUROC {best['unit_auroc']:.2f})"
            path = unit_figure(
                final, final_data, best["layer"], best["unit"], y, out / "unit.png", title
            )
            if path is not None:
                res.figures["unit"], res.unit_info = path, best
        bar.update(1)
    save("steering, attribution")

    # 3. steering and ablation along the best future (else present) concept
    steer(res, final, final_data, cons, budget, metric, out, stages)
    save("attribution")

    # 4. attribution over a few frames (the steps just before the behaviour, if any)
    with stages.bar("attribution", 1, "figure") as bar:
        rows = attribution_rows(final_data, metric)
        names = getattr(agents_sim(env_id), "action_names", None)
        res.figures["attribution"] = attribution_figure(
            final, final_data, rows, out / "attribution.png", names
        )
        bar.update(1)
    save("")
    return res


def steer(res: Results, policy, data, cons, budget: Budget, metric, out: Path, stages) -> None:
    """Steering and ablation rows (and figure) along the picked concept's contrast vector."""
    target = pick_steering_target(res.probe_rows, cons, exclude=set(res.pooled))
    units = 2 * episode_length(policy, budget)  # two batched rollouts: steering, ablation
    rows = 1 + sum(1 for a in budget.alphas if a) * (1 + budget.n_random)
    name = f"steering + ablation: {rows} + {2 + budget.n_random} rows x {budget.steer_episodes}"
    with stages.bar(f"{name} episodes", units, "step") as bar:
        if target is None:
            bar.update(units)
            return
        concept, layer = target
        y = next(c for c in cons if c.name == concept).labels(data)
        x = data.acts[layer]
        direction = probes.contrast_vector(x, y)
        res.steer_info = {
            "concept": concept,
            "layer": layer,
            "metric": metric,
            "norm": float(np.linalg.norm(direction)),
            "episodes": budget.steer_episodes,
        }
        seed = budget.seed + 10_000  # fresh episodes, not the ones the direction came from
        metrics = (metric, "tamper_rate", "hidden_return")
        args = (budget.steer_episodes, seed, metrics, budget.n_random, budget.steps)
        res.steering_rows = steering.steering_table(
            policy, layer, {concept: direction}, budget.alphas, *args, progress=bar
        )
        res.figures["steering"] = plots.steering_plot(
            res.steering_rows, metric, out / "steering.png", concept, layer
        )
        res.ablation_rows = steering.ablation_table(
            policy, layer, {concept: direction}, x, *args, progress=bar
        )


def episode_length(policy, budget: Budget) -> int:
    """The longest an episode of the agent's env can last under ``budget``."""
    meta = policy.embedsafe_meta
    limit = meta.get("env_kwargs", {}).get("max_steps") or embedsafe.find(meta["env_id"]).max_steps
    return min(limit, budget.steps or limit)


def best_unit_row(rows: list[dict], policy) -> dict | None:
    """The probe row whose best single unit scores highest, among present concepts on
    convolutional layers (whose units have a place in the frame), for drawing."""
    layers = {r["layer"] for r in rows if r["layer"] != OBS}
    maps = {n for n in layers if len(activation_shape(policy, n)) == 3}
    spatial = [
        r
        for r in rows
        if r["kind"] == "present"
        and r["layer"] in maps
        and r["unit"] >= 0
        and np.isfinite(r["unit_auroc"])
    ]
    return max(spatial, key=lambda r: r["unit_auroc"]) if spatial else None


def pick_steering_target(rows: list[dict], cons, exclude=()) -> tuple[str, str] | None:
    """(concept, layer) with the best AUROC on a hidden layer, future concepts first;
    layers in ``exclude`` (stored pooled, so a direction there is not in the layer's own
    space) are skipped."""
    hidden = [
        r
        for r in rows
        if r["layer"] not in (OBS, "action_net", "value_net", *exclude) and np.isfinite(r["auroc"])
    ]
    for kind in ("future", "present"):
        cand = [r for r in hidden if r["kind"] == kind]
        if cand:
            best = max(cand, key=lambda r: r["auroc"])
            return best["concept"], best["layer"]
    return None


def attribution_rows(data, metric: str, n: int = 4) -> np.ndarray:
    """Rows just before the behaviour event (else evenly spread), at most ``n``."""
    event = data.safety.get(metric)
    hits = np.flatnonzero(event > 0) if event is not None else np.array([], int)
    if len(hits):
        pick = hits[np.linspace(0, len(hits) - 1, min(n, len(hits))).round().astype(int)]
        return np.unique(pick)
    return np.unique(np.linspace(0, len(data) - 1, n).round().astype(int))


def agents_sim(env_id: str):
    return embedsafe.make_sim(env_id, 1)
