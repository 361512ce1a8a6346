"""Activation capture: seeded rollouts of an SB3 actor-critic with forward hooks on every
layer, stored with their coordinates (episode, step, seed, checkpoint) and the env's
ground-truth ``state``.

Layers are named by their module path in the policy (``features_extractor.cnn.1``,
``mlp_extractor.policy_net.1``, ``action_net``, ...). ``obs`` is the raw observation as a
pseudo-layer, so a probe on it is the input baseline. Hooks live only inside
:func:`hooked`; they are removed on the way out, whatever happens.

``max_features`` keeps first-person frames affordable: a feature map (or an image
observation) with more values than that is average-pooled over space to the finest
square grid that fits (``pool_shape``), so a 64x64 RGB frame is stored as 16x16x3 and a
32x15x15 conv map as 32x5x5; channels and coarse position survive, memory and probe
time shrink ~10x. Layers with at most ``max_features`` values are stored as they are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

import embedsafe

OBS = "obs"
# Leaf modules that only reshape: their output repeats the layer before.
_SKIP = (nn.Flatten, nn.Identity)

Intervention = Callable[[torch.Tensor], torch.Tensor]


def pool_shape(shape: Sequence[int], max_features: int | None) -> tuple[int, ...] | None:
    """``(C, s, s)``: the pooled shape of a ``(C, H, W)`` map with more than
    ``max_features`` values (the largest ``s`` with ``C * s * s <= max_features``, at least
    1); None when the map is small enough, not spatial, or there is no cap."""
    if max_features is None or len(shape) != 3 or int(np.prod(shape)) <= max_features:
        return None
    c, h, w = shape
    side = max(1, min(h, w, int(np.sqrt(max_features / c))))
    return (c, side, side)


def flatten(output: torch.Tensor, max_features: int | None) -> np.ndarray:
    """``(N, features)`` float32 of a layer output, pooled over space (see module doc)."""
    pooled = pool_shape(tuple(output.shape[1:]), max_features)
    if pooled is not None:
        output = nn.functional.adaptive_avg_pool2d(output.float(), pooled[1:])
    return output.detach().reshape(output.shape[0], -1).float().cpu().numpy()


def obs_features(obs: np.ndarray, max_features: int | None) -> np.ndarray:
    """The ``obs`` pseudo-layer: raw observations as float32 rows; image observations
    (``H x W x 3`` frames) larger than ``max_features`` pooled like feature maps."""
    frame = obs.ndim == 4 and obs.shape[-1] == 3
    if frame and pool_shape((3, obs.shape[1], obs.shape[2]), max_features):
        chw = torch.as_tensor(obs).permute(0, 3, 1, 2).float()
        return flatten(chw, max_features)
    return obs.reshape(len(obs), -1).astype(np.float32)


def layer_names(policy: nn.Module) -> list[str]:
    """Every hookable layer of ``policy`` in forward order (leaf modules, no reshapes)."""
    names = []
    for name, module in policy.named_modules():
        if name and not list(module.children()) and not isinstance(module, _SKIP):
            names.append(name)
    return names


def check_layers(policy: nn.Module, layers: Sequence[str]) -> list[str]:
    """``layers`` if all exist (``obs`` included), else a ValueError listing valid names."""
    valid = [OBS, *layer_names(policy)]
    bad = [name for name in layers if name not in valid]
    if bad:
        raise ValueError(f"unknown layer(s) {bad}; valid layers: {', '.join(valid)}")
    return list(layers)


@contextlib.contextmanager
def hooked(
    policy: nn.Module,
    layers: Sequence[str],
    store: dict[str, list[np.ndarray]] | None = None,
    interventions: dict[str, Intervention] | None = None,
    max_features: int | None = None,
    shapes: dict[str, tuple[int, ...]] | None = None,
) -> Iterator[dict[str, list[np.ndarray]]]:
    """Forward hooks on ``layers``: each forward appends the (flattened, post-intervention,
    pooled to ``max_features``) output to ``store[layer]`` and notes its per-row shape
    in ``shapes``; ``interventions[layer](out)`` may replace the output. Every hook is
    removed on exit."""
    store = {} if store is None else store
    interventions = interventions or {}
    modules = dict(policy.named_modules())
    names = [n for n in check_layers(policy, [*layers, *interventions]) if n != OBS]
    handles = []

    def make_hook(name: str):
        def hook(module, inputs, output):
            if name in interventions:
                output = interventions[name](output)
            if name in layers:
                store.setdefault(name, []).append(flatten(output, max_features))
                if shapes is not None:
                    shapes[name] = tuple(output.shape[1:])
            return output

        return hook

    try:
        for name in dict.fromkeys(names):
            handles.append(modules[name].register_forward_hook(make_hook(name)))
        yield store
    finally:
        for handle in handles:
            handle.remove()


def forward(policy, obs: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Action logits and values of a batch of raw env observations (runs every layer)."""
    obs_t, _ = policy.obs_to_tensor(obs)
    features = policy.extract_features(obs_t)
    latent_pi, latent_vf = policy.mlp_extractor(features)
    return policy.action_net(latent_pi), policy.value_net(latent_vf)


def sample(logits: torch.Tensor, u: torch.Tensor) -> np.ndarray:
    """Actions drawn from ``softmax(logits)`` by inverting the CDF at uniforms ``u``
    (one per row), so rows given the same ``u`` share their random numbers."""
    cdf = torch.softmax(logits, -1).cumsum(-1)
    picked = torch.searchsorted(cdf, u[:, None].to(cdf.dtype))[:, 0]
    return picked.clamp_max(logits.shape[-1] - 1).numpy()


def activation_shape(policy, layer: str) -> tuple[int, ...]:
    """Per-row output shape of ``layer`` (one forward pass on a blank observation)."""
    meta = policy.embedsafe_meta
    blank = np.zeros((1, *meta["obs_shape"]), np.dtype(meta.get("obs_dtype", "float32")))
    shapes: dict[str, tuple[int, ...]] = {}
    with torch.no_grad(), hooked(policy, [layer], {}, shapes=shapes):
        forward(policy, blank)
    return shapes[layer]


def activations(
    policy,
    obs: np.ndarray,
    layers: Sequence[str],
    batch: int = 256,
    max_features: int | None = None,
) -> dict[str, np.ndarray]:
    """Activations of ``layers`` for stored observations (e.g. an untrained network on the
    trained agent's inputs), pooled as :func:`rollout` pools them."""
    store: dict[str, list[np.ndarray]] = {}
    with torch.no_grad(), hooked(policy, layers, store, max_features=max_features):
        for start in range(0, len(obs), batch):
            forward(policy, obs[start : start + batch])
    out = {name: np.concatenate(store[name]) for name in layers if name != OBS}
    if OBS in layers:
        out[OBS] = obs_features(obs, max_features)
    return out


@dataclass
class Dataset:
    """One row per (episode, step) of a rollout. ``acts[layer]`` is ``(rows, features)``.
    ``safety[event]`` counts the event caused by this step's action."""

    env_id: str
    checkpoint: int
    seed: int
    obs: np.ndarray
    acts: dict[str, np.ndarray]
    episode: np.ndarray
    step: np.ndarray
    action: np.ndarray
    states: list[dict]
    safety: dict[str, np.ndarray]
    episode_safety: list[dict] = field(default_factory=list)
    pooled: dict[str, str] = field(default_factory=dict)  # layer -> "32x15x15 -> 32x5x5"

    def __len__(self) -> int:
        return len(self.step)

    def episode_metric(self, key: str) -> float:
        """Mean of an ``episode_safety`` aggregate over the episodes (NaN if absent)."""
        values = [float(e[key]) for e in self.episode_safety if key in e]
        return float(np.mean(values)) if values else float("nan")


def rollout(
    policy,
    episodes: int,
    seed: int = 0,
    layers: Sequence[str] = (),
    max_steps: int | None = None,
    deterministic: bool = False,
    interventions: dict[str, Intervention] | None = None,
    env_id: str | None = None,
    max_features: int | None = None,
    progress=None,
) -> Dataset:
    """Play ``episodes`` episodes (copy ``i`` from env seed ``seed + i``, all stepped
    together), recording ``layers`` at every step. Actions are sampled from a torch
    generator seeded with ``seed``, so the same arguments give the same dataset.
    ``max_steps`` caps each episode (the env's time limit otherwise); wide layers are
    pooled to ``max_features`` (module doc); ``progress.update(1)`` is called per step."""
    meta = policy.embedsafe_meta
    env_id = env_id or meta["env_id"]
    if embedsafe.find(env_id).id != meta["env_id"]:
        raise ValueError(
            f"the agent was trained on {meta['env_id']}, not {env_id}: probe it on its own env"
        )
    knobs = dict(meta.get("env_kwargs", {}))
    if max_steps is not None:
        knobs["max_steps"] = int(max_steps)
    vec = embedsafe.make_vec(env_id, episodes, seed=seed, full_info=True, **knobs)
    obs = vec.reset()
    states = [vec.sim.state(i) for i in range(episodes)]
    gen = torch.Generator().manual_seed(seed)
    rows: dict[str, list] = {k: [] for k in ("obs", "episode", "step", "action", "state")}
    events: dict[str, list] = {k: [] for k in vec.sim.safety_events}
    store: dict[str, list[np.ndarray]] = {}
    live = np.ones(episodes, bool)
    summaries: dict[int, dict] = {}
    t = 0
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = hooked(
        policy, [n for n in layers if n != OBS], store, interventions, max_features, shapes
    )
    with torch.no_grad(), hooks:
        while live.any():
            logits, _ = forward(policy, obs)
            if deterministic:
                actions = logits.argmax(-1)
            else:
                actions = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)[:, 0]
            actions = actions.numpy()
            keep = np.flatnonzero(live)
            for name in store:  # only rows of episodes still running
                store[name][-1] = store[name][-1][keep]
            rows["obs"].append(obs[keep])
            rows["episode"].append(keep)
            rows["step"].append(np.full(len(keep), t))
            rows["action"].append(actions[keep])
            rows["state"].extend(states[i] for i in keep)
            obs, _, dones, infos = vec.step(actions)
            for name in events:
                events[name].append(np.array([infos[i]["safety"][name] for i in keep]))
            states = [info["state"] for info in infos]
            for i in keep[dones[keep]]:
                summaries[int(i)] = infos[i]["episode_safety"]
                live[i] = False
            t += 1
            if progress is not None:
                progress.update(1)
    order = np.lexsort((np.concatenate(rows["step"]), np.concatenate(rows["episode"])))
    acts = {name: np.concatenate(store[name])[order] for name in layers if name != OBS}
    obs_all = np.concatenate(rows["obs"])[order]
    if OBS in layers:
        acts[OBS] = obs_features(obs_all, max_features)
        if obs_all.ndim == 4 and obs_all.shape[-1] == 3:
            shapes[OBS] = (3, *obs_all.shape[1:3])
    return Dataset(
        env_id=meta["env_id"],
        checkpoint=int(meta.get("num_timesteps", -1)),
        seed=seed,
        obs=obs_all,
        acts=acts,
        episode=np.concatenate(rows["episode"])[order] + seed,
        step=np.concatenate(rows["step"])[order],
        action=np.concatenate(rows["action"])[order],
        states=[rows["state"][j] for j in order],
        safety={k: np.concatenate(v)[order] for k, v in events.items()},
        episode_safety=[summaries[i] for i in range(episodes)],
        pooled=pooled_names(shapes, max_features),
    )


def pooled_names(shapes: dict[str, tuple[int, ...]], max_features: int | None) -> dict:
    """``{layer: "C x H x W -> C x s x s"}`` for the layers stored pooled."""
    out = {}
    for name, shape in shapes.items():
        pooled = pool_shape(shape, max_features)
        if pooled is not None:
            out[name] = " x ".join(map(str, shape)) + " -> " + " x ".join(map(str, pooled))
    return out
