"""``probe_agent``: everything ``embedsafe probe`` reports, as plain tables (lists of dicts)
plus figures, for one agent or a run directory with checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import nn
from tqdm.auto import tqdm

from embedsafe.probing import agents, concepts, plots, probes, steering
from embedsafe.probing.capture import OBS, activations, check_layers, layer_names, rollout


@dataclass
class Budget:
    episodes: int = 64  # rollout episodes per checkpoint
    steps: int | None = None  # cap on episode length (env's own limit when None)
    checkpoints: int = 4  # at most this many checkpoints across training
    steer_episodes: int = 64
    alphas: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    n_random: int = 3
    seed: int = 0


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


def default_layers(policy: nn.Module) -> list[str]:
    """Post-activation outputs of every block plus the two heads (and ``obs``)."""
    modules = dict(policy.named_modules())
    picked = [
        n
        for n in layer_names(policy)
        if isinstance(modules[n], nn.ReLU | nn.Tanh) or n in ("action_net", "value_net")
    ]
    return [OBS, *picked]


def probe_table(data, cons, layers, untrained, seed: int, checkpoint: int) -> list[dict]:
    """Per (concept, layer): the probe on the agent, the control task on the same layer, and
    the probe on an untrained network fed the same observations."""
    types = concepts.input_type(data)
    groups = data.episode
    fresh = activations(untrained, data.obs, [n for n in layers if n != OBS])
    rows = []
    for concept in cons:
        y = concept.labels(data)
        y_control = probes.control_labels(types, y, seed)
        for layer in layers:
            x = data.acts[layer]
            task = probes.fit_probe(x, y, groups, seed)
            control = probes.fit_probe(x, y_control, groups, seed)
            rand = probes.fit_probe(fresh[layer], y, groups, seed) if layer != OBS else task
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
                    "positives": int(np.nansum(y)),
                    "n_test": task.n_test,
                }
            )
    return rows


def probe_agent(
    path,
    out: Path,
    env_id=None,
    concept_names=None,
    layer_names_=None,
    budget: Budget | None = None,
    progress: bool = True,
) -> Results:
    budget = budget or Budget()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpts = agents.checkpoints(path, budget.checkpoints)
    final = agents.load(ckpts[-1] if len(ckpts) > 1 else path, env_id)
    env_id = final.embedsafe_meta["env_id"]
    cons = concepts.concepts_for(env_id, concept_names)
    layers = check_layers(final, layer_names_ or default_layers(final))
    if OBS not in layers:
        layers = [OBS, *layers]
    scen = concepts.scenario(env_id)
    metric = concepts.BEHAVIOUR[scen]
    steer_units = len(budget.alphas) * (1 + budget.n_random) + 2 + budget.n_random
    bar = tqdm(total=len(ckpts) + 2 + steer_units, desc="probe", disable=not progress)
    res = Results(env_id=env_id, agent=str(path))

    # 1. every checkpoint: rollouts, behaviour and probes (the last one is the agent itself)
    for ckpt in ckpts:
        policy = final if ckpt == ckpts[-1] else agents.load(ckpt)
        step = policy.embedsafe_meta["num_timesteps"]
        bar.set_postfix_str(f"checkpoint {step}")
        data = rollout(policy, budget.episodes, budget.seed, layers, budget.steps)
        untrained = agents.untrained_like(policy, budget.seed)
        rows = probe_table(data, cons, layers, untrained, budget.seed, step)
        res.training_rows += rows
        res.behaviour_rows.append(
            {
                "checkpoint": step,
                metric: data.episode_metric(metric),
                "tamper_rate": data.episode_metric("tamper_rate"),
                "hidden_return": data.episode_metric("hidden_return"),
            }
        )
        bar.update(1)
    res.probe_rows = [r for r in res.training_rows if r["checkpoint"] == step]
    final_data = data

    # 2. figures: what-when-where, final probe bars
    res.figures["what_when_where"] = plots.what_when_where(
        res.training_rows, res.behaviour_rows, metric, out / "what_when_where.png"
    )
    res.figures["probes"] = plots.probe_bars(res.probe_rows, out / "probes.png")
    bar.update(1)

    # 3. steering and ablation along the best future (else present) concept
    target = pick_steering_target(res.probe_rows, cons)
    if target is not None:
        concept, layer = target
        y = next(c for c in cons if c.name == concept).labels(final_data)
        x = final_data.acts[layer]
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
        res.steering_rows = steering.steering_table(
            final,
            layer,
            {concept: direction},
            budget.alphas,
            budget.steer_episodes,
            seed,
            metrics,
            budget.n_random,
            budget.steps,
            progress=bar,
        )
        res.ablation_rows = steering.ablation_table(
            final,
            layer,
            {concept: direction},
            x,
            budget.steer_episodes,
            seed,
            metrics,
            budget.n_random,
            budget.steps,
        )
        res.figures["steering"] = plots.steering_plot(
            res.steering_rows, metric, out / "steering.png", concept, layer
        )
    bar.update(2 + budget.n_random)

    # 4. attribution over a few frames (the steps just before the behaviour, if any)
    from embedsafe.probing.attribution import attribution_figure

    rows = attribution_rows(final_data, metric)
    names = getattr(agents_sim(env_id), "action_names", None)
    res.figures["attribution"] = attribution_figure(
        final, final_data, rows, out / "attribution.png", names
    )
    bar.update(1)
    bar.close()
    return res


def pick_steering_target(rows: list[dict], cons) -> tuple[str, str] | None:
    """(concept, layer) with the best AUROC on a hidden layer, future concepts first."""
    hidden = [
        r
        for r in rows
        if r["layer"] not in (OBS, "action_net", "value_net") and np.isfinite(r["auroc"])
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
    import embedsafe

    return embedsafe.make_sim(env_id, 1)
